"""The photo-like and sketch training copies and the caption lists of pairs.jsonl (make_pairs.py).
Run: /usr/bin/python3 -m unittest discover models/recipes/clipkit-mini/tests"""
import os
import random
import sys
import unittest

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import make_pairs  # noqa: E402


def drawing(size=96):
    """A flat red disc with a black outline on a transparent canvas: what the sources look like."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((20, 20, 76, 76), fill=(220, 30, 30, 255), outline=(0, 0, 0, 255), width=3)
    return img


class PhotoLikeTest(unittest.TestCase):
    def test_same_seed_same_pixels_other_seed_other_pixels(self):
        a = np.asarray(make_pairs.photo_like(random.Random("x"), drawing(), 96))
        b = np.asarray(make_pairs.photo_like(random.Random("x"), drawing(), 96))
        c = np.asarray(make_pairs.photo_like(random.Random("y"), drawing(), 96))
        self.assertEqual(a.shape, (96, 96, 3))
        self.assertTrue(np.array_equal(a, b))
        self.assertGreater(np.abs(a.astype(int) - c.astype(int)).mean(), 5)

    def test_no_white_space_and_no_flat_colour_left(self):
        for seed in range(8):
            out = np.asarray(make_pairs.photo_like(random.Random(seed), drawing(), 96)).astype(int)
            white = (out.min(axis=2) > 245).mean()
            self.assertLess(white, 0.05, "seed %d: %.0f%% of the pixels are still white" % (seed, 100 * white))
            # the disc's flat red is shaded: its pixels spread over many values
            self.assertGreater(len(np.unique(out[..., 0])), 40, "seed %d" % seed)

    def test_the_thing_is_still_there(self):
        # the red disc dominates the centre whatever the scene: red above green and blue there
        for seed in range(8):
            out = np.asarray(make_pairs.photo_like(random.Random(seed), drawing(), 96)).astype(int)
            centre = out[40:56, 40:56].reshape(-1, 3).mean(axis=0)
            self.assertGreater(centre[0], centre[1] + 20, "seed %d: centre %s" % (seed, centre))

    def test_scenes_are_deterministic_and_textured(self):
        a = np.asarray(make_pairs.scene(random.Random(3), 64))
        self.assertTrue(np.array_equal(a, np.asarray(make_pairs.scene(random.Random(3), 64))))
        self.assertGreater(a.std(), 1.0)


class SketchTest(unittest.TestCase):
    def test_lines_on_paper_no_fill(self):
        for seed in range(6):
            out = np.asarray(make_pairs.sketch(random.Random(seed), drawing(), 96)).astype(int)
            self.assertEqual(out.shape, (96, 96, 3))
            grey = out.mean(axis=2)
            # the disc's flat red interior is gone (paper), its outline is a dark line
            self.assertGreater(grey[44:52, 44:52].mean(), 200, "seed %d: interior filled" % seed)
            self.assertLess(grey[46:50, 18:26].min(), 150, "seed %d: no outline" % seed)
            self.assertGreater((grey > 200).mean(), 0.7, "seed %d: mostly paper" % seed)
            r, g = out[..., 0].mean(), out[..., 1].mean()
            self.assertLess(abs(r - g), 25, "seed %d: the red fill leaked into the sketch" % seed)

    def test_deterministic(self):
        a = np.asarray(make_pairs.sketch(random.Random("k"), drawing(), 64 + 32))
        self.assertTrue(np.array_equal(a, np.asarray(make_pairs.sketch(random.Random("k"), drawing(), 96))))


class CaptionListTest(unittest.TestCase):
    def test_the_bare_name_is_a_second_caption(self):
        self.assertEqual(make_pairs.caption_list("cow, cattle, bovine, mammal, animal", "cow"),
                         ["cow, cattle, bovine, mammal, animal", "cow"])
        self.assertEqual(make_pairs.caption_list("A frog, amphibian, animal", " frog "),
                         ["A frog, amphibian, animal", "frog"])

    def test_no_duplicate_when_the_caption_is_the_name(self):
        self.assertEqual(make_pairs.caption_list("keycap: #", "keycap: #"), ["keycap: #"])
        self.assertEqual(make_pairs.caption_list("Kiwi", "kiwi"), ["Kiwi"])
        self.assertEqual(make_pairs.caption_list("kiwi, fruit", ""), ["kiwi, fruit"])


if __name__ == "__main__":
    unittest.main()
