#!/usr/bin/env bash
# Encoder throughput by compute type: clipkit fp32 (OpenBLAS), bf16 and int8 (oneDNN), against the Python reference (Debian torch, fp32) and torch's own bf16 (CPU autocast),
# all in the same run, on the random ViT-B/32-sized checkpoint bench/encoders_ref.py writes
# (target/bench, never committed): batch-32 image (preprocessed) and text embedding, medians,
# same weights, inputs and thread count. Prints the CPU flags, the load average, the OpenBLAS core,
# the oneDNN implementation that ran and the fraction of the machine's peak FLOP/s used.
#
#   bench/dtype.sh [THREADS (default 2)] [MODES (default fp32,bf16,int8)]
#
# OpenBLAS's core-type/L2 overrides are unset for both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
threads="${1:-2}"
modes="${2:-fp32,bf16,int8}"
dir=target/bench
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then
  mvn -q -o -B package -DskipTests
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
flags=$(grep -m1 '^flags' /proc/cpuinfo)
line="cpu flags:"
for f in avx2 avx512f avx512_bf16 avx512_vnni amx_bf16 amx_int8; do
  if grep -qw "$f" <<<"$flags"; then line+=" $f=yes"; else line+=" $f=no"; fi
done
echo "$line"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp clip-cli/target/clip.jar bench/BlasInfo.java
/usr/bin/python3 bench/encoders_ref.py gen "$dir" ViT-B-32
# torch.set_num_threads does not reach the system OpenBLAS's own threads: cap them the same way.
OPENBLAS_NUM_THREADS="$threads" /usr/bin/python3 bench/dtype_ref.py "$dir" "$threads"
# one JVM per compute type: its RSS is its own
for mode in ${modes//,/ }; do
  java -Xmx4g -Dai.djl.offline=true ${BENCH_JAVA_OPTS:-} -cp clip-cli/target/clip.jar bench/DtypeBench.java "$dir" "$threads" "$mode"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
