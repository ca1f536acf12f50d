"""Reference side of bench/train.sh: writes the bench data set and times open_clip's default training
step in plain torch (models/tools/clip_ref model, AdamW betas 0.9/0.98 eps 1e-6, the CLIP loss).

    /usr/bin/python3 bench/train_ref.py gen DIR N          # N PNG images + pairs.tsv
    /usr/bin/python3 bench/train_ref.py run DIR THREADS STEPS BATCH
Prints one line: ref_images_per_s=<median over the steps after the first two>.
Images are decoded and preprocessed before the timing (the Java side decodes on worker threads,
overlapped with the step); token rows are the captions' lengths (start, 6 ids, end), padded.
"""
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models", "tools", "clip_ref"))
from model import CLIP  # noqa: E402

CFG = dict(embed_dim=128, image_resolution=64, vision_layers=4, vision_width=128, vision_patch_size=16,
           context_length=32, vocab_size=49408, transformer_width=128, transformer_heads=2, transformer_layers=2)
COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"]
SHAPES = ["square", "circle", "triangle", "star"]


def gen(d, n):
    from PIL import Image, ImageDraw
    os.makedirs(os.path.join(d, "img"), exist_ok=True)
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        c, s = COLORS[i % len(COLORS)], SHAPES[(i // len(COLORS)) % len(SHAPES)]
        im = Image.fromarray(rng.integers(0, 255, (80, 80, 3), dtype=np.uint8))
        ImageDraw.Draw(im).ellipse([10, 10, 60, 60], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
        p = f"img/{i:05d}.png"
        im.save(os.path.join(d, p))
        lines.append(f"{p}\ta photo of a {c} {s}")
    with open(os.path.join(d, "pairs.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def run(d, threads, steps, batch):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CLIP(**CFG, activation="quick-gelu").train()
    excluded = lambda n, p: p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n
    opt = torch.optim.AdamW([
        {"params": [p for n, p in model.named_parameters() if excluded(n, p)], "weight_decay": 0.0},
        {"params": [p for n, p in model.named_parameters() if not excluded(n, p)], "weight_decay": 0.2}],
        lr=5e-4, betas=(0.9, 0.98), eps=1e-6)
    r = CFG["image_resolution"]
    images = torch.randn(batch, 3, r, r)  # preprocessed pixels: decoding is not timed
    tokens = torch.zeros(batch, CFG["context_length"], dtype=torch.int64)
    tokens[:, 0] = 49406
    tokens[:, 1:7] = torch.randint(1, 40000, (batch, 6))
    tokens[:, 7] = 49407
    labels = torch.arange(batch)
    rates = []
    for _ in range(steps):
        t0 = time.perf_counter()
        img = F.normalize(model.encode_image(images), dim=-1)
        txt = F.normalize(model.encode_text(tokens), dim=-1)
        logits = model.logit_scale.exp() * img @ txt.T
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, np.log(100))
        rates.append(batch / (time.perf_counter() - t0))
    print(f"ref_images_per_s={statistics.median(rates[2:]):.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
