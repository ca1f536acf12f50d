"""Checks that model.py builds OpenAI's state-dict layouts: for ViT-B/32 and RN50, builds the
model at the released sizes, compares every key, shape and parameter/buffer kind (and the key
order) with ../shared/clip/<name>.state_dict.tsv, and checks that infer_config() recovers the
sizes from the shapes. Exits 1 on any difference.

    /usr/bin/python3 models/tools/clip_ref/check_layout.py [SHARED_DIR]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import CLIP, infer_config  # noqa: E402

CONFIGS = {
    "ViT-B-32": dict(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=32,
                     context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8, transformer_layers=12),
    "RN50": dict(embed_dim=1024, image_resolution=224, vision_layers=(3, 4, 6, 3), vision_width=64, vision_patch_size=None,
                 context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8, transformer_layers=12),
}


def read_tsv(path):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            key, shape, kind = line.rstrip("\n").split("\t")
            rows.append((key, () if shape == "scalar" else tuple(int(d) for d in shape.split("x")), kind))
    return rows


def layout(model):
    params = {n for n, _ in model.named_parameters()}
    return [(k, tuple(v.shape), "parameter" if k in params else "buffer") for k, v in model.state_dict().items()]


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../../shared/clip")
    ok = True
    torch.manual_seed(0)
    for name, cfg in CONFIGS.items():
        expected = read_tsv(os.path.join(shared, name + ".state_dict.tsv"))
        model = CLIP(**cfg)
        got = layout(model)
        if got != expected:
            ok = False
            e, g = set(expected), set(got)
            print(f"{name}: MISMATCH; missing {sorted(e - g)[:10]}, unexpected {sorted(g - e)[:10]}"
                  + ("" if e != g else " (order differs)"))
        else:
            print(f"{name}: {len(got)} keys, shapes and kinds match the TSV (same order)")
        inferred = infer_config(model.state_dict())
        if inferred != {**cfg, "vision_layers": cfg["vision_layers"]}:
            ok = False
            print(f"{name}: infer_config gave {inferred}, expected {cfg}")
        else:
            print(f"{name}: infer_config recovers {cfg}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
