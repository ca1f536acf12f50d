"""Writes camera-sized JPEGs for bench/tag-camera.sh: the mate-backgrounds photos (apt-get install
mate-backgrounds), cropped to 4:3, upscaled (bicubic) to 4032x3024, with sensor-like grain (so the
files have the entropy of real 12-MP photos, ~3 MB at quality 92, 4:2:0) and every fourth one stored
portrait (3024x4032). Deterministic (seeded); existing files are kept.

    /usr/bin/python3 bench/make_camera_jpegs.py OUT_DIR [COUNT]      (default COUNT 48)
"""
import glob
import os
import sys

import numpy as np
from PIL import Image


def main(out, count):
    os.makedirs(out, exist_ok=True)
    photos = sorted(glob.glob("/usr/share/backgrounds/mate/*/*.jpg"))
    if not photos:
        sys.exit("no /usr/share/backgrounds/mate/*/*.jpg: apt-get install mate-backgrounds")
    for i in range(count):
        path = os.path.join(out, "cam%03d.jpg" % i)
        if os.path.exists(path):
            continue
        rng = np.random.default_rng(i)
        with Image.open(photos[i % len(photos)]) as src:
            im = src.convert("RGB")
        w, h = im.size
        # A 4:3 window at a seeded position (so the three images made from one photo differ).
        cw, ch = (int(h * 4 / 3), h) if w * 3 >= h * 4 else (w, int(w * 3 / 4))
        x = int(rng.integers(0, w - cw + 1))
        y = int(rng.integers(0, h - ch + 1))
        im = im.crop((x, y, x + cw, y + ch)).resize((4032, 3024), Image.BICUBIC)
        if i % 2:
            im = im.transpose(Image.FLIP_LEFT_RIGHT)
        if i % 4 == 3:
            im = im.transpose(Image.ROTATE_90)
        a = np.asarray(im).astype(np.float32)
        a += rng.normal(0, 4, a.shape[:2])[..., None] + rng.normal(0, 2, a.shape)
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(path + ".tmp", "JPEG", quality=92)
        os.replace(path + ".tmp", path)
    print(out, count)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 48)
