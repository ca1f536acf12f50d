"""Plain-torch references of the two hub layouts clipkit loads, written from a reading of the sources
(transformers ``models/clip/modeling_clip.py``, ``image_processing_clip.py``, ``image_transforms.py``;
open_clip ``transform.py``, ``factory.py``); neither library is installed here.

Runs on Debian's ``/usr/bin/python3`` (torch 1.13, torchvision 0.14, Pillow 9.4, numpy).
"""
import json
import re
import struct

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms as T

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)


# ---------------------------------------------------------------- transformers CLIPModel forward

def _act(name):
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return F.gelu  # transformers' GELUActivation: the exact (erf) form
    raise ValueError(name)


def _layer(sd, p, x, heads, act, eps, mask):
    """CLIPEncoderLayer: pre-norm attention (q scaled by head_dim^-0.5 before q.k) then pre-norm MLP."""
    b, n, w = x.shape
    d = w // heads
    h = F.layer_norm(x, (w,), sd[p + "layer_norm1.weight"], sd[p + "layer_norm1.bias"], eps)

    def proj(name):
        return F.linear(h, sd[p + f"self_attn.{name}.weight"], sd[p + f"self_attn.{name}.bias"])

    q = (proj("q_proj") * d ** -0.5).view(b, n, heads, d).transpose(1, 2)
    k = proj("k_proj").view(b, n, heads, d).transpose(1, 2)
    v = proj("v_proj").view(b, n, heads, d).transpose(1, 2)
    a = q @ k.transpose(-1, -2)
    if mask is not None:
        a = a + mask
    o = (a.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, w)
    x = x + F.linear(o, sd[p + "self_attn.out_proj.weight"], sd[p + "self_attn.out_proj.bias"])
    h = F.layer_norm(x, (w,), sd[p + "layer_norm2.weight"], sd[p + "layer_norm2.bias"], eps)
    h = F.linear(act(F.linear(h, sd[p + "mlp.fc1.weight"], sd[p + "mlp.fc1.bias"])),
                 sd[p + "mlp.fc2.weight"], sd[p + "mlp.fc2.bias"])
    return x + h


def hf_text_features(sd, cfg, ids):
    """CLIPModel.get_text_features(input_ids) without an attention mask (the causal mask alone)."""
    tc = cfg["text_config"]
    eps = tc.get("layer_norm_eps", 1e-5)
    act = _act(tc.get("hidden_act", "quick_gelu"))
    n = ids.shape[1]
    x = sd["text_model.embeddings.token_embedding.weight"][ids] \
        + sd["text_model.embeddings.position_embedding.weight"][:n]
    mask = torch.full((n, n), float("-inf")).triu_(1)
    for i in range(tc["num_hidden_layers"]):
        x = _layer(sd, f"text_model.encoder.layers.{i}.", x, tc["num_attention_heads"], act, eps, mask)
    w = x.shape[-1]
    x = F.layer_norm(x, (w,), sd["text_model.final_layer_norm.weight"], sd["text_model.final_layer_norm.bias"], eps)
    eos = tc.get("eos_token_id", 2)
    if eos == 2:  # legacy configs: the end token is the largest id
        pos = ids.to(torch.int).argmax(dim=-1)
    else:
        pos = (ids.to(torch.int) == eos).int().argmax(dim=-1)
    pooled = x[torch.arange(x.shape[0]), pos]
    return F.linear(pooled, sd["text_projection.weight"])


def hf_image_features(sd, cfg, pixels):
    """CLIPModel.get_image_features(pixel_values)."""
    vc = cfg["vision_config"]
    eps = vc.get("layer_norm_eps", 1e-5)
    act = _act(vc.get("hidden_act", "quick_gelu"))
    p = vc["patch_size"]
    x = F.conv2d(pixels, sd["vision_model.embeddings.patch_embedding.weight"], stride=p)
    x = x.flatten(2).transpose(1, 2)
    cls = sd["vision_model.embeddings.class_embedding"].expand(x.shape[0], 1, -1)
    x = torch.cat([cls, x], dim=1) + sd["vision_model.embeddings.position_embedding.weight"]
    w = x.shape[-1]
    x = F.layer_norm(x, (w,), sd["vision_model.pre_layrnorm.weight"], sd["vision_model.pre_layrnorm.bias"], eps)
    for i in range(vc["num_hidden_layers"]):
        x = _layer(sd, f"vision_model.encoder.layers.{i}.", x, vc["num_attention_heads"], act, eps, None)
    pooled = F.layer_norm(x[:, 0], (w,), sd["vision_model.post_layernorm.weight"],
                          sd["vision_model.post_layernorm.bias"], eps)
    return F.linear(pooled, sd["visual_projection.weight"])


def hf_random_state_dict(cfg, gen, legacy_position_ids=False):
    """A random CLIPModel state dict with transformers' key names and shapes."""
    tc, vc = cfg["text_config"], cfg["vision_config"]
    sd = {}

    def rnd(*shape, std=0.1):
        return torch.randn(shape, generator=gen) * std

    def ln(name, w):
        sd[name + ".weight"] = 1 + rnd(w, std=0.2)
        sd[name + ".bias"] = rnd(w, std=0.1)

    def tower(prefix, c):
        w, m = c["hidden_size"], c["intermediate_size"]
        for i in range(c["num_hidden_layers"]):
            p = f"{prefix}.encoder.layers.{i}."
            for name in ("k_proj", "v_proj", "q_proj", "out_proj"):
                sd[p + f"self_attn.{name}.weight"] = rnd(w, w, std=w ** -0.5)
                sd[p + f"self_attn.{name}.bias"] = rnd(w, std=0.05)
            ln(p + "layer_norm1", w)
            sd[p + "mlp.fc1.weight"] = rnd(m, w, std=w ** -0.5)
            sd[p + "mlp.fc1.bias"] = rnd(m, std=0.05)
            sd[p + "mlp.fc2.weight"] = rnd(w, m, std=m ** -0.5)
            sd[p + "mlp.fc2.bias"] = rnd(w, std=0.05)
            ln(p + "layer_norm2", w)

    tw, vw = tc["hidden_size"], vc["hidden_size"]
    sd["text_model.embeddings.token_embedding.weight"] = rnd(tc["vocab_size"], tw, std=0.5)
    sd["text_model.embeddings.position_embedding.weight"] = rnd(tc["max_position_embeddings"], tw, std=0.3)
    if legacy_position_ids:
        sd["text_model.embeddings.position_ids"] = torch.arange(tc["max_position_embeddings"]).unsqueeze(0)
    tower("text_model", tc)
    ln("text_model.final_layer_norm", tw)
    grid = vc["image_size"] // vc["patch_size"]
    sd["vision_model.embeddings.class_embedding"] = rnd(vw, std=0.5)
    sd["vision_model.embeddings.patch_embedding.weight"] = rnd(vw, 3, vc["patch_size"], vc["patch_size"], std=0.05)
    sd["vision_model.embeddings.position_embedding.weight"] = rnd(grid * grid + 1, vw, std=0.3)
    if legacy_position_ids:
        sd["vision_model.embeddings.position_ids"] = torch.arange(grid * grid + 1).unsqueeze(0)
    ln("vision_model.pre_layrnorm", vw)
    tower("vision_model", vc)
    ln("vision_model.post_layernorm", vw)
    sd["visual_projection.weight"] = rnd(cfg["projection_dim"], vw, std=vw ** -0.5)
    sd["text_projection.weight"] = rnd(cfg["projection_dim"], tw, std=tw ** -0.5)
    sd["logit_scale"] = torch.tensor(float(np.log(1 / 0.07)) + 0.2)
    return sd


# ---------------------------------------------------------------- preprocessing references

def hf_preprocess(path, pp):
    """CLIPImageProcessor.preprocess as transformers' PIL path does it: convert_to_rgb (a plain
    convert("RGB")), to numpy, resize (shortest edge, int() of the long side, PIL resample from the
    file), center_crop with (dim - crop) // 2 offsets, rescale (float64 * factor -> float32),
    normalize ((x - mean) / std in float32). Returns (uint8 HWC crop, float32 CHW tensor)."""
    im = Image.open(path)
    if pp.get("do_convert_rgb", True) and im.mode != "RGB":
        im = im.convert("RGB")
    arr = np.array(im)
    size = pp["size"]
    h, w = arr.shape[:2]
    if "shortest_edge" in size:
        s = size["shortest_edge"]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = s, int(s * long / short)
        oh, ow = (new_long, new_short) if w <= h else (new_short, new_long)
    else:
        oh, ow = size["height"], size["width"]
    arr = np.array(Image.fromarray(arr).resize((ow, oh), resample=pp.get("resample", 3)))
    cs = pp["crop_size"]
    ch, cw = cs["height"], cs["width"]
    top, left = (oh - ch) // 2, (ow - cw) // 2
    crop = arr[top:top + ch, left:left + cw]
    x = (crop.astype(np.float64) * pp.get("rescale_factor", 1 / 255)).astype(np.float32)
    mean = np.array(pp.get("image_mean", OPENAI_MEAN), dtype=np.float32)
    std = np.array(pp.get("image_std", OPENAI_STD), dtype=np.float32)
    x = (x - mean) / std
    return crop, np.ascontiguousarray(x.transpose(2, 0, 1))


def open_clip_preprocess(path, size, pcfg):
    """open_clip image_transform(is_train=False): Resize (shortest edge, or squash to (s, s)),
    CenterCrop (torchvision: round((dim - crop) / 2)), then convert("RGB"), ToTensor, Normalize."""
    interp = T.InterpolationMode.BILINEAR if pcfg.get("interpolation") == "bilinear" else T.InterpolationMode.BICUBIC
    mode = pcfg.get("resize_mode", "shortest")
    if mode == "squash":
        steps = [T.Resize((size, size), interpolation=interp)]
    elif mode == "shortest":
        steps = [T.Resize(size, interpolation=interp), T.CenterCrop(size)]
    else:
        raise ValueError(mode)
    im = Image.open(path)
    for s in steps:
        im = s(im)
    im = im.convert("RGB")
    crop = np.array(im)
    x = T.Normalize(pcfg.get("mean", OPENAI_MEAN), pcfg.get("std", OPENAI_STD))(T.ToTensor()(im))
    return crop, x.numpy()


# ---------------------------------------------------------------- tokenizer (ordinary text)

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def small_vocabulary(merges_gz, n_merges):
    """CLIP's vocabulary cut to its first ``n_merges`` merges: the same ids as CLIP's for the 512
    byte symbols and those merges, then <|startoftext|> and <|endoftext|> (the largest id)."""
    import gzip
    lines = gzip.open(merges_gz).read().decode("utf-8").split("\n")[1:1 + n_merges]
    merges = [tuple(l.split()) for l in lines]
    syms = list(bytes_to_unicode().values())
    vocab = syms + [s + "</w>" for s in syms] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    return {s: i for i, s in enumerate(vocab)}, merges


class Bpe:
    """CLIP's BPE over a vocab.json/merges.txt pair, for ordinary (ASCII, no HTML entities) text:
    whitespace collapsed, lower case, CLIP's split pattern restricted to ASCII."""

    PAT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+")

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.b2u = bytes_to_unicode()

    def bpe(self, token):
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = {(a, b) for a, b in zip(word, word[1:])}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = out
        return word

    def encode(self, text):
        text = " ".join(text.split()).lower()
        ids = [self.vocab["<|startoftext|>"]]
        for tok in self.PAT.findall(text):
            tok = "".join(self.b2u[b] for b in tok.encode("utf-8"))
            ids.extend(self.vocab[s] for s in self.bpe(tok))
        ids.append(self.vocab["<|endoftext|>"])
        return ids


# ---------------------------------------------------------------- file writers

def save_safetensors(path, sd, metadata=None):
    """The safetensors format: 8-byte little-endian header length, JSON header (dtype, shape,
    data_offsets per tensor, optional __metadata__), then the raw little-endian data."""
    names = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        v = v.contiguous()
        raw = v.view(torch.int16).numpy().tobytes() if v.dtype == torch.bfloat16 else v.numpy().tobytes()
        header[k] = {"dtype": names[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata or {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
