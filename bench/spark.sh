#!/usr/bin/env bash
# Spark's overhead on one machine: the Spark job (clip-spark, local[2], plain java with Spark's jars
# from Maven) against `clip tag` on the same JPEGs (640x480, bench/spark_images.py), the same random
# ViT-B/32-sized checkpoint (target/bench/ViT-B-32-random.pt, ~290 MB, never committed; made by
# bench/tag_ref.py gen), labels and batch size, 2 cores each: clip tag with 2 decode threads and its
# default of 2 single-threaded encoder calls, Spark with 2 task slots and --encoder-threads 1.
#
# Each side runs on N and on 2N files; whole-process wall time and CPU time (user + sys) are measured
# (JVM start, Spark start, model load, label embedding, listing, writing). The marginal rate
# N / (t(2N) - t(N)) is the steady state, without the fixed costs; fixed = t(N) - N / marginal is the
# start-up each side pays once. On a shared box wall time follows the load (and a process with more
# runnable threads gets more of the CPU), so the CPU seconds per image are the fairer cost figure:
# cpu_ms/img = (cpu(2N) - cpu(N)) / N.
#
#   bench/spark.sh [N]      (default 256)
#
# OpenBLAS's core-type/L2 overrides are unset for both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
n=${1:-256}
out=target/bench/spark
ckpt=target/bench/ViT-B-32-random.pt
labels="cat,dog,car,tree,house,person,flower,bird,boat,mountain"
batch=32
mkdir -p "$out"
[ -f "$ckpt" ] || /usr/bin/python3 bench/tag_ref.py gen target/bench >/dev/null
if [ ! -f clip-spark/target/clip-spark.jar ] || [ ! -f "$out/spark.classpath" ] || [ ! -f clip-cli/target/clip.jar ]; then
  # Spark (provided) is not in clip-spark/target/lib: take its jars from the local Maven repository
  # (only those: the module's own come from target/lib, as spark-submit --jars would give them).
  mvn -q -o -B -pl clip-spark,clip-cli -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$PWD/$out/spark.all" -Dmdep.includeScope=compile
  python3 -c "import os, sys; lib = set(os.listdir('clip-spark/target/lib')); here = os.getcwd() + '/'
print(':'.join(p for p in open(sys.argv[1]).read().strip().split(':')
               if not p.startswith(here) and os.path.basename(p) not in lib))" "$out/spark.all" > "$out/spark.classpath"
fi
/usr/bin/python3 bench/spark_images.py "$out/images-all" $((2 * n))
for k in $n $((2 * n)); do  # two folders of symlinks: the first N files, and all 2N
  rm -rf "$out/in-$k"; mkdir -p "$out/in-$k"
  # sed reads all its input (head would close the pipe early: SIGPIPE under pipefail)
  ls "$out/images-all" | sort | sed -n "1,${k}p" | while read -r f; do ln -s "$PWD/$out/images-all/$f" "$out/in-$k/$f"; done
done

opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
 --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

run_tag() {  # files -> "wall cpu" seconds
  local k=$1
  /usr/bin/time -f "%e %U %S" -o "$out/tag-$k.time" ./clip tag "$out/in-$k" --model "$ckpt" --labels "$labels" --out "$out/tag-$k.jsonl" --batch-size $batch \
    --threads 2 --no-index --force 2> "$out/tag-$k.log" || true
  grep -q "^clip tag: $k ok" "$out/tag-$k.log" || { cat "$out/tag-$k.log" >&2; exit 1; }
  awk '{printf "%s %.2f", $1, $2 + $3}' "$out/tag-$k.time"
}
run_spark() {  # files -> "wall cpu" seconds
  local k=$1
  rm -rf "$out/spark-$k.parquet"
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e %U %S" -o "$out/spark-$k.time" java -Xmx4g $opens -Dai.djl.offline=true -Dspark.master='local[2]' -Dspark.ui.enabled=false \
    -cp "clip-spark/target/clip-spark.jar:clip-spark/target/lib/*:$(cat "$out/spark.classpath")" \
    io.clipkit.spark.SparkTagCommand --input "$out/in-$k" --output "$out/spark-$k.parquet" --model "$ckpt" \
    --labels "$labels" --batch-size $batch --encoder-threads 1 > "$out/spark-$k.log" 2>&1 || true
  grep -q "^clip-spark: $k ok" "$out/spark-$k.log" || { tail -30 "$out/spark-$k.log" >&2; exit 1; }
  awk '{printf "%s %.2f", $1, $2 + $3}' "$out/spark-$k.time"
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
  "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512f|avx512_vnni|amx_tile)$' | tr '\n' ' ')" >&2
echo "JPEG decoder: $(ldconfig -p | grep libturbojpeg >/dev/null && echo 'system libturbojpeg (both sides)' || echo 'OpenCV (no libturbojpeg)')" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the box skew the figures)" >&2
# Alternate the sides so a burst of load from elsewhere hits both.
tag1=$(run_tag $n); spark1=$(run_spark $n); tag2=$(run_tag $((2 * n))); spark2=$(run_spark $((2 * n)))
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
grep "^clip tag: [0-9]* ok" "$out/tag-$((2 * n)).log" >&2
grep "^clip-spark:" "$out/spark-$((2 * n)).log" >&2
python3 - "$n" $tag1 $tag2 $spark1 $spark2 <<'PY' >&2
import sys
n = int(sys.argv[1]); tw1, tc1, tw2, tc2, sw1, sc1, sw2, sc2 = map(float, sys.argv[2:])
def side(a, b):
    marginal = n / (b - a) if b > a else float('nan')
    return marginal, a - n / marginal
tm, tf = side(tw1, tw2); sm, sf = side(sw1, sw2)
tcpu, scpu = (tc2 - tc1) / n * 1000, (sc2 - sc1) / n * 1000
print('%-10s %7s %7s %9s %11s %8s %8s %8s %11s' % ('side', 'wall_N', 'wall_2N', 'img/s_2N', 'marginal/s', 'fixed_s',
                                                   'cpu_N', 'cpu_2N', 'cpu_ms/img'))
for name, w1, w2, m, f, c1, c2, cpu in (('clip tag', tw1, tw2, tm, tf, tc1, tc2, tcpu), ('spark[2]', sw1, sw2, sm, sf, sc1, sc2, scpu)):
    print('%-10s %7.1f %7.1f %9.2f %11.2f %8.1f %8.1f %8.1f %11.1f' % (name, w1, w2, 2 * n / w2, m, f, c1, c2, cpu))
print('spark/tag: steady-state rate %.2fx, whole run at 2N %.2fx, CPU per image %.2fx (above 1: Spark costs more), '
      'fixed CPU %.1f s vs %.1f s' % (sm / tm, (2 * n / sw2) / (2 * n / tw2), scpu / tcpu,
                                      sc1 - n * scpu / 1000, tc1 - n * tcpu / 1000))
PY