"""Reference tagging pipeline for bench/tag.sh: PIL + torchvision transforms + Debian torch, a
DataLoader with 2 workers, the reference CLIP model (models/tools/clip_ref) on the same
checkpoint, labels, prompt and batch size as `clip tag`; writes JSON Lines per batch like it.

    /usr/bin/python3 bench/tag_ref.py gen DIR                         # DIR/ViT-B-32-random.pt
    PYTHONPATH=/work/pydeps /usr/bin/python3 bench/tag_ref.py run CKPT LIST LABELS BATCH THREADS OUT
"""
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "models", "tools", "clip_ref"))
sys.path.insert(0, os.path.join(here, "..", "models", "tools", "tokens"))

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def gen(out):
    from check_layout import CONFIGS
    from make_model_fixtures import randomize, save_torchscript
    from model import CLIP
    path = os.path.join(out, "ViT-B-32-random.pt")
    if os.path.exists(path):
        print("exists:", path)
        return
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    cfg = CONFIGS["ViT-B-32"]
    model = CLIP(**cfg).eval()
    randomize(model, torch.Generator().manual_seed(0))
    res, ctx = cfg["image_resolution"], cfg["context_length"]
    images = torch.randn(2, 3, res, res)
    tokens = torch.zeros(2, ctx, dtype=torch.int64)
    tokens[:, 0], tokens[:, 1], tokens[:, 2] = 49406, 320, 49407
    save_torchscript(path, model, images, tokens)
    print("wrote", path, os.path.getsize(path) // 2**20, "MB")


class Files(Dataset):
    def __init__(self, paths, size):
        self.paths = paths
        self.tf = transforms.Compose([
            transforms.Resize(size, interpolation=transforms.InterpolationMode.BICUBIC),
            transforms.CenterCrop(size),
            lambda im: im.convert("RGB"),
            transforms.ToTensor(),
            transforms.Normalize(MEAN, STD),
        ])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        p = self.paths[i]
        try:
            with Image.open(p) as im:
                return p, self.tf(im), ""
        except Exception as e:  # a batch job records bad files and goes on
            return p, None, f"{type(e).__name__}: {e}"


def collate(items):
    ok = [(p, t) for p, t, e in items if t is not None]
    bad = [(p, e) for p, t, e in items if t is None]
    return [p for p, _ in ok], (torch.stack([t for _, t in ok]) if ok else None), bad


def run(ckpt, listfile, labels, batch, threads, out):
    from model import build_model
    from reference_tokenizer import SimpleTokenizer
    t0 = time.perf_counter()
    torch.set_num_threads(threads)
    sd = torch.jit.load(ckpt, map_location="cpu").state_dict()
    model = build_model({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}).eval()
    tok = SimpleTokenizer(os.path.join(here, "..", "..", "shared", "clip", "bpe_simple_vocab_16e6.txt.gz"))
    labels = labels.split(",")
    rows = torch.zeros(len(labels), 77, dtype=torch.int64)
    for i, l in enumerate(labels):
        ids = [49406] + tok.encode(f"a photo of a {l}.") + [49407]
        rows[i, :len(ids)] = torch.tensor(ids)
    with torch.no_grad():
        txt = model.encode_text(rows)
        txt = txt / txt.norm(dim=-1, keepdim=True)
    paths = [l.rstrip("\n") for l in open(listfile)]
    size = model.visual.input_resolution
    loader = DataLoader(Files(paths, size), batch_size=batch, num_workers=2, collate_fn=collate)
    t1 = time.perf_counter()
    n_ok = n_bad = 0
    scale = model.logit_scale.exp().item()
    with open(out, "w") as f, torch.no_grad():
        for ps, x, bad in loader:
            if x is not None:
                img = model.encode_image(x)
                img = img / img.norm(dim=-1, keepdim=True)
                cos = img @ txt.T
                prob = (scale * cos).softmax(dim=-1)
                top = prob.topk(min(5, len(labels)), dim=-1)
                for j, p in enumerate(ps):
                    f.write(json.dumps({"path": p, "status": "ok", "labels": [
                        {"label": labels[k], "probability": float(prob[j, k]), "cosine": float(cos[j, k])}
                        for k in top.indices[j].tolist()]}) + "\n")
                n_ok += len(ps)
            for p, e in bad:
                f.write(json.dumps({"path": p, "status": "error", "labels": [], "error": e}) + "\n")
                n_bad += 1
            f.flush()
    t2 = time.perf_counter()
    print(json.dumps({"ok": n_ok, "failed": n_bad, "setup_s": t1 - t0, "tag_s": t2 - t1, "total_s": t2 - t0,
                      "files_per_s": (n_ok + n_bad) / (t2 - t1)}))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        run(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
