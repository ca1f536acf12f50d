#!/usr/bin/env bash
# A real (small) cluster on one machine: Spark's own spark-submit entry point (SparkSubmit, the class
# bin/spark-submit runs) on a local-cluster[2,1,1536] master: a standalone master and worker in the
# driver JVM and two executor JVMs of one core each, launched by the worker as on a cluster. The
# libraries travel with --jars, the checkpoint with --files (found by its bare name), so this checks
# what local[N] cannot: the job's closure serialized to other JVMs, one model load per executor JVM,
# the --add-opens flags on executors, and natives loaded from jars shipped at run time.
# Spark is not installed: a SPARK_HOME is assembled under target/ from the jars Maven resolved.
#
#   bench/spark-submit.sh [N]     (default 64 generated JPEGs; embeddings with the tiny fixture model)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-64}
out=target/bench/spark-submit
home=$PWD/target/bench/spark-home
model=models/fixtures/models/vit-p32-r64/model.pt   # 64 px ViT: its 400-token text tower takes no real labels
mkdir -p "$out"
if [ ! -f clip-spark/target/clip-spark.jar ] || [ ! -f "$home/RELEASE" ]; then
  mvn -q -o -B -pl clip-spark -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$PWD/$out/provided.classpath" -Dmdep.includeScope=provided
  rm -rf "$home"; mkdir -p "$home/jars"
  # Spark's jars and their dependencies, not this project's (those travel with --jars)
  tr ':' '\n' < "$out/provided.classpath" | grep -v "^$PWD/" | while read -r j; do ln -s "$j" "$home/jars/"; done
  echo "Spark $(ls "$home/jars" | sed -n 's/^spark-core_2.13-\(.*\)\.jar$/\1/p') assembled from Maven jars" > "$home/RELEASE"
fi
/usr/bin/python3 bench/spark_images.py "$out/images" "$n"
printf 'not a picture\n' > "$out/images/zz-notes.jpg"
rm -rf "$out/tags.parquet" "$home/work"   # the workers' folders (one per executor JVM, with its stderr)
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
 --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
libs=$(ls "$PWD"/clip-spark/target/lib/*.jar | paste -sd, -)
t0=$(date +%s.%N)
# shellcheck disable=SC2086
# SPARK_SCALA_VERSION: the worker's launcher looks for a build tree without it
SPARK_HOME=$home SPARK_SCALA_VERSION=2.13 java -Xmx1g $opens -cp "$home/jars/*" org.apache.spark.deploy.SparkSubmit \
  --master 'local-cluster[2,1,1536]' --conf spark.ui.enabled=false \
  --conf "spark.executor.extraJavaOptions=-Dai.djl.offline=true" \
  --jars "$libs" --files "$model" \
  --class io.clipkit.spark.SparkTagCommand clip-spark/target/clip-spark.jar \
  --input "$out/images" --output "$out/tags.parquet" --model model.pt --embeddings --partitions 4 \
  > "$out/driver.log" 2>&1 || { tail -40 "$out/driver.log"; exit 1; }
t1=$(date +%s.%N)
grep "^clip-spark:" "$out/driver.log"
grep -q "^clip-spark: $n ok, 1 failed or skipped" "$out/driver.log" || { echo "expected $n ok and the text file as an error row" >&2; exit 1; }
loads=$(cat "$home"/work/app-*/*/stderr | grep -c "^clip-spark: loaded model" || true)
jvms=$(ls -d "$home"/work/app-*/* | wc -l)
cat "$home"/work/app-*/*/stderr | grep "^clip-spark: loaded model"
python3 -c "print('wall %.1f s; %d executor JVMs, %d model loads' % ($t1 - $t0, $jvms, $loads))"
[ "$loads" -eq "$jvms" ] || { echo "expected one model load per executor JVM" >&2; exit 1; }
