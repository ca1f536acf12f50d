#!/usr/bin/env bash
# Video frames decoded and embedded per second: `clip classify CLIP.mp4 --every S` (JavaCV FFmpeg
# sampler, clipkit encoders) against OpenCV-Python + torchvision + the reference CLIP in torch
# (bench/video_ref.py), same random ViT-B/32-sized checkpoint, same 1080p H.264 clip (made here by
# Debian's ffmpeg from its moving test pattern, 30 fps), same sampling,
# batch and threads. Java's figure is the whole process minus its own model load and label
# embedding as `clip classify` traces them; the reference's excludes its model load.
#
#   bench/video.sh [EVERY=0.5] [SECONDS=60]
#
# OpenBLAS's core-type/L2 overrides are unset for both sides (as in bench/encoders.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
every="${1:-0.5}"
secs="${2:-60}"
dir=target/bench/video
mkdir -p "$dir"
command -v ffmpeg >/dev/null || { apt-get install -y -qq ffmpeg python3-opencv >/dev/null; }
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni|amx_bf16' | sort -u | xargs)"
if [ ! -f clip-cli/target/clip.jar ] || [ ! -d clip-cli/target/lib ]; then mvn -q -o -B package -DskipTests; fi
java -cp "clip-cli/target/clip.jar" bench/BlasInfo.java 2>/dev/null | head -2 || true
/usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null
ckpt=target/bench/ViT-B-32-random.pt
clip="$dir/slides-1080p.mp4"
if [ ! -f "$clip" ]; then
  # FFmpeg's moving test pattern: every frame differs, so every frame is real decoding work
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" -t "$secs" \
    -pix_fmt yuv420p -c:v libx264 -preset veryfast -crf 23 "$clip"
fi
echo "clip: $(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,r_frame_rate,codec_name,nb_frames -of csv=p=0 "$clip")"
for round in 1 2; do
  py=$(OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/video_ref.py "$ckpt" "$clip" "$every" 32 2)
  out=$(mktemp)
  # Scene cuts off (threshold 1) so both sides sample the same frames; phases traced on stderr.
  CLIP_CDS=0 CLIP_JAVA_OPTS="-Dclipkit.trace=true" ./clip classify "$clip" --labels cat,dog,car --model "$ckpt" \
    --every "$every" --max-frames 100000 --scene-threshold 1 --json > "$out" 2> "$out.err" || { cat "$out.err" >&2; exit 1; }
  jf=$(python3 -c "import json;r=json.loads(open('$out').readline());print(sum(s['frames'] for s in r['segments']))")
  # time from the labels being embedded to the end (the video's decode + preprocess + encode)
  js=$(python3 - "$out.err" <<'PY'
import re, sys
t = {}
for line in open(sys.argv[1]):
    m = re.search(r'\[clipkit (\d+) ms [^\]]*\] classify: (labels embedded|done)', line)
    if m:
        t[m.group(2)] = int(m.group(1)) / 1000.0
print(t.get('done', float('nan')) - t.get('labels embedded', float('nan')))
PY
)
  python3 - "$py" "$jf" "$js" "$round" <<'PY'
import json, sys
p = json.loads(sys.argv[1]); jf, js, r = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
pf = p["frames"] / p["seconds"]; jr = jf / js
print(f"round {r}: java {jf} frames in {js:.1f} s = {jr:.2f} frames/s; reference {p['frames']} frames in {p['seconds']:.1f} s = {pf:.2f} frames/s; ratio {jr/pf:.2f}x")
PY
  rm -f "$out" "$out.err"
done
