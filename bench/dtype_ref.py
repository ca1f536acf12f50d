"""Python side of bench/dtype.sh: the reference model (Debian torch, fp32) and torch's own bf16
(CPU autocast, oneDNN/mkldnn kernels) on the random ViT-B/32-sized checkpoint encoders_ref.py wrote.
Writes the inputs and fp32 reference embeddings (DIR/images.npy, tokens.npy, ref-image.npy,
ref-text.npy) and DIR/dtype-ref.json: median seconds per batch-32 call for each mode, and the
autocast embeddings' worst cosine to fp32.

    /usr/bin/python3 bench/dtype_ref.py DIR THREADS
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from encoders_ref import BATCH, CONFIGS, build_model, inputs  # noqa: E402

ARCH = "ViT-B-32"


def timed(fn, min_iters=5, min_seconds=6.0):
    """Median wall seconds per call over the rounds (after one warm-up call)."""
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_iters or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def worst_cos(a, b):
    a = a.float().numpy().astype(np.float64)
    b = b.float().numpy().astype(np.float64)
    cos = (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
    return float(cos.min())


def main(out, threads):
    torch.set_num_threads(threads)
    sd = torch.jit.load(os.path.join(out, f"{ARCH}-random.pt"), map_location="cpu").state_dict()
    model = build_model({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}).eval()
    cfg = CONFIGS[ARCH]
    images, tokens = inputs(cfg["image_resolution"], cfg["context_length"], cfg["vocab_size"])
    np.save(os.path.join(out, "images.npy"), images.numpy())
    np.save(os.path.join(out, "tokens.npy"), tokens.numpy().astype(np.int32))
    res = dict(threads=threads, batch=BATCH, torch=torch.__version__)
    with torch.no_grad():
        img = model.encode_image(images)
        txt = model.encode_text(tokens)
        np.save(os.path.join(out, "ref-image.npy"), img.numpy())
        np.save(os.path.join(out, "ref-text.npy"), txt.numpy())
        res["fp32_image_s"] = timed(lambda: model.encode_image(images))
        res["fp32_text_s"] = timed(lambda: model.encode_text(tokens))
        try:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                bi = model.encode_image(images)
                bt = model.encode_text(tokens)
                res["bf16_image_s"] = timed(lambda: model.encode_image(images))
                res["bf16_text_s"] = timed(lambda: model.encode_text(tokens))
            res["bf16_image_cos"] = worst_cos(bi, img)
            res["bf16_text_cos"] = worst_cos(bt, txt)
        except Exception as e:  # an old torch without CPU autocast: report, keep the fp32 figures
            res["bf16_error"] = str(e)
    with open(os.path.join(out, "dtype-ref.json"), "w") as f:
        json.dump(res, f, indent=1)
    line = (f"python reference (torch {torch.__version__}, {threads} threads): fp32 images "
            f"{BATCH / res['fp32_image_s']:.1f}/s, texts {BATCH / res['fp32_text_s']:.1f}/s")
    if "bf16_image_s" in res:
        line += (f"; bf16 autocast images {BATCH / res['bf16_image_s']:.1f}/s"
                 f" ({res['fp32_image_s'] / res['bf16_image_s']:.2f}x its fp32), texts {BATCH / res['bf16_text_s']:.1f}/s"
                 f" ({res['fp32_text_s'] / res['bf16_text_s']:.2f}x)"
                 f" (worst cos to fp32: image {res['bf16_image_cos']:.6f}, text {res['bf16_text_cos']:.6f})")
    print(line)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
