#!/usr/bin/env bash
# Compares the Java tokenizer with the Python reference on a large random stress corpus.
#   bench/tokenizer-check.sh [N] [SEED]      (default 20000 strings, seed 7)
# Needs Debian's /usr/bin/python3 with python3-regex, ftfy at /work/pydeps (or PYTHONPATH) and
# ../shared/clip/bpe_simple_vocab_16e6.txt.gz.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-20000}"; seed="${2:-7}"
vocab="${CLIP_VOCAB:-$root/../shared/clip/bpe_simple_vocab_16e6.txt.gz}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
PYTHONPATH="${PYTHONPATH:-/work/pydeps}" /usr/bin/python3 "$root/models/tools/tokens/stress_corpus.py" "$n" "$seed" "$tmp/stress.jsonl"
cd "$root"
# compile and write clip-core's test classpath (each reactor module writes the file; clip-core is last)
mvn -q -o test-compile dependency:build-classpath -pl clip-core -am -Dmdep.outputFile="$tmp/cp.txt" -Dmdep.includeScope=test
java -cp "clip-core/target/test-classes:clip-core/target/classes:$(cat "$tmp/cp.txt")" \
  io.clipkit.text.CorpusCheck "$vocab" "$tmp/stress.jsonl"
