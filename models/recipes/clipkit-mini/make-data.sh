#!/usr/bin/env bash
# Data recipe for the bundled model clipkit-mini (issue 11, part 2).
#
#   models/recipes/clipkit-mini/make-data.sh OUT [--cache DIR] [--size PX] [--no-textures] [--jobs N]
#
# 1. brings the source packages into the cache (default OUT/.sources): Debian packages with
#    `apt-get download` + `dpkg-deb -x` (nothing is installed system-wide except librsvg2-bin,
#    the SVG renderer, if missing), npm packages with `npm pack` + tar; a package that cannot be
#    had is skipped with a logged message and the recipe goes on without it;
# 2. runs make_pairs.py, which renders the images and writes OUT/pairs.tsv, OUT/heldout.tsv,
#    OUT/concepts.tsv, OUT/heldout/ and OUT/eval-photos/ (folder per class), OUT/counts.tsv and
#    OUT/sources.tsv (package versions and licence files);
# 3. runs make_photo_eval.py: OUT/eval-gcompris-photos/ and OUT/eval-gcompris-drawings/, GCompris's
#    photographs and word-game drawings, a folder per label, for evaluation only (never training).
# 4. runs make_drawing_eval.py: OUT/eval-ktuberling-drawings/, KTuberling's stamps (KDE), a drawing
#    style none of the training sources has, a folder per label, for evaluation only.
# Reproducible: pinned package versions are recorded, inputs are sorted, every random choice is a
# function of a fixed seed and the item's name.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 OUT [--cache DIR] [make_pairs.py options]" >&2; exit 2; }
out="$1"; shift
cache="$out/.sources"
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
mkdir -p "$out" "$cache/debs" "$cache/deb" "$cache/npm"
cache="$(cd "$cache" && pwd)"
log="$out/recipe.log"
: > "$log"
say() { echo "$*" | tee -a "$log" >&2; }

# Training sources, text sources, and (evaluation only) the packages with the photographs and
# KTuberling's stamps (a drawing style none of the training sources has).
DEBS="fonts-noto-color-emoji tuxpaint-stamps-default pysiogame gcompris-qt-data openclipart-png
      unicode-cldr-core wordnet-base python3-skimage python3-sklearn python-matplotlib-data
      ktuberling-data"
NPMS="emoji-datasource-twitter @lobehub/fluent-emoji-3d openmoji"

apt_updated=""
for p in $DEBS; do
  if [ -f "$cache/deb/$p/.done" ]; then continue; fi
  deb=$(ls "$cache/debs/${p}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    if ! (cd "$cache/debs" && apt-get download "$p" >>"$log" 2>&1); then
      if [ -z "$apt_updated" ] && [ "$(id -u)" = 0 ]; then
        apt_updated=1; apt-get update -q >>"$log" 2>&1 || true
        (cd "$cache/debs" && apt-get download "$p" >>"$log" 2>&1) || true
      fi
    fi
    deb=$(ls "$cache/debs/${p}_"*.deb 2>/dev/null | head -1 || true)
  fi
  if [ -z "$deb" ]; then say "SKIP debian package $p: not downloadable (see $log)"; continue; fi
  rm -rf "$cache/deb/$p"; mkdir -p "$cache/deb/$p"
  dpkg-deb -x "$deb" "$cache/deb/$p"
  dpkg-deb -f "$deb" Version > "$cache/deb/$p/.version"
  touch "$cache/deb/$p/.done"
  say "debian $p $(cat "$cache/deb/$p/.version")"
done

for p in $NPMS; do
  d="$cache/npm/$(echo "$p" | tr -d @ | tr / -)"
  if [ -f "$d/.done" ]; then continue; fi
  tgz=$(cd "$cache/npm" && npm pack "$p" --silent 2>>"$log" | tail -1 || true)
  if [ -z "$tgz" ] || [ ! -f "$cache/npm/$tgz" ]; then say "SKIP npm package $p: npm pack failed (see $log)"; continue; fi
  rm -rf "$d"; mkdir -p "$d"
  tar xzf "$cache/npm/$tgz" -C "$d"
  echo "$tgz" > "$d/.version"
  touch "$d/.done"
  say "npm $p $tgz"
done

if ! command -v rsvg-convert >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q librsvg2-bin >>"$log" 2>&1 || say "SKIP librsvg2-bin: apt-get install failed"
  fi
  command -v rsvg-convert >/dev/null || say "no rsvg-convert: SVG sources (OpenMoji, GCompris, SVG stamps) are skipped"
fi

start=$(date +%s)
/usr/bin/python3 "$here/make_pairs.py" --cache "$cache" --out "$out" "${pass[@]}" 2>&1 | tee -a "$log"
say "make_pairs.py took $(( $(date +%s) - start )) s"
# the drawing styles weighted up against the four emoji styles (pairs-balanced.tsv; see the model card)
/usr/bin/python3 "$here/balance_pairs.py" "$out/pairs.tsv" "$out/pairs-balanced.tsv" 2>&1 | tee -a "$log"
/usr/bin/python3 "$here/balance_pairs.py" "$out/pairs.jsonl" "$out/pairs-balanced.jsonl" 2>&1 | tee -a "$log"
# evaluation only: GCompris's photographs and its word game's drawings, a folder per label
if [ -d "$cache/deb/gcompris-qt-data" ]; then
  /usr/bin/python3 "$here/make_photo_eval.py" --cache "$cache" --out "$out" 2>&1 | tee -a "$log"
fi
# evaluation only: KTuberling's stamps, a drawing style outside the training sources, a folder per label
if [ -d "$cache/deb/ktuberling-data" ]; then
  /usr/bin/python3 "$here/make_drawing_eval.py" --cache "$cache" --out "$out" 2>&1 | tee -a "$log"
fi
