#!/usr/bin/env bash
# Search benchmarks (figures, not tests), each side measured in the same run:
#   exact    Java exact search (fp16 blocks + fp32 re-scoring) vs numpy fp32 `M @ q` + argpartition,
#            over N synthetic clustered unit vectors of 512 dims: median query latency (wall and
#            CPU), vector memory. Default sizes 100k and 1M.
#   hnsw     Lucene HNSW (M=16, beam 100, Lucene's defaults): build time, query latency and
#            recall@10 against exact search, at each size in HNSW_SIZES (default 100k; 1M takes
#            far longer than a few minutes to build on 2 shared cores).
#   load     writing N rows into the SQLite index and the cold open + load a CLI search pays.
#   index    `clip index` throughput vs the reference embedding pipeline (bench/search_ref.py
#            index: PIL + torchvision + Debian torch, DataLoader with 2 workers) on the same
#            random ViT-B/32-sized checkpoint (target/bench/ViT-B-32-random.pt, made by
#            bench/tag_ref.py gen), over the /usr/share/backgrounds images.
#
#   bench/search.sh [exact|hnsw|load|index ...]        (default: all four)
#
# OpenBLAS's core-type/L2 overrides are unset for both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
parts=("${@:-exact hnsw load index}")
read -r -a parts <<< "${parts[*]}"
out=bench/out/search
mkdir -p "$out"
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then
  mvn -q -o -B package -DskipTests
fi
java_bench() { java -Xmx${BENCH_XMX:-8g} -cp clip-cli/target/clip.jar bench/SearchBench.java "$@"; }
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|avx512f|fma|f16c|sse4_2)$' | tr '\n' ' ')" >&2
echo "java: $(java -version 2>&1 | head -1); kernel path: scalar Java loop (fp16->fp32 by bit shift, 4 accumulators)," \
  "parallel over 128 KB blocks; Lucene $(unzip -p clip-cli/target/lib/lucene-core-*.jar META-INF/MANIFEST.MF 2>/dev/null | sed -n 's/^Implementation-Version: \([^ ]*\).*/\1/p' | tr -d '\r')" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared with other jobs: wall times are noisy; CPU ms are steadier)" >&2
for p in "${parts[@]}"; do
  case $p in
    exact)
      for n in ${EXACT_SIZES:-100000 1000000}; do
        j=$(java_bench exact "$n" 512 ${QUERIES:-30})
        py=$(/usr/bin/python3 bench/search_ref.py exact "$n" 512 ${QUERIES:-30})
        echo "$j"; echo "$py"
        python3 - "$j" "$py" <<'PY'
import json, sys
j, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"exact n={j['n']}: java {j['median_ms']} ms (cpu {j['cpu_ms_per_query']} ms, {j['vector_mb']} MB fp16)"
      f" vs numpy {p['median_ms']} ms (cpu {p['cpu_ms_per_query']} ms, {p['matrix_mb']} MB fp32):"
      f" wall ratio java/numpy {j['median_ms']/p['median_ms']:.2f}, cpu ratio {j['cpu_ms_per_query']/p['cpu_ms_per_query']:.2f},"
      f" memory ratio {j['vector_mb']/p['matrix_mb']:.2f}", file=sys.stderr)
PY
      done ;;
    hnsw)
      for n in ${HNSW_SIZES:-100000}; do
        java_bench hnsw "$n" 512 ${QUERIES:-100} "$out"
      done ;;
    load)
      java_bench load ${LOAD_SIZE:-100000} 512 "$out"
      rm -f "$out"/bench.sqlite* ;;
    index)
      ckpt=target/bench/ViT-B-32-random.pt
      /usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null
      find /usr/share/backgrounds -type f \( -name '*.jpg' -o -name '*.png' \) | sort > "$out/images.list"
      rm -rf "$out/images"; mkdir -p "$out/images"
      i=0; while IFS= read -r f; do i=$((i+1)); ln -s "$f" "$out/images/$(printf %03d $i)-$(basename "$f")"; done < "$out/images.list"
      ls -d "$out"/images/* > "$out/images.links"
      n=$(wc -l < "$out/images.links")
      rm -f "$out"/index.sqlite*
      /usr/bin/time -v ./clip index "$out/images" --model "$ckpt" --index "$out/index.sqlite" --batch-size 32 --threads 2 \
        2> "$out/index.log" || true
      grep '^clip index:' "$out/index.log" >&2
      js=$(sed -n 's/.*(\([0-9.]*\) s).*/\1/p' "$out/index.log" | tail -1)
      rss=$(awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$out/index.log")
      py=$(/usr/bin/python3 bench/search_ref.py index "$ckpt" "$out/images.links" 32 2 "$out/ref.npy")
      echo "$py"
      /usr/bin/time -v ./clip index "$out/images" --model "$ckpt" --index "$out/index.sqlite" 2> "$out/index2.log" || true
      again=$(sed -n 's/.*(\([0-9.]*\) s).*/\1/p' "$out/index2.log" | tail -1)
      python3 - "$n" "$js" "$py" "$rss" "$again" <<'PY'
import json, sys
n, js, p, rss, again = int(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], float(sys.argv[5])
print(f"index {n} images: clip index {js:.1f} s ({n/js:.2f} files/s, peak RSS {rss} MB; hashing + SQLite included)"
      f" vs reference {p['index_s']} s ({p['files_per_s']} files/s): throughput ratio java/ref {p['index_s']/js:.2f};"
      f" unchanged re-run {again:.2f} s", file=sys.stderr)
PY
      ;;
  esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
