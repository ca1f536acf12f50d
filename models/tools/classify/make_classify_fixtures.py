"""Expected zero-shot classification results for `clip classify --json` golden tests.

    PYTHONPATH=/work/pydeps /usr/bin/python3 models/tools/classify/make_classify_fixtures.py

For fixture checkpoints of models/fixtures/models (written by clip_ref/make_model_fixtures.py),
fixture images (models/fixtures/images/src) and label/template sets, computes with the reference
pipeline (PIL + torchvision transforms, OpenAI's tokenizer, the reference CLIP in fp32):

    label embedding = normalize(mean over templates of normalize(encode_text(template % label)))
    cosine          = normalize(encode_image(image)) . label embedding
    probability     = softmax over labels of exp(logit_scale) * cosine

Prompts longer than the context are truncated as clip.tokenize(truncate=True) does.
Real prompts need the full 49408-row token table, too big to commit as random values, so (as in
clip_ref/make_e2e_fixtures.py) the token embedding is replaced by a table both sides compute
exactly: table[i, j] = (((i * 7919 + j * 104729) % 41) - 20) / 1024. The Java test writes the
same checkpoint (fixture weights + that table) before running the command.

Writes models/fixtures/classify/expected.json.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(TOOLS, "clip_ref"))
sys.path.insert(0, os.path.join(TOOLS, "images"))
sys.path.insert(0, os.path.join(TOOLS, "tokens"))
from model import build_model  # noqa: E402
import make_image_fixtures as images_ref  # noqa: E402
import reference_tokenizer as tokens_ref  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(TOOLS, "..", "fixtures"))
ENSEMBLE = os.path.normpath(os.path.join(TOOLS, "..", "..", "clip-core", "src", "main", "resources",
                                         "io", "clipkit", "prompt-ensemble.txt"))
VOCAB = 49408
IMAGES = ["jpeg_420_4x3.jpg", "jpeg_exif_6.jpg", "png_rgba.png", "webp_alpha_lossy.webp", "gif_palette.gif"]
LABELS = ["cat", "dog", "a red car", "tabby, striped", "golden retriever", "Eiffel Tower at night"]
LONG = "a dog " + "with very " * 40 + "long fur"

CASES = [
    {"name": "vit-default", "model": "vit-p32-r64/model.pt", "activation": "quick-gelu",
     "templates": ["a photo of a {}."], "labels": LABELS, "exif": True},
    {"name": "vit-ensemble-gelu", "model": "vit-p32-r64/model.pt", "activation": "gelu",
     "templates": "ensemble", "labels": LABELS, "exif": True},
    {"name": "rn-custom-truncated", "model": "rn-w8-1211-r96/model.pt", "activation": "quick-gelu",
     "templates": ["a photo of a {}.", "a drawing of the {}"], "labels": ["cat", LONG, "a red car"], "exif": False},
]


def formula_table(vocab, width):
    i = np.arange(vocab, dtype=np.int64)[:, None]
    j = np.arange(width, dtype=np.int64)[None, :]
    return torch.from_numpy((((i * 7919 + j * 104729) % 41) - 20).astype(np.float32) / 1024)


def ensemble():
    with open(ENSEMBLE, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]


def tokenize(tok, text, ctx):
    ids = tok.encode_with_specials(text)
    if len(ids) > ctx:
        ids = ids[:ctx]
        ids[-1] = tok.encoder["<|endoftext|>"]
    row = torch.zeros(ctx, dtype=torch.int64)
    row[:len(ids)] = torch.tensor(ids)
    return row


def main():
    tok = tokens_ref.SimpleTokenizer(tokens_ref.default_vocab())
    out = {"token_embedding": "(((i * 7919 + j * 104729) % 41) - 20) / 1024", "vocab_rows": VOCAB, "cases": []}
    for case in CASES:
        jit = torch.jit.load(os.path.join(FIXTURES, "models", case["model"]), map_location="cpu")
        sd = {k: (v.float() if v.is_floating_point() else v) for k, v in jit.state_dict().items()}
        sd["token_embedding.weight"] = formula_table(VOCAB, sd["token_embedding.weight"].shape[1])
        model = build_model(sd, activation=case["activation"]).eval()
        res = model.visual.input_resolution
        ctx = model.context_length
        templates = ensemble() if case["templates"] == "ensemble" else case["templates"]
        with torch.no_grad():
            pix = torch.stack([images_ref.reference(os.path.join(FIXTURES, "images", "src", f), res, case["exif"])[2]
                               for f in IMAGES])
            img = model.encode_image(pix).float()
            img = img / img.norm(dim=-1, keepdim=True)
            labs = []
            for label in case["labels"]:
                rows = torch.stack([tokenize(tok, t.replace("{}", label), ctx) for t in templates])
                e = model.encode_text(rows).float()
                e = e / e.norm(dim=-1, keepdim=True)
                m = e.mean(dim=0)
                labs.append(m / m.norm())
            lab = torch.stack(labs)
            scale = model.logit_scale.exp().float()
            cos = img @ lab.t()
            prob = (scale * cos).softmax(dim=-1)
        out["cases"].append({
            "name": case["name"], "model": case["model"], "activation": case["activation"],
            "templates": case["templates"], "labels": case["labels"], "exif": case["exif"],
            "images": IMAGES, "logit_scale": float(scale),
            "probabilities": prob.numpy().astype(np.float32).tolist(),
            "cosines": cos.numpy().astype(np.float32).tolist(),
        })
        print(case["name"], "max prob", float(prob.max()), "min prob", float(prob.min()))
    os.makedirs(os.path.join(FIXTURES, "classify"), exist_ok=True)
    path = os.path.join(FIXTURES, "classify", "expected.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
