"""Smoke test of the caption builder on committed excerpts of WordNet and CLDR (tests/sample/):
no Debian packages needed. Run: /usr/bin/python3 -m unittest discover models/recipes/clipkit-mini/tests
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import captions  # noqa: E402

SAMPLE = os.path.join(HERE, "sample")


class CaptionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.wn = captions.WordNet(SAMPLE)
        cls.cldr = captions.load_cldr([os.path.join(SAMPLE, "annotations-en.xml"),
                                       os.path.join(SAMPLE, "annotationsDerived-en.xml")])

    def test_parents_skip_generic_synsets(self):
        # the chain is canine, carnivore, placental, mammal, vertebrate, chordate, animal, organism...
        self.assertEqual(self.wn.parents("wolf"), ["canine", "carnivore", "mammal", "animal"])

    def test_plural_and_phrase_lookup(self):
        self.assertEqual(self.wn.lemma("wolves"), "wolf")
        self.assertEqual(self.wn.lemma("Fire engine"), "fire_engine")
        self.assertEqual(self.wn.head("cat face"), "cat")
        self.assertIsNone(self.wn.lemma("grinning"))

    def test_visual_sense_preferred_over_most_frequent(self):
        # sense 1 of "hot dog" is a show-off (a person); a picture of one is the sandwich
        self.assertIn("sandwich", self.wn.parents("hot_dog"))

    def test_cldr_names_keywords_and_fe0f(self):
        name, keywords = self.cldr["\U0001F431"]
        self.assertEqual(name, "cat face")
        self.assertIn("pet", keywords)
        self.assertEqual(self.cldr["\U0001F44B\U0001F3FD"][0], "waving hand: medium skin tone")

    def test_caption_joins_cldr_and_wordnet(self):
        name, keywords = self.cldr["\U0001F43A"]
        self.assertEqual(captions.caption(name, self.wn, keywords),
                         "wolf, face, canine, carnivore, mammal, animal")
        name, keywords = self.cldr["\U0001F692"]
        cap = captions.caption(name, self.wn, keywords)
        self.assertTrue(cap.startswith("fire engine, "), cap)
        self.assertIn("truck", cap)
        self.assertTrue(cap.endswith("vehicle"), cap)

    def test_description_first(self):
        self.assertEqual(captions.caption("wolf", self.wn, description="A grey wolf."),
                         "A grey wolf, canine, carnivore, mammal, animal")
        self.assertEqual(captions.caption("wolf", self.wn, description="A big dog."),
                         "A big dog, wolf, canine, carnivore, mammal, animal")


if __name__ == "__main__":
    unittest.main()
