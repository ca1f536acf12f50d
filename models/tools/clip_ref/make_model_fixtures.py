"""Writes the encoder fixtures: tiny random CLIP checkpoints of both architectures in the three
checkpoint formats, with fixed inputs and the reference outputs, into models/fixtures/models/.

    /usr/bin/python3 models/tools/clip_ref/make_model_fixtures.py [OUT_DIR]

Per model folder: the checkpoints (``model.pt`` TorchScript archive traced with encode_image,
encode_text and forward then converted with .half(), as OpenAI's are; ``model.safetensors`` in
F16, BF16 or F32; ``model.bin`` a torch.save'd ``{"epoch", "state_dict"}`` with ``module.``
prefixes), ``images.npy`` (preprocessed batch, N x 3 x R x R), ``tokens.npy`` (id rows, padded,
end token = largest id) and, per checkpoint file and activation, the reference outputs
``expected/<file>.<activation>.{image,text,logits}.npy`` computed in fp32 from the weights as
stored (fp16/bf16 upcast). ``fixtures.json`` lists it all for the Java tests.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import CLIP, build_model, infer_config  # noqa: E402

# Every dimension varies: patch 16/32, 1-3 layers, 1-3 heads (width 64/128/192), resolutions
# that are not 224, ResNet widths and block counts, context lengths, vocabulary and embed sizes.
MODELS = [
    dict(name="vit-p32-r64", seed=1, formats=[("torchscript", "F16")],
         cfg=dict(embed_dim=32, image_resolution=64, vision_layers=1, vision_width=64, vision_patch_size=32,
                  context_length=77, vocab_size=400, transformer_width=64, transformer_heads=1, transformer_layers=1)),
    dict(name="vit-p16-r112-h2", seed=2, formats=[("safetensors", "BF16")],
         cfg=dict(embed_dim=48, image_resolution=112, vision_layers=1, vision_width=128, vision_patch_size=16,
                  context_length=32, vocab_size=600, transformer_width=64, transformer_heads=1, transformer_layers=2)),
    dict(name="vit-p16-r96-l3-text-h3", seed=3, formats=[("safetensors", "F16")],
         cfg=dict(embed_dim=40, image_resolution=96, vision_layers=3, vision_width=64, vision_patch_size=16,
                  context_length=16, vocab_size=300, transformer_width=192, transformer_heads=3, transformer_layers=1)),
    dict(name="vit-p16-r64-fp32", seed=6, formats=[("safetensors", "F32"), ("state-dict", "F32")],
         cfg=dict(embed_dim=16, image_resolution=64, vision_layers=1, vision_width=64, vision_patch_size=16,
                  context_length=20, vocab_size=300, transformer_width=64, transformer_heads=1, transformer_layers=1)),
    dict(name="rn-w8-1211-r96", seed=4, formats=[("torchscript", "F16"), ("state-dict", "F16")],
         cfg=dict(embed_dim=24, image_resolution=96, vision_layers=(1, 2, 1, 1), vision_width=8, vision_patch_size=None,
                  context_length=77, vocab_size=500, transformer_width=64, transformer_heads=1, transformer_layers=1)),
    dict(name="rn-w8-1111-r64", seed=5, formats=[("safetensors", "F16")],
         cfg=dict(embed_dim=64, image_resolution=64, vision_layers=(1, 1, 1, 1), vision_width=8, vision_patch_size=None,
                  context_length=8, vocab_size=100, transformer_width=128, transformer_heads=2, transformer_layers=1)),
]
ACTIVATIONS = ["quick-gelu", "gelu"]
N_IMAGES = 2
FILE_NAMES = {"torchscript": "model.pt", "safetensors": "model.safetensors", "state-dict": "model.bin"}
TORCH_DTYPES = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32}


def randomize(model: CLIP, gen: torch.Generator):
    """Non-trivial values everywhere a default init would leave ones/zeros (LayerNorm, BatchNorm
    statistics, biases), so that a wrong or skipped operation shows in the outputs."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
            elif isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
                m.num_batches_tracked.fill_(1000)
            elif isinstance(m, torch.nn.Linear) and m.bias is not None:
                m.bias.copy_(0.05 * torch.randn(m.bias.shape, generator=gen))
            elif isinstance(m, torch.nn.MultiheadAttention):
                m.in_proj_bias.copy_(0.05 * torch.randn(m.in_proj_bias.shape, generator=gen))
        model.logit_scale.fill_(float(np.log(1 / 0.07)) + 0.3 * float(torch.randn(1, generator=gen)))


def token_rows(cfg, gen):
    """Padded id rows with a start id, random ids, and the end id (the largest id) at varied places,
    one of them filling the whole context."""
    ctx, vocab = cfg["context_length"], cfg["vocab_size"]
    sot, eot = vocab - 2, vocab - 1
    lengths = [2, 5, ctx // 2, ctx]
    rows = torch.zeros(len(lengths), ctx, dtype=torch.int64)
    for i, n in enumerate(lengths):
        rows[i, 0] = sot
        rows[i, 1:n - 1] = torch.randint(1, vocab - 2, (n - 2,), generator=gen)
        rows[i, n - 1] = eot
    return rows


def stored(sd, dtype):
    """The state dict as it is stored: floating tensors in ``dtype``, others unchanged."""
    return OrderedDict((k, v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items())


def save_safetensors(path, sd, dtype_name):
    names = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        v = v.contiguous()
        if v.dtype == torch.bfloat16:
            raw = v.view(torch.int16).numpy().tobytes()
        else:
            raw = v.numpy().tobytes()
        header[k] = {"dtype": names[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def save_torchscript(path, model: CLIP, images, tokens):
    """Traced like OpenAI's archives (encode_image, encode_text, forward), then .half(); the
    archive also carries the non-weight entries input_resolution, context_length, vocab_size."""
    extra = {"input_resolution": model.visual.input_resolution, "context_length": model.context_length,
             "vocab_size": model.vocab_size}
    for n, v in extra.items():
        if hasattr(model, n):
            delattr(model, n)
        model.register_buffer(n, torch.tensor(v))
    traced = torch.jit.trace_module(model, {"forward": (images, tokens), "encode_image": (images,),
                                            "encode_text": (tokens,)})
    traced = traced.half()
    torch.jit.save(traced, path)
    for n, v in extra.items():
        del model._buffers[n]
        setattr(model, n, v)


def outputs(sd, activation, images, tokens):
    model = build_model(sd, activation=activation, dtype=torch.float32)
    with torch.no_grad():
        img = model.encode_image(images)
        txt = model.encode_text(tokens)
        logits, _ = model(images, tokens)
    return img.numpy(), txt.numpy(), logits.numpy()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                            "../../fixtures/models")
    os.makedirs(out, exist_ok=True)
    manifest = []
    for spec in MODELS:
        gen = torch.Generator().manual_seed(spec["seed"])
        torch.manual_seed(spec["seed"])
        cfg = spec["cfg"]
        model = CLIP(**cfg).eval()
        randomize(model, gen)
        assert infer_config(model.state_dict()) == cfg, "shape inference does not recover " + spec["name"]
        folder = os.path.join(out, spec["name"])
        os.makedirs(os.path.join(folder, "expected"), exist_ok=True)
        r = cfg["image_resolution"]
        images = torch.randn(N_IMAGES, 3, r, r, generator=gen)
        tokens = token_rows(cfg, gen)
        np.save(os.path.join(folder, "images.npy"), images.numpy().astype(np.float32))
        np.save(os.path.join(folder, "tokens.npy"), tokens.numpy().astype(np.int32))
        files = []
        for fmt, dtype_name in spec["formats"]:
            fname = FILE_NAMES[fmt]
            path = os.path.join(folder, fname)
            sd = model.state_dict()
            if fmt == "torchscript":
                save_torchscript(path, model, images, tokens)
                kept = stored(sd, torch.float16)
                model.float()  # .half() on the traced copy shares the parameters: restore
                model.load_state_dict(sd)
            elif fmt == "safetensors":
                kept = stored(sd, TORCH_DTYPES[dtype_name])
                save_safetensors(path, kept, dtype_name)
            else:
                kept = stored(sd, TORCH_DTYPES[dtype_name])
                torch.save({"epoch": 7, "state_dict": OrderedDict(("module." + k, v) for k, v in kept.items())}, path)
            as_fp32 = OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in kept.items())
            for act in ACTIVATIONS:
                img, txt, logits = outputs(as_fp32, act, images, tokens)
                for part, arr in (("image", img), ("text", txt), ("logits", logits)):
                    np.save(os.path.join(folder, "expected", f"{fname}.{act}.{part}.npy"), arr.astype(np.float32))
            files.append(dict(file=fname, format=fmt, dtype=dtype_name,
                              logit_scale=float(torch.exp(as_fp32["logit_scale"]).item())))
        c = dict(cfg)
        c["vision_layers"] = list(c["vision_layers"]) if isinstance(c["vision_layers"], tuple) else c["vision_layers"]
        manifest.append(dict(name=spec["name"], architecture="resnet" if spec["cfg"]["vision_patch_size"] is None else "vit",
                             config=c, files=files, activations=ACTIVATIONS))
        print(spec["name"], [(f["file"], os.path.getsize(os.path.join(folder, f["file"]))) for f in files])
    with open(os.path.join(out, "fixtures.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
