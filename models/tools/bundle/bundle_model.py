#!/usr/bin/python3
"""Packages an open_clip hub folder (what `clip train` writes) as a bundled model: the classpath
resource folder that clipkit's BundledModels extracts and ClipModel.builder().resource(...) loads.

    bundle_model.py RUN_DIR OUT_DIR --card MODEL_CARD.md [--templates FILE]

Writes into OUT_DIR (each file through a temporary file and a rename):
  open_clip_model.safetensors  the run's weights in fp16 (float tensors rounded to nearest even;
                               integer tensors such as BatchNorm's num_batches_tracked keep their type)
  open_clip_config.json        the run's config plus "clipkit": {"templates": [...]}, the model's
                               default prompt templates (open_clip ignores unknown top-level keys)
  MODEL_CARD.md                copied
  files.sha256                 "<sha256>  <name>" per file, sorted by name (sha256sum's format)

Deterministic: the same inputs give the same bytes (tensors in name order, fixed JSON layout, no
timestamps). Needs only numpy (no safetensors or torch package).
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import tempfile

import numpy as np

FLOATS = {"F32": np.float32, "F64": np.float64, "F16": np.float16}
MANIFEST = "files.sha256"
WEIGHTS = "open_clip_model.safetensors"
CONFIG = "open_clip_config.json"
CARD = "MODEL_CARD.md"


def fail(msg):
    print("bundle_model: " + msg, file=sys.stderr)
    sys.exit(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        fail(f"{path}: not a safetensors file (shorter than its header length)")
    n = struct.unpack("<Q", raw[:8])[0]
    if n > len(raw) - 8:
        fail(f"{path}: header length {n} exceeds the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    return header, memoryview(raw)[8 + n:]


def to_fp16(header, data, path):
    """(name, dtype, shape, bytes) per tensor, in name order, floats in fp16."""
    out = []
    for name in sorted(k for k in header if k != "__metadata__"):
        t = header[name]
        begin, end = t["data_offsets"]
        buf = data[begin:end]
        dtype = t["dtype"]
        if dtype in FLOATS:
            a = np.frombuffer(buf, dtype=np.dtype(FLOATS[dtype]).newbyteorder("<"))
            h = a.astype("<f2")
            if not np.all(np.isfinite(h[np.isfinite(a)])):
                fail(f"{path}: tensor {name} has values beyond fp16's range (|x| > 65504)")
            out.append((name, "F16", t["shape"], h.tobytes()))
        elif dtype == "BF16":
            fail(f"{path}: tensor {name} is bf16; convert from the fp32 run instead")
        else:
            out.append((name, dtype, t["shape"], bytes(buf)))  # integers keep type and bytes
    return out


def safetensors_bytes(tensors):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape, b in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    h += b" " * (-len(h) % 8)  # the data starts 8-byte aligned, as the safetensors writer pads it
    return struct.pack("<Q", len(h)) + h + b"".join(b for _, _, _, b in tensors)


def read_templates(path):
    if path is None:
        return ["{}"]
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s and not s.startswith("#"):
                out.append(s)
    check_templates(out, path)
    return out


def check_templates(templates, where):
    # the same rules as clipkit's PromptTemplates.check
    if not templates:
        fail(f"{where}: no prompt templates")
    for t in templates:
        if "{}" not in t:
            fail(f"{where}: prompt template '{t}' has no {{}} where the label goes")
    if len(set(templates)) != len(templates):
        fail(f"{where}: duplicate prompt templates in {templates}")


def write_atomically(out_dir, name, data):
    fd, tmp = tempfile.mkstemp(prefix="." + name, suffix=".part", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(out_dir, name))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dir", help="open_clip hub folder (clip train -o DIR)")
    ap.add_argument("out_dir", help="the bundled model's resource folder")
    ap.add_argument("--card", required=True, help="model card to ship (MODEL_CARD.md)")
    ap.add_argument("--templates", help="the model's prompt templates, one per line (# comments); default: {}")
    a = ap.parse_args()

    weights = os.path.join(a.run_dir, WEIGHTS)
    config = os.path.join(a.run_dir, CONFIG)
    for p in (weights, config, a.card):
        if not os.path.isfile(p):
            fail(f"{p} does not exist")
    templates = read_templates(a.templates)

    header, data = read_safetensors(weights)
    tensors = to_fp16(header, data, weights)
    with open(config, encoding="utf-8") as f:
        cfg = json.load(f)
    if not isinstance(cfg, dict) or "model_cfg" not in cfg:
        fail(f"{config}: no model_cfg; not an open_clip hub config")
    cfg["clipkit"] = {"templates": templates}
    with open(a.card, "rb") as f:
        card = f.read()

    files = {
        WEIGHTS: safetensors_bytes(tensors),
        CONFIG: (json.dumps(cfg, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        CARD: card,
    }
    os.makedirs(a.out_dir, exist_ok=True)
    for name in sorted(files):
        write_atomically(a.out_dir, name, files[name])
    manifest = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))
    write_atomically(a.out_dir, MANIFEST, manifest.encode("ascii"))  # last: names only files already written

    floats = sum(1 for _, d, _, _ in tensors if d == "F16")
    print(f"{a.out_dir}: {len(tensors)} tensors ({floats} in fp16, {len(tensors) - floats} integer kept), "
          f"{len(files[WEIGHTS]) / 1e6:.1f} MB weights, templates {templates}")
    print(manifest, end="")


if __name__ == "__main__":
    main()
