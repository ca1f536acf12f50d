#!/usr/bin/env bash
# Cold start of `clip classify` for one image with a ViT-B/32-sized checkpoint: wall time from
# launching ./clip (fresh JVM) to the answer (goal: < 3 s). The OS file cache is warm after the
# first run, and the first run after a build also writes the launcher's class-data archive
# (see ./clip): it is reported but left out of the summary. The machine's load average is printed
# before and after: on 2 cores another busy process easily doubles the figures.
#   bench/classify-coldstart.sh [RUNS]
#   CLIP_JAVA_OPTS=-Dclipkit.trace=true bench/classify-coldstart.sh 1   # + per-phase times on stderr
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
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
times=()
for i in $(seq 0 "$runs"); do
  s=$(date +%s.%N)
  ./clip classify "$img" --labels cat,dog,car --model "$ckpt" --vocab "$vocab" --cache-dir target/bench/cache >/dev/null
  e=$(date +%s.%N)
  t=$(echo "$e - $s" | bc)
  if [ "$i" = 0 ]; then
    printf 'warm-up run (file cache, class-data archive): %.2f s\n' "$t"
  else
    printf 'run %d: %.2f s\n' "$i" "$t"
    times+=("$t")
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "best %.2f s, median %.2f s, worst %.2f s over %d runs\n", a[1], a[int((NR+1)/2)], a[NR], NR}'
