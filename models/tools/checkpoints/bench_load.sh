#!/usr/bin/env bash
# Checkpoint load benchmark: writes a random ViT-B/32-layout checkpoint (fp16, ~300 MB, in three
# formats) under target/bench (never committed), then times clipkit's reader against PyTorch's.
#   models/tools/checkpoints/bench_load.sh [LAYOUT.tsv]
set -euo pipefail
cd "$(dirname "$0")/../../.."
tsv="${1:-../shared/clip/ViT-B-32.state_dict.tsv}"
out="target/bench/$(basename "$tsv" .state_dict.tsv)"
[ -f "$out.safetensors" ] || /usr/bin/python3 models/tools/checkpoints/make_layout_checkpoint.py "$tsv" "$out"
# (each reactor module writes the file in turn; clip-core comes last; test scope: clip-core leaves
# the linux-x86_64 natives to applications and has them as test dependencies)
mvn -q -o compile dependency:build-classpath -pl clip-core -am -Dmdep.outputFile="$PWD/target/bench/cp.txt" -Dmdep.includeScope=test
cp="clip-core/target/classes:$(cat target/bench/cp.txt)"
java -cp "$cp" models/tools/checkpoints/LoadBench.java "$tsv" "$out.pt" "$out.state_dict.pt" "$out.safetensors"
/usr/bin/python3 - "$out" <<'PY'
import sys, time, torch
out = sys.argv[1]
for rep in range(2):
    for f, load in [(out + ".pt", lambda f: torch.jit.load(f, map_location="cpu").state_dict()),
                    (out + ".state_dict.pt", lambda f: torch.load(f, map_location="cpu"))]:
        t = time.time(); load(f); print(f"python run {rep + 1} {f.split('/')[-1]:28s} {(time.time() - t) * 1000:5.0f} ms")
PY
