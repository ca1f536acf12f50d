#!/usr/bin/env bash
# Tokenizer throughput: Java (single thread) against the Python reference on the same prompts
# ("a photo of a {label}." over N distinct labels), in the same run.
#   bench/tokenizer.sh [LABELS=4000] [SECONDS=5]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-4000}"; secs="${2:-5}"
vocab="${CLIP_VOCAB:-$root/../shared/clip/bpe_simple_vocab_16e6.txt.gz}"
py=/usr/bin/python3; export PYTHONPATH="${PYTHONPATH:-/work/pydeps}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$py" "$root/models/tools/tokens/bench_reference.py" --write-labels "$tmp/labels.txt" "$n"
cd "$root"
mvn -q -o test-compile dependency:build-classpath -pl clip-core -am -Dmdep.outputFile="$tmp/cp.txt" -Dmdep.includeScope=test
java -cp "clip-core/target/test-classes:clip-core/target/classes:$(cat "$tmp/cp.txt")" \
  io.clipkit.bench.TokenizerBench "$vocab" "$tmp/labels.txt" "$secs" "$root/models/fixtures/tokens/corpus.jsonl" | tee "$tmp/java.txt"
CLIP_VOCAB="$vocab" "$py" "$root/models/tools/tokens/bench_reference.py" "$tmp/labels.txt" "$secs" "$root/models/fixtures/tokens/corpus.jsonl" | tee "$tmp/py.txt"
j=$(sed -n 's/^JAVA_WARM=//p' "$tmp/java.txt"); p=$(sed -n 's/^PYTHON_WARM=//p' "$tmp/py.txt")
awk -v j="$j" -v p="$p" 'BEGIN { printf "ratio java/python (steady state): %.1fx; goal >= 100000 prompts/s: %s\n", j/p, (j >= 100000 ? "met" : "NOT met") }'
