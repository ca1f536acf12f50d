"""The drawing-weighted pairs file (balance_pairs.py). Run: /usr/bin/python3 -m unittest discover models/recipes/clipkit-mini/tests"""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import balance_pairs  # noqa: E402


class BalanceTest(unittest.TestCase):
    LINES = ["images/noto/cat__01.png\tcat face\n", "images/gcompris/cat__01.png\tcat\n",
             "images/openclipart/dog__01.png\tdog, canine\n", "images/tuxpaint/boat__01_t.jpg\tboat\n"]

    def test_each_drawing_line_is_repeated_in_place(self):
        out = balance_pairs.balance(self.LINES, balance_pairs.parse_weights(balance_pairs.DEFAULT))
        self.assertEqual(out, [self.LINES[0]] + [self.LINES[1]] * 4 + [self.LINES[2]] * 2 + [self.LINES[3]] * 2)

    def test_jsonl_lines_are_weighted_by_their_image_path(self):
        lines = ['{"image": "images/gcompris/cat__01.png", "captions": ["cat, feline", "cat"]}\n',
                 '{"image": "images/noto/cat__01_p.jpg", "captions": ["cat face"]}\n']
        out = balance_pairs.balance(lines, balance_pairs.parse_weights("gcompris=3"))
        self.assertEqual(out, [lines[0]] * 3 + [lines[1]])

    def test_bad_weights_are_named(self):
        for bad in ("gcompris", "gcompris=0", "gcompris=x", "=2"):
            with self.assertRaises(ValueError) as e:
                balance_pairs.parse_weights(bad)
            self.assertIn(bad.split(",")[0], str(e.exception))

    def test_command_writes_the_same_bytes_twice(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "pairs.tsv")
            with open(src, "w", encoding="utf-8") as f:
                f.writelines(self.LINES)
            outs = []
            for i in range(2):
                out = os.path.join(d, "b%d.tsv" % i)
                subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "balance_pairs.py"), src, out],
                               check=True, capture_output=True)
                with open(out, "rb") as f:
                    outs.append(f.read())
            self.assertEqual(outs[0], outs[1])
            self.assertEqual(outs[0].count(b"\n"), 9)


if __name__ == "__main__":
    unittest.main()
