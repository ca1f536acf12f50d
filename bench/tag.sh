#!/usr/bin/env bash
# End-to-end tagging throughput: `clip tag` vs the reference Python pipeline (PIL + torchvision +
# Debian torch, DataLoader with 2 workers; bench/tag_ref.py), same random ViT-B/32-sized checkpoint
# (target/bench/ViT-B-32-random.pt, ~290 MB, never committed), labels, prompt, batch size and
# threads. Datasets (symlink folders under bench/out/, not committed):
#   mate      the /usr/share/backgrounds/mate JPEGs (16 photos, 1280x1024 to 5640x3172)
#   clipart   the first 2,000 PNGs of openclipart-png (sorted)
#   all       every openclipart-png PNG (~8,100; Java only: peak RSS)
# java_tag_s runs without the index (it would skip files whose content it already saw); re-tagging
# with new labels from the index is compared with the first pass that builds it (hashing and index
# writes included); peak RSS of the indexed pass. Times are the tagging itself as `clip tag` reports
# it and the reference's loop (model load and label embedding excluded on both sides). `clip tag`
# runs through the ./clip launcher with its defaults (heap: a quarter of RAM unless CLIP_JAVA_OPTS is set).
#
#   bench/tag.sh [mate|clipart|all ...]      (default: mate clipart all)
#
# OpenBLAS's core-type/L2 overrides are unset for both sides (Debian torch uses the system BLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
sets=("${@:-mate clipart all}")
read -r -a sets <<< "${sets[*]}"
out=bench/out
ckpt=target/bench/ViT-B-32-random.pt
vocab=../shared/clip/bpe_simple_vocab_16e6.txt.gz
labels="cat,dog,car,tree,house,person,flower,bird,boat,mountain"
labels2="beach,city,forest,snow,sunset,night,food,text,logo,cartoon"
batch=32
threads=2
mkdir -p "$out"
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then
  mvn -q -o -B package -DskipTests
fi
/usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null

make_set() {  # name, then the files on stdin: a folder of symlinks and a list file
  local dir="$out/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  : > "$out/$1.list"
  while IFS= read -r f; do
    local link="$dir/$(echo "$f" | sed 's|^/usr/share/||; s|/|_|g')"
    ln -s "$f" "$link"
    echo "$link" >> "$out/$1.list"
  done
}

rss_mb() { awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$1"; }
wall() { awk '/Elapsed \(wall clock\)/ {n=split($8,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.1f", s}' "$1"; }

java_tag() {  # set, labels, out, extra...
  local set=$1 lab=$2 res=$3; shift 3
  # The launcher with its default settings (unless CLIP_JAVA_OPTS says otherwise).
  /usr/bin/time -v ./clip tag "$out/$set" \
    --model "$ckpt" --vocab "$vocab" --labels "$lab" --out "$res" --batch-size $batch --threads $threads \
    $([[ " $* " == *" --no-index "* ]] || echo --index "$out/$set.sqlite") "$@" 2> "$res.log" || true
  echo "$(grep "^clip tag: [0-9]* ok" "$res.log"); peak RSS $(rss_mb "$res.log") MB (load $(cut -d' ' -f1 /proc/loadavg))" >&2
}
tag_seconds() { sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$1.log" | head -1; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; other jobs skew the figures)" >&2
printf '%-8s %6s %10s %10s %10s %10s %9s %10s %8s %8s\n' set files java_tag_s py_tag_s java_f/s py_f/s ratio retag_s retag_x java_rss >&2
for s in "${sets[@]}"; do
  case $s in
    mate) find /usr/share/backgrounds/mate -name '*.jpg' | sort | make_set mate ;;
    clipart) dpkg -L openclipart-png | grep '\.png$' | sort > "$out/clipart.all"
             head -2000 "$out/clipart.all" | make_set clipart ;;
    all) dpkg -L openclipart-png | grep '\.png$' | sort > "$out/all.all"; make_set all < "$out/all.all" ;;
  esac
  n=$(wc -l < "$out/$s.list")
  reps=1; [ "$s" = mate ] && reps=3   # the box is shared: alternate the sides, keep each side's best
  jt=999999; pt=999999; jrss=0
  for r in $(seq $reps); do
    if [ "$s" != all ]; then
      # Without the index for the comparison: it would skip files with the same content as an earlier one.
      java_tag "$s" "$labels" "$out/$s.java-noindex.jsonl" --force --no-index
      t=$(tag_seconds "$out/$s.java-noindex.jsonl"); jt=$(python3 -c "print(min($jt, $t))")
    fi
    rm -f "$out/$s.sqlite" "$out/$s.sqlite-wal" "$out/$s.sqlite-shm"
    java_tag "$s" "$labels" "$out/$s.java.jsonl" --force
    t=$(tag_seconds "$out/$s.java.jsonl"); [ "$s" = all ] && jt=$t
    it=$t
    m=$(rss_mb "$out/$s.java.jsonl.log"); [ "$m" -gt "$jrss" ] && jrss=$m
    if [ "$s" != all ]; then
      PYTHONPATH=/work/pydeps /usr/bin/time -v /usr/bin/python3 bench/tag_ref.py run "$ckpt" "$out/$s.list" "$labels" \
        $batch $threads "$out/$s.py.jsonl" > "$out/$s.py.json" 2> "$out/$s.py.log"
      t=$(python3 -c "import json;print('%.2f'%json.load(open('$out/$s.py.json'))['tag_s'])")
      echo "python reference: $t s, peak RSS $(rss_mb "$out/$s.py.log") MB (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      pt=$(python3 -c "print(min($pt, $t))")
    else
      pt=nan
    fi
  done
  java_tag "$s" "$labels2" "$out/$s.java-retag.jsonl" --force
  rt=$(tag_seconds "$out/$s.java-retag.jsonl")
  python3 - "$s" "$n" "$jt" "$pt" "$rt" "$jrss" "$it" <<'PY' >&2
import sys, math
s, n, jt, pt, rt, rss, it = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], float(sys.argv[7])
jf, pf = n / jt, (n / pt if not math.isnan(pt) else float('nan'))
print('%-8s %6d %10.1f %10.1f %10.1f %10.1f %8.2fx %10.2f %7.0fx %6s MB' % (s, n, jt, pt, jf, pf, pf and jf / pf, rt, it / rt, rss))
PY
done
