#!/usr/bin/python3
"""Random images (sizes, aspect ratios, modes, formats) checked against the reference.

    /usr/bin/python3 models/tools/images/fuzz_compare.py [COUNT=60] [SEED=1]

Writes COUNT random images to a temp dir and, for a few model sizes, runs compare_with_reference.py
on them (./clip preprocess vs PIL + torchvision). Nothing is committed; it is a wider net than the
golden fixtures.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)


def content(w, h):
    y, x = np.mgrid[0:h, 0:w]
    base = (x * rng.uniform(0, 3) + y * rng.uniform(0, 3))[..., None] + rng.uniform(0, 255, 3)
    img = base + rng.normal(0, rng.uniform(0, 60), (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


failed = 0
with tempfile.TemporaryDirectory() as tmp:
    files = []
    for i in range(count):
        w, h = (int(v) for v in rng.integers(1, 700, 2))
        if rng.random() < 0.15:
            w = int(rng.integers(1, 4))
        a = content(w, h)
        kind = rng.choice(["jpg", "jpg_gray", "png_rgb", "png_rgba", "png_la", "png_l", "png_p", "png_1",
                           "webp", "webp_alpha", "gif", "bmp", "tif"])
        im = Image.fromarray(a)
        ext = kind.split("_")[0]
        path = os.path.join(tmp, f"r{i:03d}_{kind}.{ext}")
        if kind == "jpg":
            im.save(path, quality=int(rng.integers(30, 100)), subsampling=int(rng.integers(0, 3)),
                    progressive=bool(rng.random() < 0.3))
        elif kind == "jpg_gray":
            im.convert("L").save(path, quality=90)
        elif kind == "png_rgba":
            Image.fromarray(np.dstack([a, content(w, h)[..., 0]]), "RGBA").save(path)
        elif kind == "png_la":
            Image.fromarray(np.dstack([a[..., 0], content(w, h)[..., 1]]), "LA").save(path)
        elif kind == "png_l":
            im.convert("L").save(path)
        elif kind == "png_p":
            im.quantize(int(rng.integers(2, 256))).save(path)
        elif kind == "png_1":
            im.convert("1").save(path)
        elif kind == "webp":
            im.save(path, quality=int(rng.integers(30, 100)))
        elif kind == "webp_alpha":
            Image.fromarray(np.dstack([a, content(w, h)[..., 0]]), "RGBA").save(path, lossless=bool(rng.random() < 0.5))
        elif kind == "gif":
            im.quantize(int(rng.integers(2, 256))).save(path)
        else:
            im.save(path)
        files.append(path)
    for size in (7, 64, 224, 333):
        r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "compare_with_reference.py"), "--size", str(size)] + files,
                           capture_output=True, text=True)
        lines = r.stdout.strip().splitlines()
        bad = [l for l in lines if "bit-exact" not in l and not l.endswith("failing")]
        print(f"size {size}: {lines[-1]}")
        for l in bad:
            print("   ", l)
        failed += r.returncode != 0
sys.exit(1 if failed else 0)
