#!/usr/bin/env bash
# Load test of `clip serve` on loopback with a ViT-B/32-sized random checkpoint: one sequential
# client against 16 concurrent clients posting photos to /v1/embed/image. Prints throughput,
# p50/p99 latency and errors per phase, the throughput ratio (the reference is the sequential
# client, measured in the same run), and the image batch-size histogram the server ran under load.
# Bounded: a fixed number of requests, then the server is stopped with SIGTERM (must exit 0).
#   bench/serve-load.sh [SEQUENTIAL_REQUESTS] [CLIENTS] [REQUESTS_PER_CLIENT]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ckpt="${CLIP_BENCH_CHECKPOINT:-target/bench/vitb32-random.pt}"
sequential="${1:-24}"
clients="${2:-16}"
per_client="${3:-8}"
[ -f "$ckpt" ] || /usr/bin/python3 bench/make_vitb32_checkpoint.py "$ckpt"
[ -f clip-cli/target/clip.jar ] || mvn -q -B -o package -DskipTests -pl clip-cli -am
mkdir -p target/bench
# The benchmark's own command may use OpenBLAS' defaults (tests and CI never change these).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|f16c|avx512f|avx512_bf16|avx512_vnni|avx_vnni|amx_tile)$' | tr '\n' ' ')"
# libtorch dispatches its CPU kernels to the best of DEFAULT/AVX2/AVX512 these flags allow.
echo "kernel path: libtorch $(if grep -qw avx512f /proc/cpuinfo; then echo AVX512; elif grep -qw avx2 /proc/cpuinfo; then echo AVX2; else echo DEFAULT; fi) (ATen CPU capability chosen from the flags above)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

log=target/bench/serve-load.log
./clip serve --model "$ckpt" --cache-dir target/bench/cache --port 0 --max-batch 16 --max-wait-ms 10 >"$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'http://[^ ]*/' "$log" | head -1 || true)"
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { echo "server did not start"; cat "$log"; exit 1; }
echo "server: $url ($(head -1 "$log"))"
images=(models/fixtures/images/src/jpeg_420_4x3.jpg models/fixtures/images/src/jpeg_progressive.jpg
        models/fixtures/images/src/png_rgb.png models/fixtures/images/src/webp_lossy.webp
        models/fixtures/images/src/jpeg_large.jpg models/fixtures/images/src/bmp_rgb24.bmp)
rc=0
java bench/ServeLoad.java "$url" "$sequential" "$clients" "$per_client" "${images[@]}" || rc=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM $pid
code=0
wait $pid || code=$?
trap - EXIT
echo "server exit code after SIGTERM: $code"
[ "$code" = 0 ] || rc=1
exit $rc
