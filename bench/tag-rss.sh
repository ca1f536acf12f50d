#!/usr/bin/env bash
# Peak memory of `clip tag` on every openclipart-png PNG (~8,100 files, 12 of them 105-169 Mpx)
# against the reference pipeline (bench/tag_ref.py: PIL + torchvision + Debian torch, DataLoader
# with 2 workers) in the same run, on the same files, random ViT-B/32-sized checkpoint, labels,
# prompt, batch size and threads. Both sides whole process; `clip tag` through the ./clip launcher
# with its defaults (heap sized from the machine; CLIP_JAVA_OPTS unset), without the index.
# Reports peak RSS (/usr/bin/time -v: the largest process, for the reference its main process or
# a DataLoader worker), wall time, CPU utilisation, files ok/failed on each side (and why Java's
# failed), and the top label's agreement on the files both sides tagged.
#
#   bench/tag-rss.sh [N]     (N: only the first N PNGs, sorted; default all)
#
# OpenBLAS's core-type/L2 overrides are unset for both sides (Debian torch uses the system OpenBLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE CLIP_JAVA_OPTS
limit=${1:-}
ckpt=target/bench/ViT-B-32-random.pt
vocab=../shared/clip/bpe_simple_vocab_16e6.txt.gz
labels="cat,dog,car,tree,house,person,flower,bird,boat,mountain"
batch=32
out=target/bench/tag-rss
dir=$out/png
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! dpkg -s openclipart-png >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openclipart-png >/dev/null
fi
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then
  mvn -q -o -B package -DskipTests
fi
/usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null
rm -rf "$out"; mkdir -p "$dir"
dpkg -L openclipart-png | grep '\.png$' | sort > "$out/sources"
if [ -n "$limit" ]; then # not head in the pipe: under pipefail its early exit fails the script (SIGPIPE)
  sed -n "1,${limit}p" "$out/sources" > "$out/sources.n" && mv "$out/sources.n" "$out/sources"
fi
: > "$out/list"
while IFS= read -r f; do # one folder of links, named after the package path (names repeat across folders)
  link="$dir/$(echo "$f" | sed 's|^/usr/share/||; s|/|_|g')"
  ln -s "$f" "$link"; echo "$link" >> "$out/list"
done < "$out/sources"
pyp=$(ref_pythonpath "$out")
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo);" \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E -x 'avx2|avx512f|avx512_vnni|avx512_bf16|amx_bf16' | tr '\n' ' ')"
echo "kernels: $(java -cp clip-cli/target/clip.jar bench/BlasInfo.java 2>/dev/null || echo 'java OpenBLAS: ?'); launcher heap: $(sed -n 's/^# heap: //p' clip | head -1)"
echo "files: $(wc -l < "$out/list") PNGs of openclipart-png; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/time -v ./clip tag "$dir" --model "$ckpt" --vocab "$vocab" --labels "$labels" --batch-size $batch \
  --no-index --force --out "$out/java.jsonl" > /dev/null 2> "$out/java.log" || true
echo "clip tag:  $(grep -m1 '^clip tag: [0-9]* ok' "$out/java.log" | sed 's/^clip tag: //')"
PYTHONPATH="$pyp" /usr/bin/time -v /usr/bin/python3 -W ignore bench/tag_ref.py run "$ckpt" "$out/list" "$labels" $batch 2 \
  "$out/ref.jsonl" > "$out/ref.json" 2> "$out/ref.log" || { echo "reference failed:"; tail -5 "$out/ref.log"; exit 1; } >&2
echo "reference: $(cat "$out/ref.json")"
printf '%-10s %8s %9s %6s\n' side wall_s rss_MB cpu%
for side in java ref; do
  printf '%-10s %8s %9s %6s\n' "$side" "$(field "$out/$side.log" wall)" "$(field "$out/$side.log" rss)" "$(field "$out/$side.log" cpu)"
done
/usr/bin/python3 - "$out" <<'PY'
import collections, json, sys
out = sys.argv[1]
def read(p):
    r = {}
    for line in open(p):
        o = json.loads(line)
        if "path" in o:
            r[o["path"].split("/")[-1]] = o
    return r
j, p = read(out + "/java.jsonl"), read(out + "/ref.jsonl")
both = [k for k in j if j[k].get("status") == "ok" and k in p and p[k]["status"] == "ok"]
same = sum(j[k]["labels"][0]["label"] == p[k]["labels"][0]["label"] for k in both)
dp = max((abs(j[k]["labels"][0]["probability"] - p[k]["labels"][0]["probability"]) for k in both
          if j[k]["labels"][0]["label"] == p[k]["labels"][0]["label"]), default=0)
print("ok on both sides: %d; same top label: %d; max |dp| of the top label: %.2g" % (len(both), same, dp))
for name, r in (("java", j), ("reference", p)):
    bad = [o for o in r.values() if o.get("status") != "ok"]
    why = collections.Counter((o.get("error") or "?")[:90] for o in bad)
    print("%s not ok: %d" % (name, len(bad)) + "".join("\n  %4d x %s" % (n, w) for w, n in why.most_common(6)))
PY
