#!/usr/bin/python3
"""Writes the small checkpoint-format fixtures under models/fixtures/checkpoints (a few KB each).

Run from the repository root:  /usr/bin/python3 models/tools/checkpoints/make_checkpoint_fixtures.py

A tiny module with parameters and BatchNorm buffers is saved in every format clipkit reads, plus
hostile and broken files. expected-<dtype>.json holds, per key in state_dict order, the shape, the
stored dtype and the values as float32 (after the dtype round trip), for the Java tests.
"""
import io
import json
import os
import struct
import sys
import zipfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formats import cast_state_dict, save_safetensors, save_state_dict, save_torchscript  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "checkpoints")
SCALARS = {"input_resolution": 8, "context_length": 5, "vocab_size": 11}


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, 2)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(x)


class Tiny(nn.Module):
    """Shaped like a miniature CLIP: a conv stem with BatchNorm (buffers), blocks, projections."""

    def __init__(self, width=4):
        super().__init__()
        self.visual = nn.Module()
        self.visual.conv1 = nn.Conv2d(3, width, 3, bias=False)
        self.visual.bn1 = nn.BatchNorm2d(width)
        self.visual.proj = nn.Parameter(torch.randn(width, 3))
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.Sequential(Block(width), Block(width))
        self.token_embedding = nn.Embedding(11, width)
        self.text_projection = nn.Parameter(torch.randn(width, 3))
        self.logit_scale = nn.Parameter(torch.tensor(4.6052))

    def encode_image(self, image):
        x = torch.relu(self.visual.bn1(self.visual.conv1(image)))
        return x.mean(dim=(2, 3)) @ self.visual.proj

    def encode_text(self, ids):
        x = self.token_embedding(ids).permute(1, 0, 2)
        x = self.transformer.resblocks(x).permute(1, 0, 2)
        return x[:, -1] @ self.text_projection

    def forward(self, image, ids):
        a = self.encode_image(image)
        b = self.encode_text(ids)
        return self.logit_scale.exp() * a @ b.t()


def tiny_model():
    torch.manual_seed(1234)
    m = Tiny()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p))
        m.visual.bn1.running_mean.copy_(torch.randn(4))
        m.visual.bn1.running_var.copy_(torch.rand(4) + 0.5)
        m.visual.bn1.num_batches_tracked.fill_(7)
    return m.eval()


def expected(sd, path):
    out = {"keys": list(sd.keys()), "tensors": {}}
    for k, v in sd.items():
        out["tensors"][k] = {
            "shape": list(v.shape),
            "dtype": str(v.dtype).replace("torch.", ""),
            "values": [float(x) for x in v.detach().float().reshape(-1).tolist()],
        }
    with open(path, "w") as f:
        json.dump(out, f, indent=0)


def official_safetensors(sd, p):
    """With the official `safetensors` package importable (not installed here: unpack its wheel from
    /opt/pypi and put it on PYTHONPATH), writes official-f16.safetensors with the official writer
    (which orders tensors by alignment and name, not state_dict order) and checks that our own
    writer's files read back identically with the official reader. Without it, keeps the committed file."""
    try:
        from safetensors.torch import load_file, save_file
    except ImportError:
        print("safetensors not importable: official-f16.safetensors left as committed", file=sys.stderr)
        return
    save_file(cast_state_dict(sd, torch.float16), p("official-f16.safetensors"), metadata={"format": "pt"})
    for name, dt in [("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)]:
        ours = load_file(p(f"tiny-{name}.safetensors"))
        want = cast_state_dict(sd, dt)
        assert list(ours) == list(want) and all(torch.equal(ours[k], want[k]) for k in want), name


def zip_stored(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)  # reproducible


def main():
    os.makedirs(OUT, exist_ok=True)
    p = lambda name: os.path.join(OUT, name)  # noqa: E731
    model = tiny_model()
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}

    for dt, name in [(torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16")]:
        expected(cast_state_dict(sd, dt), p(f"expected-{name}.json"))
        save_state_dict(sd, p(f"tiny-{name}.pt"), dtype=dt)
        save_safetensors(sd, p(f"tiny-{name}.safetensors"), dtype=dt, metadata={"format": "pt"})
    save_state_dict(sd, p("tiny-wrapped.pt"), wrap=True, prefix="module.")
    official_safetensors(sd, p)

    image = torch.randn(2, 3, 8, 8)
    ids = torch.randint(0, 11, (2, 5))
    inputs = {"forward": (image, ids), "encode_image": (image,), "encode_text": (ids,)}
    save_torchscript(tiny_model(), inputs, p("tiny-torchscript-f16.pt"), half=True, scalars=SCALARS)
    ts = torch.jit.load(p("tiny-torchscript-f16.pt"))
    ts_sd = {k: v for k, v in ts.state_dict().items()}
    with open(p("expected-torchscript.json"), "w") as f:
        json.dump({"keys": [k for k in ts_sd if k not in SCALARS], "scalars": SCALARS}, f, indent=0)
    assert all(ts_sd[k].dtype == torch.float16 for k in ts_sd if ts_sd[k].is_floating_point())

    # Views: a transposed weight, an offset slice and a strided column sharing one storage.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    views = {"transposed": base.t(), "slice": base[1:3], "column": base[:, 2], "base": base,
             "expanded": torch.tensor([1.5, -2.0]).reshape(2, 1).expand(2, 3)}
    torch.save(views, p("views.pt"))
    expected({k: v.contiguous() for k, v in views.items()}, p("expected-views.json"))

    # Every fp16 bit pattern (subnormals, infinities, NaNs), and numpy's float32 conversion of each.
    import numpy as np
    bits = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    save_safetensors({"all": torch.from_numpy(bits.view(np.float16).copy())}, p("f16-all-values.safetensors"))
    np.save(p("f16-all-values.npy"), bits.view(np.float16).astype(np.float32))

    # Legacy (pre-1.6) serialization: not a zip.
    torch.save(sd, p("legacy.pt"), _use_new_zipfile_serialization=False)

    # Hostile: pickles that would call os.system when unpickled by Python. Hand-written bytes;
    # never loaded here. Protocol 2 GLOBAL, and protocol 4 STACK_GLOBAL.
    evil2 = b"\x80\x02cos\nsystem\nq\x00X\x0b\x00\x00\x00echo pwned!q\x01\x85q\x02Rq\x03."
    evil4 = (b"\x80\x04\x95\x20\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94"
             b"\x8c\x0becho pwned!\x94\x85\x94R\x94.")
    zip_stored(p("evil-os-system.pt"), [("evil/data.pkl", evil2), ("evil/version", b"3\n")])
    zip_stored(p("evil-stack-global.pt"), [("evil/data.pkl", evil4), ("evil/version", b"3\n")])
    # A whole pickled module (not a state dict): refers to the user's class.
    torch.save(Tiny(), p("whole-module.pt"))

    # Broken files.
    data = open(p("tiny-f32.pt"), "rb").read()
    open(p("truncated.pt"), "wb").write(data[: len(data) // 2])
    with zipfile.ZipFile(p("tiny-f32.pt")) as z:
        names = z.namelist()
        victim = [n for n in names if "/data/" in n][0]
        zip_stored(p("missing-storage.pt"), [(n, z.read(n)) for n in names if n != victim])
    st = open(p("tiny-f32.safetensors"), "rb").read()
    n = struct.unpack("<Q", st[:8])[0]
    header = json.loads(st[8:8 + n])
    header["visual.proj"]["shape"] = [4, 30]  # lies: data_offsets hold 4x3 floats
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    open(p("lying-header.safetensors"), "wb").write(struct.pack("<Q", len(hb)) + hb + st[8 + n:])
    open(p("truncated.safetensors"), "wb").write(st[: len(st) - 40])
    header = json.loads(st[8:8 + n])
    header["logit_scale"]["dtype"] = "F8_E4M3"
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    open(p("unknown-dtype.safetensors"), "wb").write(struct.pack("<Q", len(hb)) + hb + st[8 + n:])
    with open(p("not-a-checkpoint.txt"), "w") as f:
        f.write("This is a text file, not model weights.\n")


if __name__ == "__main__":
    main()
