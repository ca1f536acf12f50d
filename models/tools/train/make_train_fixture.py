"""Golden fixture for clipkit's contrastive training (`clip train`, io.clipkit.Trainer).

    /usr/bin/python3 models/tools/train/make_train_fixture.py [OUT_DIR]   # default models/fixtures/train

For each tiny model (a ViT and a ResNet, quick-gelu, random non-trivial weights), runs STEPS
optimizer steps of open_clip's default recipe in plain torch 1.13, on fixed preprocessed batches
(no augmentation):

- loss = (CE(s * I @ T^T, arange) + CE(s * T @ I^T, arange)) / 2, s = exp(logit_scale), rows
  L2-normalized (open_clip's ClipLoss);
- torch.optim.AdamW, betas (0.9, 0.98), eps 1e-6, two groups: weight decay on parameters with >= 2
  dims whose name has none of bn/ln/bias/logit_scale, 0 on the rest (open_clip's main.py rule);
- lr from open_clip's cosine_lr (linear warm-up of WARMUP steps, then half a cosine to 0 at STEPS);
- model.train() (BatchNorm uses batch statistics and updates its running ones);
- logit_scale clamped to [0, ln 100] after each step.

Writes per model ``<name>/``: ``initial.safetensors`` (fp32 state dict the Java side starts from),
``final.safetensors`` (the state dict after the steps, buffers included), ``images.npy``
([STEPS, B, 3, R, R] float32), ``tokens.npy`` ([STEPS, B, ctx] int32), and ``expected.json``
(losses per step, lrs, the settings). The Java FidelityTest (clip-core, io.clipkit.train) runs the
same steps and compares losses (1e-4 relative) and per-tensor updates (5e-3 relative L2).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clip_ref"))
sys.path.insert(0, os.path.join(HERE, "..", "checkpoints"))
from model import CLIP  # noqa: E402
from make_model_fixtures import randomize  # noqa: E402
from formats import save_safetensors  # noqa: E402

STEPS = 3
BATCH = 4
LR = 1e-3
WD = 0.2
WARMUP = 2

MODELS = [
    dict(name="vit", seed=11,
         cfg=dict(embed_dim=16, image_resolution=32, vision_layers=1, vision_width=64, vision_patch_size=8,
                  context_length=8, vocab_size=64, transformer_width=64, transformer_heads=1, transformer_layers=1)),
    dict(name="resnet", seed=12,
         cfg=dict(embed_dim=16, image_resolution=64, vision_layers=(1, 1, 1, 1), vision_width=2, vision_patch_size=None,
                  context_length=8, vocab_size=64, transformer_width=64, transformer_heads=1, transformer_layers=1)),
]


def cosine_lr(step):
    """open_clip's scheduler.cosine_lr at 0-based step."""
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    e, es = step - WARMUP, STEPS - WARMUP
    return 0.5 * (1 + np.cos(np.pi * e / es)) * LR


def excluded(name, p):
    return p.ndim < 2 or "bn" in name or "ln" in name or "bias" in name or "logit_scale" in name


def token_batch(cfg, gen):
    ctx, vocab = cfg["context_length"], cfg["vocab_size"]
    rows = torch.zeros(BATCH, ctx, dtype=torch.int64)
    for i in range(BATCH):
        n = int(torch.randint(3, ctx + 1, (1,), generator=gen))
        rows[i, 0] = vocab - 2
        rows[i, 1:n - 1] = torch.randint(1, vocab - 2, (n - 2,), generator=gen)
        rows[i, n - 1] = vocab - 1  # the end token is the largest id
    return rows


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "fixtures", "train")
    torch.set_num_threads(1)
    for spec in MODELS:
        gen = torch.Generator().manual_seed(spec["seed"])
        torch.manual_seed(spec["seed"])
        model = CLIP(**spec["cfg"], activation="quick-gelu")
        randomize(model, gen)
        with torch.no_grad():  # inside the clamp range, as a trained model's is
            model.logit_scale.fill_(math.log(1 / 0.07))
        folder = os.path.join(out, spec["name"])
        os.makedirs(folder, exist_ok=True)
        save_safetensors({k: v.clone() for k, v in model.state_dict().items()}, os.path.join(folder, "initial.safetensors"))
        r = spec["cfg"]["image_resolution"]
        images = torch.randn(STEPS, BATCH, 3, r, r, generator=gen)
        tokens = torch.stack([token_batch(spec["cfg"], gen) for _ in range(STEPS)])

        decay = [p for n, p in model.named_parameters() if not excluded(n, p)]
        rest = [p for n, p in model.named_parameters() if excluded(n, p)]
        opt = torch.optim.AdamW([{"params": rest, "weight_decay": 0.0}, {"params": decay, "weight_decay": WD}],
                                lr=LR, betas=(0.9, 0.98), eps=1e-6)
        model.train()
        losses, lrs = [], []
        labels = torch.arange(BATCH)
        for step in range(STEPS):
            lr = cosine_lr(step)
            for g in opt.param_groups:
                g["lr"] = lr
            img = F.normalize(model.encode_image(images[step]), dim=-1)
            txt = F.normalize(model.encode_text(tokens[step]), dim=-1)
            scale = model.logit_scale.exp()
            logits_per_image = scale * img @ txt.T
            logits_per_text = scale * txt @ img.T
            loss = (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0, math.log(100))
            losses.append(float(loss))
            lrs.append(float(lr))
        save_safetensors({k: v.clone() for k, v in model.state_dict().items()}, os.path.join(folder, "final.safetensors"))
        np.save(os.path.join(folder, "images.npy"), images.numpy().astype(np.float32))
        np.save(os.path.join(folder, "tokens.npy"), tokens.numpy().astype(np.int32))
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump(dict(steps=STEPS, batch=BATCH, lr=LR, weight_decay=WD, warmup=WARMUP, schedule="cosine",
                           activation="quick-gelu", losses=losses, lrs=lrs, torch=torch.__version__), f, indent=2)
            f.write("\n")
        print(spec["name"], "losses", losses)


if __name__ == "__main__":
    main()
