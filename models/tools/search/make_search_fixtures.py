"""Golden rankings for `clip index` + `clip search`, computed with the reference pipeline
(PIL + torchvision preprocessing, models/tools/clip_ref/model.py, the reference tokenizer) on the
end-to-end fixture model (vit-p32-r64 with the full-vocabulary formula token table, as in
make_e2e_fixtures.py).

    PYTHONPATH=<folder with ftfy> /usr/bin/python3 models/tools/search/make_search_fixtures.py

A folder goes through two states (the second adds, deletes and overwrites files); for each state
and each query the expected scores of every indexed image are written, best first. The query is
the sum of the L2-normalised text and image embeddings minus the normalised negative texts,
normalised again; a score is its cosine with an image's normalised embedding (numpy float32).
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(TOOLS, "clip_ref"))
sys.path.insert(0, os.path.join(TOOLS, "images"))
sys.path.insert(0, os.path.join(TOOLS, "tokens"))
from model import build_model  # noqa: E402
import make_image_fixtures as images_ref  # noqa: E402
import reference_tokenizer as tokens_ref  # noqa: E402
from make_e2e_fixtures import formula_table, load, VOCAB, TEXT_MODEL  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(TOOLS, "..", "fixtures"))
SRC = os.path.join(FIXTURES, "images", "src")

# name in the photo folder -> fixture file (relative to images/); None: deleted in this state.
STATES = [
    {"a.jpg": "src/jpeg_420_4x3.jpg", "b.png": "src/png_rgba.png", "c.webp": "src/webp_alpha_lossy.webp",
     "d.gif": "src/gif_palette.gif", "e.jpg": "src/jpeg_exif_6.jpg", "f.png": "src/png_gray16.png",
     "broken.jpg": "bad/text.jpg", "sub/g.png": "src/png_p.png"},
    {"a.jpg": "src/jpeg_420_4x3.jpg", "b.png": None, "c.webp": "src/webp_lossy.webp",
     "d.gif": "src/gif_palette.gif", "e.jpg": "src/jpeg_exif_6.jpg", "f.png": "src/png_gray16.png",
     "broken.jpg": "bad/text.jpg", "sub/g.png": "src/png_p.png", "h.bmp": "src/bmp_rgb24.bmp",
     "sub/i.jpg": "src/jpeg_progressive.jpg"},
]
NOT_IMAGES = {"broken.jpg"}
QUERIES = [
    {"texts": ["a photo of a cat."]},
    {"texts": ["cat"], "template": "a photo of a {}."},
    {"texts": ["a photo of a dog.", "A blurry photo of the Eiffel Tower at night!"], "negatives": ["a photo of a cat."]},
    {"images": ["a.jpg"]},
    {"images": ["external:src/jpeg_large.jpg"]},
    {"texts": ["a photo of a dog."], "images": ["e.jpg", "f.png"], "negatives": ["ünïcödé & émojis 🐈 — “quotes”"]},
]


def normalize(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def main():
    sd = load(TEXT_MODEL)
    width = sd["token_embedding.weight"].shape[1]
    sd["token_embedding.weight"] = formula_table(VOCAB, width)
    model = build_model(sd)
    res = model.visual.input_resolution
    ctx = model.context_length
    tok = tokens_ref.SimpleTokenizer(tokens_ref.default_vocab())

    def image_emb(rel):
        t = images_ref.reference(os.path.join(FIXTURES, "images", rel), res, True)[2]
        with torch.no_grad():
            return normalize(model.encode_image(t[None]).numpy().astype(np.float32))[0]

    def text_emb(text):
        ids = tok.encode_with_specials(text)
        if len(ids) > ctx:
            ids = ids[:ctx]
            ids[-1] = tok.encoder["<|endoftext|>"]
        row = torch.zeros(1, ctx, dtype=torch.int64)
        row[0, :len(ids)] = torch.tensor(ids)
        with torch.no_grad():
            return normalize(model.encode_text(row).numpy().astype(np.float32))[0]

    out = {"model": "vit-p32-r64 + formula token table (TestCheckpoints.writeFullVocabModel)", "states": []}
    for state in STATES:
        files = {n: r for n, r in state.items() if r is not None}
        indexed = sorted(n for n in files if n not in NOT_IMAGES)
        emb = {n: image_emb(files[n]) for n in indexed}
        matrix = np.stack([emb[n] for n in indexed]).astype(np.float32)
        queries = []
        for q in QUERIES:
            template = q.get("template", "{}")
            parts = [text_emb(template.replace("{}", t)) for t in q.get("texts", [])]
            for im in q.get("images", []):
                parts.append(image_emb(im[len("external:"):]) if im.startswith("external:") else emb[im])
            vec = np.sum(parts, axis=0, dtype=np.float64)
            for t in q.get("negatives", []):
                vec = vec - text_emb(template.replace("{}", t))
            vec = normalize(vec.astype(np.float32))
            scores = matrix @ vec
            order = sorted(range(len(indexed)), key=lambda i: (-scores[i], indexed[i]))
            queries.append(dict(q, expected=[[indexed[i], float(scores[i])] for i in order]))
        out["states"].append({"files": state, "queries": queries})
    path = os.path.join(FIXTURES, "search", "expected.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
