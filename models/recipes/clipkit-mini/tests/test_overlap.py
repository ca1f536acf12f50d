"""evaluate.py --overlap: near-copies of training images are found, other drawings and plain images are not.
Run: /usr/bin/python3 -m unittest discover models/recipes/clipkit-mini/tests"""
import os
import sys
import tempfile
import unittest

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import evaluate  # noqa: E402


def save(path, draw, size=96, bg=(255, 255, 255)):
    img = Image.new("RGB", (size, size), bg)
    draw(ImageDraw.Draw(img), size)
    img.save(path)
    return path


def cow(d, s):  # a body, four legs and a head, off centre
    d.rectangle((s * 0.2, s * 0.35, s * 0.7, s * 0.6), fill=(120, 80, 40), outline=(0, 0, 0))
    for x in (0.22, 0.32, 0.55, 0.65):
        d.rectangle((s * x, s * 0.6, s * (x + 0.04), s * 0.85), fill=(0, 0, 0))
    d.ellipse((s * 0.68, s * 0.25, s * 0.9, s * 0.45), fill=(200, 160, 120), outline=(0, 0, 0))


def house(d, s):
    d.polygon([(s * 0.2, s * 0.45), (s * 0.5, s * 0.15), (s * 0.8, s * 0.45)], fill=(200, 30, 30))
    d.rectangle((s * 0.25, s * 0.45, s * 0.75, s * 0.85), fill=(230, 200, 120), outline=(0, 0, 0))
    d.rectangle((s * 0.45, s * 0.6, s * 0.55, s * 0.85), fill=(90, 50, 20))


class OverlapTest(unittest.TestCase):
    def test_a_rescaled_copy_is_found_and_another_drawing_is_not(self):
        with tempfile.TemporaryDirectory() as t:
            train = [save(os.path.join(t, "cow.png"), cow), save(os.path.join(t, "house.png"), house)]
            copy = save(os.path.join(t, "cow-big.png"), cow, size=200)          # the same artwork, larger
            moved = save(os.path.join(t, "cow-bg.png"), cow, bg=(250, 250, 250))  # near-white page
            other = save(os.path.join(t, "ball.png"),
                         lambda d, s: d.ellipse((s * 0.3, s * 0.3, s * 0.7, s * 0.7), fill=(20, 90, 200)))
            self.assertEqual(evaluate.near_copies([copy, moved, other], train), [copy, moved])
            self.assertEqual(evaluate.near_copies([other], train[:1]), [])

    def test_a_plain_image_is_not_counted(self):
        with tempfile.TemporaryDirectory() as t:
            train = [save(os.path.join(t, "blank.png"), lambda d, s: None), save(os.path.join(t, "cow.png"), cow)]
            blank = save(os.path.join(t, "white.png"), lambda d, s: d.point((1, 1), fill=(254, 254, 254)))
            self.assertIsNone(evaluate.thumb(blank))
            self.assertEqual(evaluate.near_copies([blank], train), [])


if __name__ == "__main__":
    unittest.main()
