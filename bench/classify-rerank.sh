#!/usr/bin/env bash
# Re-ranking 10,000 cached image embeddings against 1,000 labels (goal: < 1 s on CPU).
# Uses a ViT-B/32-sized random checkpoint (bench/make_vitb32_checkpoint.py) for the label
# embeddings; the re-ranking itself is what is timed.
#   bench/classify-rerank.sh [N] [L]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ckpt="${CLIP_BENCH_CHECKPOINT:-target/bench/vitb32-random.pt}"
vocab="${CLIP_VOCAB:-$root/../shared/clip/bpe_simple_vocab_16e6.txt.gz}"
[ -f "$ckpt" ] || /usr/bin/python3 bench/make_vitb32_checkpoint.py "$ckpt"
[ -f clip-cli/target/clip.jar ] || mvn -q -o package -DskipTests
cp="clip-cli/target/clip.jar:$(ls clip-cli/target/lib/*.jar | tr '\n' ':')"
echo "CPU: $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
java -Xmx4g -Dai.djl.offline=true -cp "$cp" bench/ClassifyRerankBench.java "$ckpt" "$vocab" "${1:-10000}" "${2:-1000}"
