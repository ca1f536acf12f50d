#!/usr/bin/env bash
# Cold start of `clip classify` (fresh JVM, one image) with the same ViT-B/32-sized random weights
# in OpenAI's layout (one .pt state dict) and as a transformers CLIPModel folder (model.safetensors
# with HF names, vocab.json + merges.txt): the ratio is what the hub adapter costs (name mapping,
# q/k/v fusion, projection transposes, reading vocab.json). Runs alternate; the OS file cache is warm
# after the warm-up runs. Prints the CPU model and flags and the load average before and after.
#   bench/hub-load.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pt=target/bench/vitb32-random.pt
hf=target/bench/vitb32-random-hf
img="${CLIP_BENCH_IMAGE:-models/fixtures/images/src/jpeg_large.jpg}"
runs="${1:-3}"
[ -f "$pt" ] || /usr/bin/python3 bench/make_vitb32_checkpoint.py "$pt"
[ -f "$hf/model.safetensors" ] || /usr/bin/python3 models/tools/hub/openai_to_hf.py "$pt" "$hf"
[ -f clip-cli/target/clip.jar ] || mvn -q -o package -DskipTests
grep -m1 'model name' /proc/cpuinfo
grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|avx512f|fma|f16c)$' | tr '\n' ' '; echo
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { local s e; s=$(date +%s.%N); ./clip classify "$img" --labels cat,dog,car --model "$1" --cache-dir target/bench/cache >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
run "$pt" >/dev/null; run "$hf" >/dev/null   # warm-up: file cache, class-data archive
a=(); b=()
for i in $(seq 1 "$runs"); do
  a+=("$(run "$pt")"); b+=("$(run "$hf")")
  printf 'run %d: openai .pt %.2f s, transformers folder %.2f s\n' "$i" "${a[-1]}" "${b[-1]}"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(med "${a[@]}"); mb=$(med "${b[@]}")
printf 'median: openai .pt %.2f s, transformers folder %.2f s, ratio folder/pt %.2f\n' "$ma" "$mb" "$(echo "$mb / $ma" | bc -l)"
