#!/usr/bin/python3
"""Writes a random checkpoint with exactly the tensor names and shapes of a shared layout TSV
(../shared/clip/ViT-B-32.state_dict.tsv or RN50...), for load benchmarks. Never commit the output
(ViT-B/32 is ~300 MB in fp16).

    /usr/bin/python3 models/tools/checkpoints/make_layout_checkpoint.py \
        ../shared/clip/ViT-B-32.state_dict.tsv target/bench/ViT-B-32 [--dtype float16]

writes <out>.pt (TorchScript archive, module tree as in OpenAI's), <out>.state_dict.pt and
<out>.safetensors.
"""
import argparse
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formats import save_safetensors, save_state_dict  # noqa: E402

SCALARS = {"input_resolution": 224, "context_length": 77, "vocab_size": 49408}


def read_layout(tsv):
    rows = []
    with open(tsv) as f:
        for line in f:
            name, shape, kind = line.rstrip("\n").split("\t")
            if name == "key":
                continue
            shape = [] if shape == "scalar" else [int(x) for x in shape.split("x")]
            rows.append((name, shape, kind))
    return rows


def random_state_dict(rows, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for name, shape, kind in rows:
        if name.endswith("num_batches_tracked"):
            sd[name] = torch.tensor(0, dtype=torch.int64)
        elif name.endswith("running_var"):
            sd[name] = (torch.rand(shape, generator=g) + 0.5).to(dtype)
        else:
            sd[name] = (torch.randn(shape, generator=g) * 0.02).to(dtype)
    return sd


def module_tree(sd, buffers):
    """nn.Modules nested by key path, holding `sd`'s tensors as parameters or buffers."""
    root = nn.Module()
    for name, t in sd.items():
        *path, leaf = name.split(".")
        m = root
        for p in path:
            if not hasattr(m, p):
                m.add_module(p, nn.Module())
            m = getattr(m, p)
        if name in buffers or not t.is_floating_point():
            m.register_buffer(leaf, t)
        else:
            m.register_parameter(leaf, nn.Parameter(t, requires_grad=False))
    for k, v in SCALARS.items():
        root.register_buffer(k, torch.tensor(v))
    return root


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("out")
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32", "bfloat16"])
    a = ap.parse_args()
    rows = read_layout(a.tsv)
    dtype = getattr(torch, a.dtype)
    sd = random_state_dict(rows, dtype)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    buffers = {n for n, _, k in rows if k == "buffer"}
    torch.jit.save(torch.jit.script(module_tree(sd, buffers)), a.out + ".pt")
    save_state_dict(sd, a.out + ".state_dict.pt")
    save_safetensors(sd, a.out + ".safetensors")
    print("wrote", a.out + ".{pt,state_dict.pt,safetensors}", sum(t.numel() for t in sd.values()), "elements")


if __name__ == "__main__":
    main()
