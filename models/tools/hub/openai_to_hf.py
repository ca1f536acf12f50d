"""Writes an OpenAI-layout CLIP state dict (ViT) as a transformers CLIPModel folder: the inverse of
clipkit's HF -> OpenAI mapping (in_proj split into q/k/v, x @ proj matrices transposed into Linear
weights), with config.json, preprocessor_config.json and CLIP's full vocabulary as vocab.json +
merges.txt. For benchmarks and cross-checks; the weights keep their dtype.

    /usr/bin/python3 models/tools/hub/openai_to_hf.py IN.pt OUT_DIR [--bin]
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hub_ref as R  # noqa: E402

MERGES_GZ = os.path.join(HERE, "..", "..", "..", "clip-core", "src", "main", "resources", "io", "clipkit", "text",
                         "bpe_simple_vocab_16e6.txt.gz")


def convert(sd):
    out = {}

    def tower(src, dst, n):
        for i in range(n):
            s, d = f"{src}resblocks.{i}.", f"{dst}encoder.layers.{i}."
            w, b = sd[s + "attn.in_proj_weight"], sd[s + "attn.in_proj_bias"]
            for j, name in enumerate(("q_proj", "k_proj", "v_proj")):
                k = w.shape[0] // 3
                out[d + f"self_attn.{name}.weight"] = w[j * k:(j + 1) * k].clone()
                out[d + f"self_attn.{name}.bias"] = b[j * k:(j + 1) * k].clone()
            for a, c in (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                         ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
                out[d + c + ".weight"] = sd[s + a + ".weight"]
                out[d + c + ".bias"] = sd[s + a + ".bias"]

    nt = len({k.split(".")[2] for k in sd if k.startswith("transformer.resblocks.")})
    nv = len({k.split(".")[3] for k in sd if k.startswith("visual.transformer.resblocks.")})
    out["text_model.embeddings.token_embedding.weight"] = sd["token_embedding.weight"]
    out["text_model.embeddings.position_embedding.weight"] = sd["positional_embedding"]
    tower("transformer.", "text_model.", nt)
    out["text_model.final_layer_norm.weight"] = sd["ln_final.weight"]
    out["text_model.final_layer_norm.bias"] = sd["ln_final.bias"]
    out["vision_model.embeddings.class_embedding"] = sd["visual.class_embedding"]
    out["vision_model.embeddings.patch_embedding.weight"] = sd["visual.conv1.weight"]
    out["vision_model.embeddings.position_embedding.weight"] = sd["visual.positional_embedding"]
    out["vision_model.pre_layrnorm.weight"] = sd["visual.ln_pre.weight"]
    out["vision_model.pre_layrnorm.bias"] = sd["visual.ln_pre.bias"]
    tower("visual.transformer.", "vision_model.", nv)
    out["vision_model.post_layernorm.weight"] = sd["visual.ln_post.weight"]
    out["vision_model.post_layernorm.bias"] = sd["visual.ln_post.bias"]
    out["visual_projection.weight"] = sd["visual.proj"].t().contiguous()
    out["text_projection.weight"] = sd["text_projection"].t().contiguous()
    out["logit_scale"] = sd["logit_scale"]
    return out, nt, nv


def main(src, dst, binary):
    sd = torch.load(src, map_location="cpu")
    hf, nt, nv = convert(sd)
    os.makedirs(dst, exist_ok=True)
    tw, vw = sd["ln_final.weight"].shape[0], sd["visual.conv1.weight"].shape[0]
    patch = sd["visual.conv1.weight"].shape[-1]
    grid = int(round((sd["visual.positional_embedding"].shape[0] - 1) ** 0.5))
    cfg = {"model_type": "clip", "projection_dim": sd["text_projection"].shape[1],
           "text_config": {"hidden_size": tw, "intermediate_size": 4 * tw, "num_hidden_layers": nt,
                           "num_attention_heads": tw // 64, "max_position_embeddings": sd["positional_embedding"].shape[0],
                           "vocab_size": sd["token_embedding.weight"].shape[0], "hidden_act": "quick_gelu", "eos_token_id": 2},
           "vision_config": {"hidden_size": vw, "intermediate_size": 4 * vw, "num_hidden_layers": nv,
                             "num_attention_heads": vw // 64, "image_size": grid * patch, "patch_size": patch,
                             "hidden_act": "quick_gelu"}}
    json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2)
    json.dump({"size": grid * patch, "crop_size": grid * patch, "resample": 3,
               "feature_extractor_type": "CLIPFeatureExtractor"}, open(os.path.join(dst, "preprocessor_config.json"), "w"))
    vocab, merges = R.small_vocabulary(MERGES_GZ, 48894)
    json.dump(vocab, open(os.path.join(dst, "vocab.json"), "w", encoding="utf-8"), ensure_ascii=False)
    with open(os.path.join(dst, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    if binary:
        torch.save(hf, os.path.join(dst, "pytorch_model.bin"))
    else:
        R.save_safetensors(os.path.join(dst, "model.safetensors"), hf)
    print("wrote", dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--bin" in sys.argv[3:])
