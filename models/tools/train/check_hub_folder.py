"""Checks that a folder written by `clip train` is what open_clip expects of a hub folder: the
config's model_cfg builds a CLIP of the reference architecture (models/tools/clip_ref, whose
state-dict names are OpenAI's and open_clip's CLIP's), and open_clip_model.safetensors loads into
it with strict=True (every key present, none extra, shapes equal).

    /usr/bin/python3 models/tools/train/check_hub_folder.py DIR

(open_clip itself is not installed here; with it: open_clip.create_model_and_transforms(
'local-dir:DIR') in recent versions, or create_model(name, pretrained=DIR/open_clip_model.safetensors)
with the config registered.)
"""
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clip_ref"))
from model import CLIP  # noqa: E402

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=DTYPES[v["dtype"]]).reshape(v["shape"])
        out[k] = torch.from_numpy(arr.copy())
    return out


def main(d):
    cfg = json.load(open(os.path.join(d, "open_clip_config.json")))
    m, v, t = cfg["model_cfg"], cfg["model_cfg"]["vision_cfg"], cfg["model_cfg"]["text_cfg"]
    assert set(cfg["preprocess_cfg"]) >= {"mean", "std"}, "preprocess_cfg needs mean and std"
    model = CLIP(embed_dim=m["embed_dim"], image_resolution=v["image_size"], vision_layers=v["layers"],
                 vision_width=v["width"], vision_patch_size=v.get("patch_size"), context_length=t["context_length"],
                 vocab_size=t["vocab_size"], transformer_width=t["width"], transformer_heads=t["heads"],
                 transformer_layers=t["layers"], activation="quick-gelu" if m.get("quick_gelu") else "gelu")
    sd = read_safetensors(os.path.join(d, "open_clip_model.safetensors"))
    model.load_state_dict(sd, strict=True)
    model.eval()
    with torch.no_grad():
        e = model.encode_image(torch.zeros(1, 3, v["image_size"], v["image_size"]))
    print(f"ok: {len(sd)} tensors load strictly; image embedding of a zero image has norm {float(e.norm()):.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
