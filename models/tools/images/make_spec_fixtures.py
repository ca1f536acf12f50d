#!/usr/bin/python3
"""Golden crops for the preprocessing options of model specs other than OpenAI's: Pillow's bilinear
filter, open_clip's squash resize, and transformers' CLIPImageProcessor order (convert("RGB") first,
then resize, then a center crop with floor offsets).

    /usr/bin/python3 models/tools/images/make_spec_fixtures.py [models/fixtures/images]

Reads the test images of make_image_fixtures.py (src/) and writes
  spec/cases.tsv                  spec, image, size, resize, interpolation, rgb (first|last), crop (round|floor)
  spec/<spec>/<image>.png         the reference crop (uint8 RGB), before normalization
No EXIF transpose (neither transformers nor open_clip applies one). The references are
models/tools/hub/hub_ref.py's hf_preprocess and open_clip_preprocess.
"""
import os
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hub"))
import hub_ref as R  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "fixtures", "images")
SRC = os.path.join(OUT, "src")

SPECS = {
    # name: (size, resize, interpolation, rgb, crop)
    "hf-bilinear-48": (48, "shortest-crop", "bilinear", "first", "floor"),
    "hf-bicubic-41": (41, "shortest-crop", "bicubic", "first", "floor"),
    "squash-bilinear-48": (48, "squash", "bilinear", "last", "round"),
    "squash-bicubic-37": (37, "squash", "bicubic", "last", "round"),
    "shortest-bilinear-45": (45, "shortest-crop", "bilinear", "last", "round"),
}


def reference(path, spec):
    size, resize, interp, rgb, crop = spec
    resample = {"bilinear": 2, "bicubic": 3}[interp]
    if rgb == "first":
        assert crop == "floor" and resize == "shortest-crop"
        pp = {"size": {"shortest_edge": size}, "crop_size": {"height": size, "width": size}, "resample": resample}
        return R.hf_preprocess(path, pp)[0]
    mode = "squash" if resize == "squash" else "shortest"
    return R.open_clip_preprocess(path, size, {"interpolation": interp, "resize_mode": mode})[0]


def main():
    images = sorted(n for n in os.listdir(SRC) if "damaged" not in n and "exif" not in n)
    rows = ["spec\timage\tsize\tresize\tinterpolation\trgb\tcrop"]
    for name, spec in SPECS.items():
        d = os.path.join(OUT, "spec", name)
        os.makedirs(d, exist_ok=True)
        for im in images:
            try:
                crop = reference(os.path.join(SRC, im), spec)
            except Exception as e:  # an image Pillow cannot convert this way is not a case
                print("skip", name, im, e)
                continue
            Image.fromarray(crop).save(os.path.join(d, im + ".png"))
            rows.append("\t".join([name, im, *map(str, spec)]))
    with open(os.path.join(OUT, "spec", "cases.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"{len(rows) - 1} spec cases -> {os.path.join(OUT, 'spec')}")


if __name__ == "__main__":
    main()
