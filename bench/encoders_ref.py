"""Python side of bench/encoders.sh: writes a random ViT-B/32-sized checkpoint in OpenAI's archive
format (traced, then .half()) and times the reference model on it.

    /usr/bin/python3 bench/encoders_ref.py gen DIR [ARCH]      # DIR/<ARCH>-random.pt (ARCH: ViT-B-32, RN50)
    /usr/bin/python3 bench/encoders_ref.py run DIR THREADS [ARCH]
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "tools", "clip_ref"))
from check_layout import CONFIGS  # noqa: E402
from make_model_fixtures import randomize, save_torchscript  # noqa: E402
from model import CLIP, build_model  # noqa: E402

BATCH = 32


def inputs(res, ctx, vocab):
    g = torch.Generator().manual_seed(0)
    images = torch.randn(BATCH, 3, res, res, generator=g)
    tokens = torch.zeros(BATCH, ctx, dtype=torch.int64)
    for i in range(BATCH):
        n = 4 + (i * 7) % (ctx - 4)  # lengths 4..ctx-1, as real prompts vary
        tokens[i, 0] = vocab - 2
        tokens[i, 1:n - 1] = torch.randint(1, vocab - 2, (n - 2,), generator=g)
        tokens[i, n - 1] = vocab - 1
    return images, tokens


def gen(out, arch):
    path = os.path.join(out, f"{arch}-random.pt")
    if os.path.exists(path):
        print("exists:", path)
        return
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    cfg = CONFIGS[arch]
    model = CLIP(**cfg).eval()
    randomize(model, torch.Generator().manual_seed(0))
    images, tokens = inputs(cfg["image_resolution"], cfg["context_length"], cfg["vocab_size"])
    save_torchscript(path, model, images[:2], tokens[:2])
    print("wrote", path, os.path.getsize(path) // 2**20, "MB")


def timed(fn, min_iters=3, min_seconds=8.0):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_iters or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def run(out, threads, arch):
    torch.set_num_threads(threads)
    path = os.path.join(out, f"{arch}-random.pt")
    t = time.perf_counter()
    sd = torch.jit.load(path, map_location="cpu").state_dict()
    model = build_model({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    load_s = time.perf_counter() - t
    cfg = CONFIGS[arch]
    images, tokens = inputs(cfg["image_resolution"], cfg["context_length"], cfg["vocab_size"])
    np.save(os.path.join(out, "images.npy"), images.numpy())
    np.save(os.path.join(out, "tokens.npy"), tokens.numpy().astype(np.int32))
    with torch.no_grad():
        img = model.encode_image(images)
        txt = model.encode_text(tokens)
        np.save(os.path.join(out, "ref-image.npy"), img.numpy())
        np.save(os.path.join(out, "ref-text.npy"), txt.numpy())
        ti = timed(lambda: model.encode_image(images))
        tt = timed(lambda: model.encode_text(tokens))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res = dict(threads=threads, batch=BATCH, load_s=load_s, image_batch_s=ti, text_batch_s=tt,
               image_per_s=BATCH / ti, text_per_s=BATCH / tt, peak_rss_mb=rss, torch=torch.__version__)
    with open(os.path.join(out, "ref.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(f"python reference ({arch}, torch {torch.__version__}, {threads} threads): "
          f"images {BATCH / ti:.1f}/s, texts {BATCH / tt:.1f}/s, load {load_s:.2f}s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "gen":
        gen(d, sys.argv[3] if len(sys.argv) > 3 else "ViT-B-32")
    else:
        run(d, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "ViT-B-32")
