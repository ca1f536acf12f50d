#!/usr/bin/env bash
# Training throughput (images/s per optimizer step), clipkit's `clip train` (DJL/libtorch autograd)
# vs the plain-torch reference (Debian torch 1.13), same tiny architecture (ViT 64 px, patch 16,
# width 128 x 4 layers; text width 128 x 2 layers; the CLI's new-model defaults), batch and threads.
#
#   bench/train.sh [THREADS] [STEPS] [BATCH]
#
# Java: the median images_per_s of log.jsonl after the first two steps (wall time per step, batch
# assembly waited for included; images are PNGs decoded on worker threads, --no-augment). The
# reference times forward, backward and AdamW on preprocessed tensors. Training always runs on
# libtorch's kernels (OpenBLAS is for inference only), so no BLAS override applies; both are unset.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
threads="${1:-2}"
steps="${2:-20}"
batch="${3:-32}"
dir=target/bench/train
if [ ! -f clip-cli/target/clip.jar ]; then
  mvn -q -o -B package -DskipTests
fi
mkdir -p "$dir"
[ -f "$dir/pairs.tsv" ] || /usr/bin/python3 bench/train_ref.py gen "$dir" 512
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w 'avx2\|avx512f\|avx512_bf16\|fma\|amx_tile' | sort -u | xargs)"
echo "kernels: libtorch (autograd) for every training op, both sides"
ref=$(OPENBLAS_NUM_THREADS="$threads" /usr/bin/python3 bench/train_ref.py run "$dir" "$threads" "$steps" "$batch")
echo "$ref"
rm -rf "$dir/out"
./clip train "$dir/pairs.tsv" -o "$dir/out" --steps "$steps" --batch-size "$batch" --threads "$threads" \
  --no-augment --warmup 2 >/dev/null 2>"$dir/train.err" || { cat "$dir/train.err"; exit 1; }
java_rate=$(/usr/bin/python3 -c "
import json, statistics, sys
rates = [json.loads(l)['images_per_s'] for l in open('$dir/out/log.jsonl') if '\"loss\"' in l]
print(f'{statistics.median(rates[2:]):.1f}')")
echo "java_images_per_s=$java_rate"
/usr/bin/python3 -c "print(f'ratio java/ref: {float(\"$java_rate\") / float(\"${ref#*=}\"):.2f}x (threads $threads, batch $batch, $steps steps)')"
