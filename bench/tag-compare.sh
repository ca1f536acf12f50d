#!/usr/bin/env bash
# Before/after check of `clip tag` throughput: runs two builds (this worktree and another checkout,
# e.g. `git archive <commit> | tar -x -C /tmp/before && (cd /tmp/before && mvn -q -o package -DskipTests)`)
# on the same files, checkpoint, labels, batch and threads, alternating the sides, and prints each
# side's best time as `clip tag` reports it (model load and label embedding excluded) and the ratio.
# Uses bench/tag.sh's checkpoint (target/bench/ViT-B-32-random.pt; `bench/tag_ref.py gen target/bench`).
#
#   bench/tag-compare.sh BEFORE_DIR [mate|clipart|pngs] [reps]
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
before=$1; set_name=${2:-mate}; reps=${3:-3}
ckpt=target/bench/ViT-B-32-random.pt
vocab=../shared/clip/bpe_simple_vocab_16e6.txt.gz
labels="cat,dog,car,tree,house,person,flower,bird,boat,mountain"
out=bench/out/compare; rm -rf "$out"; mkdir -p "$out/files"
case $set_name in
  mate) find /usr/share/backgrounds/mate -name '*.jpg' | sort ;;
  clipart) dpkg -L openclipart-png | grep '\.png$' | sort | head -500 ;;
  pngs) find /usr/share -name '*.png' -size +2k 2>/dev/null | sort ;;   # whatever PNGs the system has (icons, docs)
esac | while IFS= read -r f; do ln -s "$f" "$out/files/$(echo "$f" | sed 's|^/usr/share/||; s|/|_|g')"; done
n=$(find "$out/files" -type l | wc -l)
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); flags: $(grep -m1 -o -w -E 'avx2|avx512f|fma|sha_ni' /proc/cpuinfo | sort -u | tr '\n' ' ')" >&2
echo "set $set_name: $n files; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run() {  # side dir
  java -Xmx4g -Dai.djl.offline=true -jar "$2/clip-cli/target/clip.jar" tag "$out/files" --model "$ckpt" --vocab "$vocab" \
    --labels "$labels" --out "$out/$1.jsonl" --force --no-index --batch-size 32 --threads 2 2> "$out/$1.log" || true
  sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$out/$1.log" | head -1
}
best_b=999999; best_a=999999
for r in $(seq "$reps"); do
  # Alternate which side goes first: on a shared box the second run of a pair is often slower.
  if [ $((r % 2)) = 1 ]; then b=$(run before "$before"); a=$(run after .); else a=$(run after .); b=$(run before "$before"); fi
  echo "rep $r: before ${b} s, after ${a} s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  best_b=$(python3 -c "print(min($best_b, $b))"); best_a=$(python3 -c "print(min($best_a, $a))")
done
python3 -c "print('best of $reps: before %.2f s, after %.2f s, after/before time ratio %.3f' % ($best_b, $best_a, $best_a / $best_b))"
