#!/usr/bin/env bash
# Cold start of `clip classify` for one image with a ViT-B/32-sized checkpoint: wall time from
# JVM start to the answer (goal: < 3 s). Each run is a fresh JVM; the OS file cache is warm after
# the first run (reported separately).
#   bench/classify-coldstart.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ckpt="${CLIP_BENCH_CHECKPOINT:-target/bench/vitb32-random.pt}"
vocab="${CLIP_VOCAB:-$root/../shared/clip/bpe_simple_vocab_16e6.txt.gz}"
img="${CLIP_BENCH_IMAGE:-/usr/share/backgrounds/mate/nature/Aqua.jpg}"
runs="${1:-5}"
[ -f "$ckpt" ] || /usr/bin/python3 bench/make_vitb32_checkpoint.py "$ckpt"
[ -f clip-cli/target/clip.jar ] || mvn -q -o package -DskipTests
echo "checkpoint: $ckpt ($(stat -c %s "$ckpt") bytes); image: $img"
for i in $(seq 1 "$runs"); do
  s=$(date +%s.%N)
  ./clip classify "$img" --labels cat,dog,car --model "$ckpt" --vocab "$vocab" --cache-dir target/bench/cache >/dev/null
  e=$(date +%s.%N)
  printf 'run %d: %.2f s\n' "$i" "$(echo "$e - $s" | bc)"
done
