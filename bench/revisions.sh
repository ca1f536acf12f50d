#!/usr/bin/env bash
# Before/after check of a refactoring: encoder throughput and `clip tag` on the mate photos for two
# revisions, alternated in one run on the same random ViT-B/32-sized checkpoint (ratios from the
# same run are the figure to read; the box is shared). Each revision is built in its own worktree
# under target/bench/rev-<sha> and runs its own bench/EncoderBench.java.
#
#   bench/revisions.sh BEFORE [AFTER=HEAD] [ROUNDS=3]
#
# OpenBLAS's core-type/L2 overrides are unset for both sides (as in bench/encoders.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
before=$(git rev-parse --short "${1:?usage: bench/revisions.sh BEFORE [AFTER] [ROUNDS]}")
after=$(git rev-parse --short "${2:-HEAD}")
rounds="${3:-3}"
dir=target/bench
mkdir -p "$dir"
# Given to both sides: revisions before the bundled vocabulary need it.
vocab="$(cd .. && pwd)/shared/clip/bpe_simple_vocab_16e6.txt.gz"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni|amx_bf16' | sort -u | xargs)"
build() {  # rev -> tree
  local rev=$1 tree="$dir/rev-$1"
  if [ ! -f "$tree/clip-cli/target/clip.jar" ]; then
    rm -rf "$tree"; git worktree prune
    git worktree add -f -q "$tree" "$rev"
    (cd "$tree" && mvn -q -o -B package -DskipTests) >&2
  fi
  echo "$tree"
}
tb=$(build "$before")
ta=$(build "$after")
/usr/bin/python3 bench/encoders_ref.py gen "$dir" ViT-B-32 >/dev/null
# The reference run writes the inputs (images.npy, tokens) EncoderBench reads; its figures are bench/encoders.sh's.
OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/encoders_ref.py run "$dir" 2 ViT-B-32 >/dev/null
/usr/bin/python3 bench/tag_ref.py gen "$dir" >/dev/null
mate=$dir/mate; rm -rf "$mate"; mkdir -p "$mate"
find /usr/share/backgrounds/mate -name '*.jpg' | sort | while read -r f; do ln -s "$f" "$mate/$(basename "$f")"; done
enc() {  # tree -> "images/s texts/s"
  (cd "$1" && java -Xmx4g -Dai.djl.offline=true -cp clip-cli/target/clip.jar bench/EncoderBench.java \
      "$OLDPWD/$dir" 2 ViT-B-32 fp32 2>/dev/null) | sed -n 's/.*images \([0-9.]*\)\/s.*texts \([0-9.]*\)\/s.*/\1 \2/p' | head -1
}
tag() {  # tree -> seconds
  local out; out=$(mktemp -d)
  (cd "$1" && CLIP_CDS=0 ./clip tag "$OLDPWD/$mate" --model "$OLDPWD/$dir/ViT-B-32-random.pt" \
      --vocab "$vocab" --labels cat,dog,car,tree,house,person,flower,bird,boat,mountain --out "$out/t.jsonl" \
      --no-index --force 2>&1) \
      | sed -n 's/.* in \([0-9.]*\) s .*/\1/p' | head -1
  rm -rf "$out"
}
declare -a bi ai bt at bg ag
for r in $(seq "$rounds"); do
  read -r x y <<< "$(enc "$tb")"; bi+=("$x"); bt+=("$y")
  read -r x y <<< "$(enc "$ta")"; ai+=("$x"); at+=("$y")
  bg+=("$(tag "$tb")"); ag+=("$(tag "$ta")")
  echo "round $r: images/s $before ${bi[-1]} $after ${ai[-1]}; texts/s ${bt[-1]} ${at[-1]}; tag s ${bg[-1]} ${ag[-1]} (load $(cut -d' ' -f1 /proc/loadavg))"
done
python3 - "$before" "$after" "${bi[*]}" "${ai[*]}" "${bt[*]}" "${at[*]}" "${bg[*]}" "${ag[*]}" <<'PY'
import statistics as st, sys
b, a = sys.argv[1], sys.argv[2]
v = [list(map(float, x.split())) for x in sys.argv[3:]]
m = [st.median(x) for x in v]
print(f"median images/s  {b} {m[0]:.1f}  {a} {m[1]:.1f}  after/before {m[1]/m[0]:.3f}")
print(f"median texts/s   {b} {m[2]:.1f}  {a} {m[3]:.1f}  after/before {m[3]/m[2]:.3f}")
print(f"median tag s     {b} {m[4]:.2f}  {a} {m[5]:.2f}  before/after {m[4]/m[5]:.3f} (above 1: after is faster)")
PY
