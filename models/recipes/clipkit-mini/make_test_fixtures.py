"""Writes the held-out images the bundled model's semantic tests use: permissive sources only, 64 px.

    /usr/bin/python3 make_test_fixtures.py --data OUT --out clip-model-mini/src/test/resources/clipkit-mini-heldout

Takes every held-out image (concepts never in training, `OUT/heldout/<concept>/`) of the
permissively licensed sources (Noto Color Emoji: OFL-1.1; Twemoji: CC-BY-4.0; Fluent Emoji 3D: MIT;
openclipart: public domain), resizes it to the model's input (64 x 64, bicubic: the model's own
preprocessing is then the identity), and writes `<out>/<concept>/<source>-<concept>__NN.png` plus
`ATTRIBUTION.md`. The copyleft sources' held-out images (OpenMoji, Tux Paint, Art4Apps, GCompris)
are left out so that the repository carries no share-alike files. Deterministic.
"""
import argparse
import os
import shutil

from PIL import Image

PERMISSIVE = {
    "noto": "Noto Color Emoji (Debian fonts-noto-color-emoji), OFL-1.1, (c) Google Inc.",
    "twemoji": "Twemoji (npm emoji-datasource-twitter), graphics CC-BY-4.0, (c) Twitter, Inc. and other contributors",
    "fluent": "Fluent Emoji 3D (npm @lobehub/fluent-emoji-3d), MIT, (c) Microsoft",
    "openclipart": "openclipart (Debian openclipart-png), public domain (CC0)",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="the recipe's output folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=64)
    a = ap.parse_args()
    src = os.path.join(a.data, "heldout")
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    counts = {}
    for concept in sorted(os.listdir(src)):
        for f in sorted(os.listdir(os.path.join(src, concept))):
            source = f.split("-")[0]
            if source not in PERMISSIVE:
                continue
            img = Image.open(os.path.join(src, concept, f)).convert("RGB")
            img = img.resize((a.size, a.size), Image.BICUBIC)
            d = os.path.join(a.out, concept)
            os.makedirs(d, exist_ok=True)
            img.save(os.path.join(d, f), optimize=True)
            counts[source] = counts.get(source, 0) + 1
    concepts = len(os.listdir(a.out))
    with open(os.path.join(a.out, "ATTRIBUTION.md"), "w") as f:
        f.write("# Held-out test images of clipkit-mini\n\n"
                f"{sum(counts.values())} images of {concepts} concepts that clipkit-mini never saw in training, "
                f"resized to {a.size} px by `models/recipes/clipkit-mini/make_test_fixtures.py`. "
                "The file name's prefix names the source:\n\n")
        for s, n in sorted(counts.items()):
            f.write(f"- `{s}-` ({n} images): {PERMISSIVE[s]}\n")
    print(f"make_test_fixtures: {sum(counts.values())} images, {concepts} concepts, {counts} -> {a.out}")


if __name__ == "__main__":
    main()
