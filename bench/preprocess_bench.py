#!/usr/bin/python3
"""PIL + torchvision decode + preprocess throughput on the given files, one thread.

    /usr/bin/python3 bench/preprocess_bench.py SIZE ROUNDS FILE...
"""
import sys
import time

import torch
from PIL import Image
from torchvision import transforms as T

torch.set_num_threads(1)
size, rounds, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
tf = T.Compose([
    T.Resize(size, interpolation=T.InterpolationMode.BICUBIC),
    T.CenterCrop(size),
    lambda im: im.convert("RGB"),
    T.ToTensor(),
    T.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
])


def one(f):
    # The plain reference pipeline, without ImageOps.exif_transpose: that one copies the whole
    # image even when there is nothing to rotate, and the comparison should not flatter Java.
    # (The Java side keeps its default, EXIF rotation on: a header lookup on these photos.)
    return tf(Image.open(f))


sink = 0.0
for _ in range(2):
    for f in files:
        sink += float(one(f)[0, 0, 0])
c0 = time.process_time()
t0 = time.perf_counter()
n = 0
for _ in range(rounds):
    for f in files:
        sink += float(one(f)[0, 0, 0])
        n += 1
s = time.perf_counter() - t0
cpu = time.process_time() - c0  # all threads of the process
print(f"python {n} images in {s:.3f} s: {n / s:.2f} images/s; process CPU {cpu:.3f} s: {n / cpu:.2f} images/CPU-s"
      f" (checksum {sink:.3f})")
