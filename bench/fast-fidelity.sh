#!/usr/bin/env bash
# How far --fast (JPEGs decoded reduced in the DCT domain) is from the exact pipeline, per image:
# max and mean absolute difference of the model input in 0..1 pixel units (`clip preprocess
# --npy`, exact and --fast) and the cosine between the two image embeddings (`clip embed`, random
# ViT-B/32-sized checkpoint target/bench/ViT-B-32-random.pt, written by bench/tag_ref.py gen).
#
#   bench/fast-fidelity.sh [SIZE] [FILE...]   (default: 224, the mate-backgrounds JPEGs and
#                                             gnome-backgrounds WebPs, plus bench's camera JPEGs if made)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-224}; shift || true
files=("$@")
if [ ${#files[@]} = 0 ]; then
  mapfile -t files < <(find /usr/share/backgrounds/mate /usr/share/backgrounds/gnome -name '*.jpg' -o -name '*.webp' 2>/dev/null | sort;
                       ls target/bench/camera/*.jpg 2>/dev/null | head -8)
fi
[ ${#files[@]} -gt 0 ] || { echo "no images: apt-get install mate-backgrounds gnome-backgrounds" >&2; exit 1; }
out=target/bench/fidelity
rm -rf "$out"; mkdir -p "$out"
ckpt=target/bench/ViT-B-32-random.pt
[ -f "$ckpt" ] || /usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null
vocab=../shared/clip/bpe_simple_vocab_16e6.txt.gz
./clip preprocess "${files[@]}" --size "$size" --npy "$out/exact" >/dev/null
./clip preprocess "${files[@]}" --size "$size" --npy "$out/fast" --fast >/dev/null
args=(); for f in "${files[@]}"; do args+=(--image "$f"); done
./clip embed --model "$ckpt" --vocab "$vocab" --json "${args[@]}" > "$out/exact.jsonl"
./clip embed --model "$ckpt" --vocab "$vocab" --json --fast "${args[@]}" > "$out/fast.jsonl"
/usr/bin/python3 - "$out" "$size" "${files[@]}" <<'PY'
import json, os, sys
import numpy as np
out, size, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float64)[:, None, None]
emb = {}
for side in ("exact", "fast"):
    emb[side] = {r["input"]: np.array(r["embedding"]) for r in map(json.loads, open(os.path.join(out, side + ".jsonl")))}
print("%-46s %11s %9s %9s %10s" % ("image (size %d)" % size, "pixels", "max", "mean", "cosine"))
means, maxes, coss = [], [], []
for f in files:
    name = os.path.basename(f) + ".npy"
    a = np.load(os.path.join(out, "exact", name)).astype(np.float64)
    b = np.load(os.path.join(out, "fast", name)).astype(np.float64)
    d = np.abs(a - b) * std
    ea, eb = emb["exact"][f], emb["fast"][f]
    cos = float(ea @ eb / np.linalg.norm(ea) / np.linalg.norm(eb))
    from PIL import Image
    with Image.open(f) as im:
        dims = "%dx%d" % im.size
    print("%-46s %11s %9.4f %9.5f %10.6f" % (f[-46:], dims, d.max(), d.mean(), cos))
    if f.lower().endswith((".jpg", ".jpeg")):  # only JPEGs decode reduced; the rest is bit-exact
        means.append(d.mean()); maxes.append(d.max()); coss.append(cos)
if means:
    print("%-46s %11s %9.4f %9.5f %10.6f  (max / mean of means / min cosine)" % ("%d JPEGs" % len(means), "", max(maxes), float(np.mean(means)), min(coss)))
PY
