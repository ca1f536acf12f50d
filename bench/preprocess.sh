#!/usr/bin/env bash
# Decode + preprocess throughput, Java (clipkit) vs PIL + torchvision, one thread each (pinned to
# one CPU with taskset), on the same mate-backgrounds JPEGs in the same run. Reports wall-clock
# throughput and, because the machine may be shared, throughput per CPU-second of each process.
# Java uses the system libturbojpeg (package libturbojpeg0, installed here if missing) when present;
# CLIPKIT_NO_TURBO=1 measures the OpenCV fallback instead.
#   bench/preprocess.sh [SIZE=224] [ROUNDS=5]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size="${1:-224}"
rounds="${2:-5}"
if [ ! -d /usr/share/backgrounds/mate ]; then
  apt-get install -y mate-backgrounds >/dev/null
fi
if [ -z "${CLIPKIT_NO_TURBO:-}" ] && ! ldconfig -p | grep libturbojpeg >/dev/null; then
  apt-get install -y libturbojpeg0 >/dev/null || echo "libturbojpeg0 not installed: Java uses OpenCV's decoder" >&2
fi
mapfile -t files < <(find /usr/share/backgrounds/mate -type f -iname '*.jpg' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no JPEGs in /usr/share/backgrounds/mate" >&2; exit 1; }
[ -f "$here/clip-cli/target/clip.jar" ] || (cd "$here" && mvn -q -o -B package -DskipTests)
cpu="$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')"
echo "${#files[@]} JPEGs, size $size, $rounds rounds, pinned to CPU $cpu"
py=$(OMP_NUM_THREADS=1 taskset -c "$cpu" /usr/bin/python3 "$here/bench/preprocess_bench.py" "$size" "$rounds" "${files[@]}")
echo "$py"
jv=$(taskset -c "$cpu" java -Dclipkit.noTurboJpeg="${CLIPKIT_NO_TURBO:+true}" -Xmx2g -XX:+UseSerialGC -cp "$here/clip-cli/target/lib/*" \
  "$here/bench/PreprocessBench.java" "$size" "$rounds" "${files[@]}")
echo "$jv"
rate() { sed -n "s|.*: \([0-9.]*\) $1.*|\1|p" <<<"$2"; }
ratio() { awk -v j="$1" -v p="$2" 'BEGIN { printf "%.2fx", j / p }'; }
echo "ratio java/python: wall-clock $(ratio "$(rate 'images/s' "$jv")" "$(rate 'images/s' "$py")"),"\
  "best round $(ratio "$(rate 'best-images/s' "$jv")" "$(rate 'best-images/s' "$py")"),"\
  "per CPU-second $(ratio "$(rate 'images/CPU-s' "$jv")" "$(rate 'images/CPU-s' "$py")")"
