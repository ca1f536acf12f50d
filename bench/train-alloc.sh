#!/usr/bin/env bash
# Training step time with and without the `clip` launcher's allocator settings for `train`
# (libtorch's huge-page allocator, a fixed glibc mmap threshold, no heap trimming), same run twice:
# images/s (median of log.jsonl after the first two steps), system CPU time and minor page faults.
#
#   bench/train-alloc.sh [THREADS] [STEPS] [BATCH]
#
# Uses bench/train.sh's generated pairs (512 PNGs) and clipkit-mini's architecture (ResNet 1,1,1,1,
# stem 32, 64 px, text 128 x 2, embedding 256) at batch 256: the gain comes from buffers above
# glibc's mmap threshold, so it grows with batch and activation size (a small ViT at batch 64 gains
# nothing measurable). Same-run ratio only; both runs share the machine with whatever else runs.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
threads="${1:-1}"
steps="${2:-12}"
batch="${3:-256}"
dir=target/bench/train
[ -f clip-cli/target/clip.jar ] || mvn -q -o -B package -DskipTests
mkdir -p "$dir"
[ -f "$dir/pairs.tsv" ] || /usr/bin/python3 bench/train_ref.py gen "$dir" 512
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w 'avx2\|avx512f\|avx512_bf16\|fma\|amx_tile' | sort -u | xargs)"
echo "kernels: libtorch (autograd) for every training op; transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
declare -A rate
for mode in default tuned; do
  rm -rf "$dir/alloc-$mode"
  tuning=1; [ "$mode" = default ] && tuning=0
  /usr/bin/time -f "%S %R" -o "$dir/alloc-$mode.time" env CLIP_MALLOC_TUNING=$tuning ./clip train "$dir/pairs.tsv" \
    -o "$dir/alloc-$mode" --steps "$steps" --batch-size "$batch" --threads "$threads" --warmup 2 \
    --resnet 1,1,1,1 --vision-width 32 --image-size 64 --text-width 128 --text-layers 2 --embed-dim 256 \
    >/dev/null 2>"$dir/alloc-$mode.err" || { cat "$dir/alloc-$mode.err"; exit 1; }
  rate[$mode]=$(/usr/bin/python3 -c "
import json, statistics
r = [json.loads(l)['images_per_s'] for l in open('$dir/alloc-$mode/log.jsonl') if '\"loss\"' in l]
print(f'{statistics.median(r[2:]):.1f}')")
  read -r sys faults < "$dir/alloc-$mode.time"
  echo "$mode: ${rate[$mode]} images/s, system time ${sys} s, ${faults} minor page faults"
done
/usr/bin/python3 -c "print(f'ratio tuned/default: {float(\"${rate[tuned]}\") / float(\"${rate[default]}\"):.2f}x (threads $threads, batch $batch, $steps steps)')"
