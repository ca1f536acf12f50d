"""Writes a randomly initialized checkpoint with ViT-B/32's shapes (fp16, torch.save state dict,
~300 MB) for load and cold-start benchmarks: the weights are random, only the sizes are real.

    /usr/bin/python3 bench/make_vitb32_checkpoint.py target/bench/vitb32-random.pt
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "tools", "clip_ref"))
from model import CLIP, convert_weights  # noqa: E402


def main(out):
    torch.manual_seed(0)
    model = CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=32,
                 context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8, transformer_layers=12)
    convert_weights(model)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save(model.state_dict(), out)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/bench/vitb32-random.pt")
