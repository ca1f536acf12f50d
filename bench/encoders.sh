#!/usr/bin/env bash
# Encoder throughput, Java (clipkit on DJL/libtorch) vs the Python reference model (Debian torch),
# on a random ViT-B/32-sized checkpoint in OpenAI's archive format (about 290 MB, written to
# target/bench, never committed): batch-32 image embedding (preprocessed input) and text
# embedding, same weights, inputs and thread count; model load time and peak RSS.
#
#   bench/encoders.sh [THREADS] [ARCH: ViT-B-32|RN50] [fp32|fp16]
#
# OpenBLAS's core-type/L2 overrides are unset for both sides (Debian torch uses the system BLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
threads="${1:-2}"
arch="${2:-ViT-B-32}"
dtype="${3:-fp32}"
dir=target/bench
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then
  mvn -q -o -B package -DskipTests
fi
/usr/bin/python3 bench/encoders_ref.py gen "$dir" "$arch"
/usr/bin/python3 bench/encoders_ref.py run "$dir" "$threads" "$arch"
java -Xmx4g -Dai.djl.offline=true ${BENCH_JAVA_OPTS:-} -cp clip-cli/target/clip.jar bench/EncoderBench.java "$dir" "$threads" "$arch" "$dtype"
