"""Writes N deterministic photo-sized JPEGs (640x480, gradients and shapes, quality 90) for
bench/spark.sh: same files for clip tag and the Spark job.

    /usr/bin/python3 bench/spark_images.py OUT_DIR N
"""
import os
import random
import sys

from PIL import Image, ImageDraw


def main(out, n):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(0)
    for i in range(n):
        path = os.path.join(out, "img%05d.jpg" % i)
        if os.path.exists(path):
            continue
        w, h = 640, 480
        top = tuple(rnd.randrange(256) for _ in range(3))
        bottom = tuple(rnd.randrange(256) for _ in range(3))
        im = Image.new("RGB", (w, h))
        px = im.load()
        for y in range(h):
            t = y / (h - 1)
            c = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom))
            for x in range(w):
                px[x, y] = c
        d = ImageDraw.Draw(im)
        for _ in range(12):
            x0, y0 = rnd.randrange(w), rnd.randrange(h)
            x1, y1 = x0 + rnd.randrange(20, 200), y0 + rnd.randrange(20, 200)
            fill = tuple(rnd.randrange(256) for _ in range(3))
            (d.ellipse if rnd.random() < 0.5 else d.rectangle)([x0, y0, x1, y1], fill=fill)
        im.save(path, quality=90)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
