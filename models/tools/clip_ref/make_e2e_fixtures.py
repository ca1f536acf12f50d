"""End-to-end encoder fixtures: expected embeddings from image FILES (through the reference
image pipeline, models/tools/images) and from prompt TEXTS (through the reference tokenizer,
models/tools/tokens), for fixture checkpoints written by make_model_fixtures.py.

    PYTHONPATH=/work/pydeps /usr/bin/python3 models/tools/clip_ref/make_e2e_fixtures.py

Real token ids need the full 49408-row vocabulary, too big to commit as random values, so the
text case replaces the token embedding of vit-p32-r64 by a table both sides compute exactly:
``table[i, j] = (((i * 7919 + j * 104729) % 41) - 20) / 1024`` (exact in fp16 and fp32).
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "images"))
sys.path.insert(0, os.path.join(HERE, "..", "tokens"))
from model import build_model  # noqa: E402
import make_image_fixtures as images_ref  # noqa: E402
import reference_tokenizer as tokens_ref  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures"))
IMAGES = ["jpeg_420_4x3.jpg", "jpeg_exif_6.jpg", "png_rgba.png", "png_gray16.png", "webp_alpha_lossy.webp", "gif_palette.gif"]
MODELS = ["vit-p32-r64/model.pt", "rn-w8-1211-r96/model.pt"]
PROMPTS = ["a photo of a cat.", "a photo of a dog.", "A blurry photo of the Eiffel Tower at night!",
           "ünïcödé & émojis 🐈 — “quotes”", "a photo of a " + "very " * 80 + "long caption"]
TEXT_MODEL = "vit-p32-r64/model.pt"
VOCAB = 49408


def formula_table(vocab, width):
    i = np.arange(vocab, dtype=np.int64)[:, None]
    j = np.arange(width, dtype=np.int64)[None, :]
    return torch.from_numpy((((i * 7919 + j * 104729) % 41) - 20).astype(np.float32) / 1024)


def load(rel):
    m = torch.jit.load(os.path.join(FIXTURES, "models", rel), map_location="cpu")
    return {k: (v.float() if v.is_floating_point() else v) for k, v in m.state_dict().items()}


def main():
    out = os.path.join(FIXTURES, "models", "e2e")
    os.makedirs(out, exist_ok=True)
    manifest = {"images": IMAGES, "image_models": MODELS, "text_model": TEXT_MODEL, "prompts": PROMPTS,
                "token_embedding": "(((i * 7919 + j * 104729) % 41) - 20) / 1024"}
    for rel in MODELS:
        sd = load(rel)
        model = build_model(sd)
        res = model.visual.input_resolution
        batch = torch.stack([images_ref.reference(os.path.join(FIXTURES, "images", "src", f), res, True)[2] for f in IMAGES])
        with torch.no_grad():
            emb = model.encode_image(batch)
        np.save(os.path.join(out, rel.split("/")[0] + ".images.npy"), emb.numpy().astype(np.float32))
    sd = load(TEXT_MODEL)
    width = sd["token_embedding.weight"].shape[1]
    sd["token_embedding.weight"] = formula_table(VOCAB, width)
    model = build_model(sd)
    ctx = model.context_length
    tok = tokens_ref.SimpleTokenizer(tokens_ref.default_vocab())
    rows = torch.zeros(len(PROMPTS), ctx, dtype=torch.int64)
    for r, p in enumerate(PROMPTS):
        ids = tok.encode_with_specials(p)
        if len(ids) > ctx:  # clip.tokenize(truncate=True): keep ctx ids, last one the end token
            ids = ids[:ctx]
            ids[-1] = tok.encoder["<|endoftext|>"]
        rows[r, :len(ids)] = torch.tensor(ids)
    with torch.no_grad():
        emb = model.encode_text(rows)
    np.save(os.path.join(out, "text.tokens.npy"), rows.numpy().astype(np.int32))
    np.save(os.path.join(out, "text.npy"), emb.numpy().astype(np.float32))
    with open(os.path.join(out, "e2e.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
