"""Writes the hub-layout fixtures: tiny random models as transformers CLIPModel folders and open_clip
hub folders, test images, and the reference embeddings, into models/fixtures/hub/.

    /usr/bin/python3 models/tools/hub/make_hub_fixtures.py [OUT_DIR]

Per folder: the files the hub has for that layout (config.json, preprocessor_config.json,
vocab.json + merges.txt or tokenizer.json, weights as model.safetensors, pytorch_model.bin, or
shards with model.safetensors.index.json; open_clip_config.json with open_clip_model.safetensors or
open_clip_pytorch_model.bin), and ``expected/``: per image the crop the model sees (uint8 RGB PNG)
and the normalized tensor (.npy), the token ids of the texts and the unnormalized image and text
embeddings, computed in fp32 from the weights as stored. ``fixtures.json`` lists it all.

transformers folders use a small vocabulary: CLIP's first merges (same ids as CLIP's for those),
enough to exercise the BPE on the test texts. open_clip folders use CLIP's full vocabulary (49408
ids), as the format has no tokenizer files; their text tower is 4 wide to keep the file small.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "clip_ref"))
import hub_ref as R  # noqa: E402
from model import CLIP  # noqa: E402
from make_model_fixtures import randomize  # noqa: E402

ROOT = os.path.join(HERE, "..", "..", "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models", "fixtures", "hub")
MERGES_GZ = os.path.join(ROOT, "clip-core", "src", "main", "resources", "io", "clipkit", "text",
                         "bpe_simple_vocab_16e6.txt.gz")
IMAGE_SRC = os.path.join(ROOT, "models", "fixtures", "images", "src")
N_MERGES = 600
TEXTS = ["a photo of a cat.", "A Diagram", "two dogs playing in the snow", "a red car, 1999", "x"]


def hf_config(vocab_size, eos, act, text_w, text_heads, text_layers, ctx, vis_w, vis_heads, vis_layers, patch,
              size, proj):
    return {
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": proj,
        "logit_scale_init_value": 2.6592, "initializer_factor": 1.0, "torch_dtype": "float32",
        "text_config": {"model_type": "clip_text_model", "vocab_size": vocab_size, "hidden_size": text_w,
                        "intermediate_size": 4 * text_w, "num_hidden_layers": text_layers,
                        "num_attention_heads": text_heads, "max_position_embeddings": ctx, "hidden_act": act,
                        "layer_norm_eps": 1e-5, "bos_token_id": vocab_size - 2, "eos_token_id": eos,
                        "pad_token_id": 1, "projection_dim": proj},
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": vis_w, "intermediate_size": 4 * vis_w,
                          "num_hidden_layers": vis_layers, "num_attention_heads": vis_heads, "image_size": size,
                          "patch_size": patch, "hidden_act": act, "layer_norm_eps": 1e-5, "num_channels": 3,
                          "projection_dim": proj},
    }


def preprocessor_config(size, resample, mean, std):
    return {"crop_size": {"height": size, "width": size}, "do_center_crop": True, "do_convert_rgb": True,
            "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": mean, "image_std": std,
            "image_processor_type": "CLIPImageProcessor", "resample": resample,
            "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": size}}


HF = [
    dict(name="hf-safetensors-quickgelu", seed=11, weights="safetensors", dtype=torch.float32, tokenizer="vocab",
         legacy=False, resample=3, mean=list(R.OPENAI_MEAN), std=list(R.OPENAI_STD),
         cfg=dict(eos="end", act="quick_gelu", text_w=32, text_heads=2, text_layers=2, ctx=24, vis_w=32,
                  vis_heads=2, vis_layers=2, patch=8, size=40, proj=24)),
    dict(name="hf-bin-gelu-bilinear", seed=12, weights="bin", dtype=torch.float16, tokenizer="vocab", legacy=True,
         resample=2, mean=[0.5, 0.45, 0.4], std=[0.22, 0.25, 0.3],
         cfg=dict(eos=2, act="gelu", text_w=64, text_heads=1, text_layers=1, ctx=16, vis_w=32, vis_heads=1,
                  vis_layers=1, patch=16, size=48, proj=16)),
    dict(name="hf-sharded-tokenizer-json", seed=13, weights="sharded", dtype=torch.float32, tokenizer="json",
         legacy=True, resample=3, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225],
         cfg=dict(eos="end", act="gelu", text_w=32, text_heads=1, text_layers=1, ctx=20, vis_w=48, vis_heads=3,
                  vis_layers=1, patch=8, size=32, proj=20)),
]

OPEN_CLIP = [
    dict(name="openclip-safetensors-squash", seed=21, weights="open_clip_model.safetensors", dtype=torch.float16,
         quick_gelu=False, pre=dict(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5], interpolation="bicubic",
                                    resize_mode="squash"),
         cfg=dict(embed_dim=16, image_resolution=48, vision_layers=1, vision_width=64, vision_patch_size=16,
                  context_length=16, vocab_size=49408, transformer_width=4, transformer_heads=1,
                  transformer_layers=1)),
    dict(name="openclip-bin-bilinear", seed=22, weights="open_clip_pytorch_model.bin", dtype=torch.float16,
         quick_gelu=True, pre=dict(mean=[0.45, 0.46, 0.47], std=[0.27, 0.26, 0.28], interpolation="bilinear"),
         cfg=dict(embed_dim=12, image_resolution=40, vision_layers=1, vision_width=64, vision_patch_size=8,
                  context_length=12, vocab_size=49408, transformer_width=4, transformer_heads=1,
                  transformer_layers=1)),
]


def odd_offset_size(n, landscape, seed):
    """An image size whose center-crop offset after a shortest-edge resize to n is x.5 with x odd,
    so round-half-even and floor differ by one pixel."""
    rng = np.random.default_rng(seed)
    while True:
        short = int(rng.integers(n + 3, 3 * n))
        long = int(rng.integers(short + 1, 2 * short))
        d = int(n * long / short) - n
        if d % 4 == 3:
            return (long, short) if landscape else (short, long)


def photo(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        f = rng.uniform(2, 9, size=2)
        img[..., c] = 120 + 80 * np.sin(f[0] * x / w * 3.1 + c) * np.cos(f[1] * y / h * 3.1) + rng.normal(0, 6, (h, w))
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.3) * max(w, h)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] += rng.uniform(-90, 90, size=3)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_images(d, n, seed):
    """Test images for input size n: RGB photos whose crop offsets differ between floor and round
    (landscape and portrait), a palette PNG, an RGBA PNG, a grayscale PNG, and the shared palette GIF."""
    os.makedirs(d, exist_ok=True)
    names = []
    for i, landscape in enumerate((True, False)):
        w, h = odd_offset_size(n, landscape, seed + i)
        name = f"odd_{w}x{h}.png"
        Image.fromarray(photo(w, h, seed + i)).save(os.path.join(d, name))
        names.append(name)
    w, h = odd_offset_size(n, True, seed + 7)
    pal = Image.fromarray(photo(w, h, seed + 2)).quantize(colors=23, method=Image.MEDIANCUT)
    pal.save(os.path.join(d, "palette.png"))
    names.append("palette.png")
    rgba = np.concatenate([photo(n + 9, n + 2, seed + 3), np.linspace(0, 255, (n + 9) * (n + 2)).astype(np.uint8)
                           .reshape(n + 2, n + 9, 1)], axis=2)
    Image.fromarray(rgba, "RGBA").save(os.path.join(d, "rgba.png"))
    names.append("rgba.png")
    Image.fromarray(photo(n + 5, 2 * n + 1, seed + 4)[..., 1]).save(os.path.join(d, "gray.png"))
    names.append("gray.png")
    return names


def write_expected(folder, images, crops_tensors, ids, img_emb, txt_emb):
    exp = os.path.join(folder, "expected")
    os.makedirs(exp, exist_ok=True)
    for name, (crop, tensor) in zip(images, crops_tensors):
        Image.fromarray(crop).save(os.path.join(exp, name + ".crop.png"))
        np.save(os.path.join(exp, name + ".npy"), tensor.astype(np.float32))
    np.save(os.path.join(exp, "image_embeds.npy"), img_emb.astype(np.float32))
    np.save(os.path.join(exp, "text_embeds.npy"), txt_emb.astype(np.float32))
    return {"images": images, "texts": TEXTS, "tokens": ids}


def tokenizer_json(vocab, merges):
    """The parts of a fast-tokenizer tokenizer.json that a reader needs (model.vocab, model.merges)."""
    return {"version": "1.0", "added_tokens": [
        {"id": vocab["<|startoftext|>"], "content": "<|startoftext|>", "special": True},
        {"id": vocab["<|endoftext|>"], "content": "<|endoftext|>", "special": True}],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>", "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "vocab": vocab,
                  "merges": [f"{a} {b}" for a, b in merges]}}


def make_hf(spec, vocab, merges, bpe):
    folder = os.path.join(OUT, spec["name"])
    os.makedirs(folder, exist_ok=True)
    c = dict(spec["cfg"])
    eos = vocab["<|endoftext|>"] if c.pop("eos") == "end" else 2
    cfg = hf_config(len(vocab), eos, **c)
    gen = torch.Generator().manual_seed(spec["seed"])
    sd = R.hf_random_state_dict(cfg, gen, legacy_position_ids=spec["legacy"])
    sd = {k: v.to(spec["dtype"]) if v.is_floating_point() else v for k, v in sd.items()}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    pp = preprocessor_config(c["size"], spec["resample"], spec["mean"], spec["std"])
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(pp, f, indent=2)
    if spec["tokenizer"] == "vocab":
        with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    else:
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False)
    if spec["weights"] == "safetensors":
        R.save_safetensors(os.path.join(folder, "model.safetensors"), sd)
    elif spec["weights"] == "bin":
        torch.save(sd, os.path.join(folder, "pytorch_model.bin"))
    else:
        keys = list(sd)
        half = len(keys) // 2
        index = {"metadata": {"total_size": sum(v.numel() * v.element_size() for v in sd.values())}, "weight_map": {}}
        for i, part in enumerate((keys[:half], keys[half:])):
            fn = f"model-{i + 1:05d}-of-00002.safetensors"
            R.save_safetensors(os.path.join(folder, fn), {k: sd[k] for k in part})
            index["weight_map"].update({k: fn for k in part})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2)
    images = make_images(os.path.join(folder, "images"), c["size"], spec["seed"] * 10)
    f32 = {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}
    cts = [R.hf_preprocess(os.path.join(folder, "images", n), pp) for n in images]
    ids = [bpe.encode(t) for t in TEXTS]
    rows = torch.zeros(len(ids), cfg["text_config"]["max_position_embeddings"], dtype=torch.int64)
    for i, r in enumerate(ids):
        rows[i, :len(r)] = torch.tensor(r)
    with torch.no_grad():
        img = R.hf_image_features(f32, cfg, torch.from_numpy(np.stack([t for _, t in cts])))
        txt = R.hf_text_features(f32, cfg, rows)
    entry = write_expected(folder, images, cts, ids, img.numpy(), txt.numpy())
    entry.update(name=spec["name"], layout="transformers", activation=cfg["text_config"]["hidden_act"],
                 size=c["size"], logit_scale=float(f32["logit_scale"].exp()))
    return entry


def make_open_clip(spec):
    folder = os.path.join(OUT, spec["name"])
    os.makedirs(folder, exist_ok=True)
    c = spec["cfg"]
    act = "quick-gelu" if spec["quick_gelu"] else "gelu"
    torch.manual_seed(spec["seed"])
    model = CLIP(**c, activation=act).eval()
    randomize(model, torch.Generator().manual_seed(spec["seed"]))
    sd = {k: v.to(spec["dtype"]) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    oc = {"model_cfg": {"embed_dim": c["embed_dim"], "quick_gelu": spec["quick_gelu"],
                        "vision_cfg": {"image_size": c["image_resolution"], "layers": c["vision_layers"],
                                       "width": c["vision_width"], "patch_size": c["vision_patch_size"]},
                        "text_cfg": {"context_length": c["context_length"], "vocab_size": c["vocab_size"],
                                     "width": c["transformer_width"], "heads": c["transformer_heads"],
                                     "layers": c["transformer_layers"]}},
          "preprocess_cfg": spec["pre"]}
    with open(os.path.join(folder, "open_clip_config.json"), "w") as f:
        json.dump(oc, f, indent=2)
    path = os.path.join(folder, spec["weights"])
    if path.endswith(".safetensors"):
        R.save_safetensors(path, sd)
    else:
        torch.save(sd, path)
    images = make_images(os.path.join(folder, "images"), c["image_resolution"], spec["seed"] * 10)
    cts = [R.open_clip_preprocess(os.path.join(folder, "images", n), c["image_resolution"], spec["pre"])
           for n in images]
    vocab, merges = R.small_vocabulary(MERGES_GZ, 48894)
    ids = [R.Bpe(vocab, merges).encode(t) for t in TEXTS]
    rows = torch.zeros(len(ids), c["context_length"], dtype=torch.int64)
    for i, r in enumerate(ids):
        rows[i, :len(r)] = torch.tensor(r)
    ref = CLIP(**c, activation=act).eval()
    ref.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    with torch.no_grad():
        img = ref.encode_image(torch.from_numpy(np.stack([t for _, t in cts])))
        txt = ref.encode_text(rows)
    entry = write_expected(folder, images, cts, ids, img.numpy(), txt.numpy())
    entry.update(name=spec["name"], layout="open_clip", activation=act, size=c["image_resolution"],
                 logit_scale=float(ref.logit_scale.exp()))
    return entry


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab, merges = R.small_vocabulary(MERGES_GZ, N_MERGES)
    bpe = R.Bpe(vocab, merges)
    entries = [make_hf(s, vocab, merges, bpe) for s in HF] + [make_open_clip(s) for s in OPEN_CLIP]
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump({"_comment": "written by models/tools/hub/make_hub_fixtures.py", "models": entries}, f, indent=1)
    print(f"{len(entries)} folders -> {OUT}")


if __name__ == "__main__":
    main()
