#!/usr/bin/env bash
# `clip tag` on 48 camera-sized (4032x3024) JPEGs, whole process (JVM start, model load, label
# embedding, tagging), exact, --fast and --fast --dtype bf16, against the reference pipeline (bench/tag_ref.py: PIL +
# torchvision + Debian torch, DataLoader with 2 workers) in the same run, on the same files,
# random ViT-B/32-sized checkpoint, labels, prompt and batch size. Rounds alternate the three sides
# (the box is shared; each side's best round counts, and every round is printed). Reports wall
# time, ratios against the reference, peak RSS and CPU utilisation (/usr/bin/time -v), the CPU's
# flags and which kernels ran (JPEG decoder, OpenBLAS core on each side).
#
#   bench/tag-camera.sh [ROUNDS]        (default 3; images: bench/make_camera_jpegs.py, needs mate-backgrounds)
#
# `clip tag` runs through the ./clip launcher with its defaults (CLIP_JAVA_OPTS unset). OpenBLAS's
# core-type/L2 overrides are unset for both sides (Debian torch uses the system OpenBLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE CLIP_JAVA_OPTS
rounds=${1:-3}
dir=target/bench/camera
ckpt=target/bench/ViT-B-32-random.pt
vocab=../shared/clip/bpe_simple_vocab_16e6.txt.gz
labels="cat,dog,car,tree,house,person,flower,bird,boat,mountain"
batch=32
out=target/bench/tag-camera
mkdir -p "$out"
# The reference's torch uses the system libblas.so.3: OpenBLAS, as on the machines the README's
# figures come from, not netlib's reference BLAS (~10x slower); the photos come from mate-backgrounds.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  readlink -f /lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null | grep -q openblas || need+=(libopenblas0-pthread)
  [ -d /usr/share/backgrounds/mate ] || need+=(mate-backgrounds)
  [ ${#need[@]} = 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then
  mvn -q -o -B package -DskipTests
fi
/usr/bin/python3 bench/make_camera_jpegs.py "$dir" 48 >/dev/null
/usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null
ls "$dir"/cam*.jpg | head -48 > "$out/list"
pyp=$(ref_pythonpath "$out")

run_java() { # name, extra args
  local name=$1; shift
  /usr/bin/time -v ./clip tag "$dir" --model "$ckpt" --vocab "$vocab" --labels "$labels" --batch-size $batch \
    --no-index --force --out "$out/$name.jsonl" "$@" > /dev/null 2> "$out/$name.log" \
    || { echo "clip tag $name failed:"; tail -5 "$out/$name.log"; exit 1; } >&2
}
run_ref() {
  PYTHONPATH="$pyp" /usr/bin/time -v /usr/bin/python3 bench/tag_ref.py run "$ckpt" "$out/list" "$labels" $batch 2 \
    "$out/ref.jsonl" > "$out/ref.json" 2> "$out/ref.log" || { echo "reference failed:"; tail -5 "$out/ref.log"; exit 1; } >&2
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E -x 'avx2|fma|avx512f|avx512bw|avx512_vnni|avx_vnni|avx512_bf16|amx_bf16|amx_int8' | tr '\n' ' ')"
echo "kernels: JPEG decoder $(ldconfig -p | grep 'libturbojpeg\.so\.0' >/dev/null && echo 'system libturbojpeg (SIMD)' || echo 'OpenCV bundled libjpeg-turbo (no libturbojpeg0)');" \
  "$(java -cp clip-cli/target/clip.jar bench/BlasInfo.java 2>/dev/null || echo 'java OpenBLAS: ?')"
/usr/bin/python3 - <<'PY'
import ctypes, torch
try:
    b = ctypes.CDLL("libopenblas.so.0"); b.openblas_get_corename.restype = ctypes.c_char_p
    core = b.openblas_get_corename().decode()
except OSError:
    core = "?"
print("reference: torch %s (BLAS_INFO=generic: the system libblas.so.3), OpenBLAS core %s" % (torch.__version__, core))
PY
echo "reference libblas.so.3 -> $(readlink -f /lib/x86_64-linux-gnu/libblas.so.3) (apt-get install libopenblas0-pthread; netlib's reference BLAS is ~10x slower)"
echo "launcher: $(./clip --version 2>/dev/null | head -1); heap: $(sed -n 's/^# heap: //p' clip | head -1)"
printf '%-6s %-6s %8s %8s %8s %8s %6s %9s\n' round side wall_s ratio cpu_s cpu_ratio cpu% rss_MB
# fastbf16: --fast with the encoders' matrix products in bf16 through oneDNN (falls back to fp32, with
# a notice in its log, on a CPU without AVX512-BF16/AMX; the kernel that ran is printed below)
declare -A best=([ref]=1e9 [exact]=1e9 [fast]=1e9 [fastbf16]=1e9) bestc=([ref]=1e9 [exact]=1e9 [fast]=1e9 [fastbf16]=1e9) \
  rss=([ref]=0 [exact]=0 [fast]=0 [fastbf16]=0)
for r in $(seq "$rounds"); do
  run_ref; run_java exact; run_java fast --fast; run_java fastbf16 --fast --dtype bf16
  rw=$(field "$out/ref.log" wall); rc=$(field "$out/ref.log" cpus)
  for side in ref exact fast fastbf16; do
    w=$(field "$out/$side.log" wall); m=$(field "$out/$side.log" rss); c=$(field "$out/$side.log" cpus)
    printf '%-6s %-6s %8s %7.2fx %8s %7.2fx %6s %9s   (load %s)\n' "$r" "$side" "$w" "$(python3 -c "print($rw / $w)")" \
      "$c" "$(python3 -c "print($rc / $c)")" "$(field "$out/$side.log" cpu)" "$m" "$(cut -d' ' -f1 /proc/loadavg)"
    best[$side]=$(python3 -c "print(min(${best[$side]}, $w))")
    bestc[$side]=$(python3 -c "print(min(${bestc[$side]}, $c))")
    [ "$m" -gt "${rss[$side]}" ] && rss[$side]=$m
  done
done
echo "best of $rounds: reference ${best[ref]} s, exact ${best[exact]} s ($(python3 -c "print('%.2f' % (${best[ref]} / ${best[exact]}))")x)," \
  "fast ${best[fast]} s ($(python3 -c "print('%.2f' % (${best[ref]} / ${best[fast]}))")x)," \
  "fast+bf16 ${best[fastbf16]} s ($(python3 -c "print('%.2f' % (${best[ref]} / ${best[fastbf16]}))")x); peak RSS reference ${rss[ref]} MB," \
  "exact ${rss[exact]} MB, fast ${rss[fast]} MB, fast+bf16 ${rss[fastbf16]} MB"
echo "CPU seconds (user+sys, steadier on a shared box), best: reference ${bestc[ref]}, exact ${bestc[exact]}" \
  "($(python3 -c "print('%.2f' % (${bestc[ref]} / ${bestc[exact]}))")x), fast ${bestc[fast]} ($(python3 -c "print('%.2f' % (${bestc[ref]} / ${bestc[fast]}))")x)," \
  "fast+bf16 ${bestc[fastbf16]} ($(python3 -c "print('%.2f' % (${bestc[ref]} / ${bestc[fastbf16]}))")x)"
grep -h '^clip tag: [0-9]* ok' "$out/exact.log" "$out/fast.log" "$out/fastbf16.log" | sed 's/^/  /'
echo "  reference: $(cat "$out/ref.json")"
# Do the three agree? Top label per image: exact vs reference, fast vs exact.
/usr/bin/python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def top(name):
    return {os.path.basename(r["path"]): r["labels"][0] for r in map(json.loads, open(os.path.join(out, name + ".jsonl")))
            if r.get("status") == "ok"}
ref, exact, fast, fastbf16 = top("ref"), top("exact"), top("fast"), top("fastbf16")
def agree(a, b):
    same = sum(a[k]["label"] == b[k]["label"] for k in a if k in b)
    dcos = max(abs(a[k]["cosine"] - b[k]["cosine"]) for k in a if k in b)
    return "%d/%d same top label, max |cosine diff| of the top label %.2e" % (same, len(a), dcos)
print("  exact vs reference:", agree(exact, ref))
print("  fast vs exact:     ", agree(fast, exact))
print("  fast+bf16 vs exact:", agree(fastbf16, exact))
import re
for side in ("exact", "fast", "fastbf16"):  # clip tag's summary names the dtype and kernel that ran
    m = [re.search(r"device \S+, (\S+) \(([^)]*)\)", l) for l in open(os.path.join(out, side + ".log"))]
    m = [x for x in m if x]
    print("  %-9s kernel: " % side, m[-1].group(1) + " " + m[-1].group(2) if m else "not recorded")
PY
