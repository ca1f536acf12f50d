"""Writes GCompris's photographs (and its word-game drawings) as zero-shot evaluation sets, never training.

GCompris (Debian gcompris-qt-data, GPL-3+) ships real photographs of animals, fruit, tools and
household objects in its activities' resource bundles (.webp). The training recipe leaves every
.webp out (issue 11: no photographs in training); this script writes them, one folder per label,
for the photo half of clipkit-mini's evaluation:

    OUT/eval-gcompris-photos/<label>/<activity>__<file>.png     photographs (3 activities)
    OUT/eval-gcompris-drawings/<label>/lang__<file>.png         the "lang" word game's drawings

The "lang" activity's pictures are cartoon drawings, not photographs. The training recipe does not
use that activity, but its pictures are Art4Apps drawings, and 31 of the 51 are near-copies of
training images (the same artwork as pysiogame's art4apps/, measured with a 24x24 grey-level
distance): this set measures recall of seen drawings, not a new style. The unseen-style drawing
test is KTuberling's (make_drawing_eval.py).
Transparent pixels are flattened on white, as the training images are.

Only concrete, nameable things are kept (colours, numbers, body parts, family words, monuments
and "fish16"-style sets are left out, or mapped to one label). Labels are plain English nouns, as
a user would type them. Deterministic: inputs sorted, output PNGs re-encoded by PIL.

    /usr/bin/python3 make_photo_eval.py --cache OUT/.sources --out OUT
"""
import argparse
import io
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rcc  # noqa: E402

# activity -> {file stem (digits dropped, lower case) -> label}; None: left out
LANG = {w: w for w in (
    "gorilla rabbit hippopotamus coconut snake giraffe apple whale wolf turtle beetle bull mosquito dolphin "
    "frog dog lemon melon cow fox rhinoceros bear pear bird cat lizard strawberry shark raspberry hedgehog "
    "chicken kangaroo horse mouse fish peach duck panda butterfly apricot bee camel plum sheep turkey spider "
    "orange kiwi owl pig snail").split()}
WORLD = {"crocodile": "crocodile", "giraffe": "giraffe", "koala": "koala", "bison": "bison", "jaguar": "jaguar",
         "hedgehog": "hedgehog", "kangaroo": "kangaroo", "narwhal": "narwhal", "moose": "moose", "panda": "panda",
         "chameleon": "chameleon", "lemur": "lemur", "polar_bear": "polar bear", "scarlet_macaw": "parrot"}
FARM = {w: w for w in "dog cow cat chicken horse duck sheep owl pig".split()}
CATEGORIZATION = {
    "scissors": "scissors", "tweezer": "tweezers", "sickle": "sickle", "multimeter": "multimeter",
    "screwdriver": "screwdriver", "wrench": "wrench", "plier": "pliers", "hammer": "hammer",
    "measuringtape": "tape measure", "nailcutter": "nail clippers", "windmill": "windmill",
    "solar": "solar panel", "dam": "dam", "fish": "fish", "chair": "chair", "bulb": "light bulb",
    "baseball": "baseball", "volleyball": "volleyball", "erasers": "eraser", "spoons": "spoon",
    "igloo": "igloo", "pillow": "pillow", "pan": "frying pan", "plate": "plate", "cup": "cup",
    "knife": "knife", "bucket": "bucket", "pencil": "pencil",
}
ACTIVITIES = [
    ("lang", "/resource/words_sample/", LANG, "eval-gcompris-drawings"),
    ("explore_world_animals", "/resource/animals/", WORLD, "eval-gcompris-photos"),
    ("explore_farm_animals", "/resource/animals/", FARM, "eval-gcompris-photos"),
    ("categorization", "/resource/images/", CATEGORIZATION, "eval-gcompris-photos"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", required=True, help="the recipe's source cache (holds deb/gcompris-qt-data)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=256, help="longest side of the written PNGs (default 256)")
    a = ap.parse_args()
    from PIL import Image

    base = os.path.join(a.cache, "deb/gcompris-qt-data/usr/share/gcompris-qt/rcc")
    written = {}
    for act, under, names, folder in ACTIVITIES:
        out = os.path.join(a.out, folder)
        path = os.path.join(base, act + ".rcc")
        if not os.path.exists(path):
            print(f"make_photo_eval: no {path}, skipped", file=sys.stderr)
            continue
        for res, data in sorted(rcc.entries(path)):
            if under not in res or not res.endswith(".webp"):
                continue
            stem = os.path.basename(res)[:-5]
            key = re.sub(r"\d+$", "", stem).lower()
            label = names.get(key)
            if label is None:
                continue
            img = Image.open(io.BytesIO(data))
            img = img.convert("RGBA")
            flat = Image.new("RGB", img.size, "white")
            flat.paste(img, mask=img.getchannel("A"))
            img = flat
            img.thumbnail((a.size, a.size), Image.LANCZOS)
            d = os.path.join(out, label.replace(" ", "_"))
            os.makedirs(d, exist_ok=True)
            img.save(os.path.join(d, f"{act}__{stem}.png"), optimize=False)
            written[folder] = written.get(folder, 0) + 1
    for folder, n in sorted(written.items()):
        labels = os.listdir(os.path.join(a.out, folder))
        print(f"make_photo_eval: {n} images in {len(labels)} labels under {os.path.join(a.out, folder)}")


if __name__ == "__main__":
    main()
