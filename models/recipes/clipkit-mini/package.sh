#!/usr/bin/env bash
# Packages a clipkit-mini training run (the folder `clip train -o RUN_DIR` wrote) into the
# clipkit-mini Maven artifact's resource folder, ready to commit:
#
#   models/recipes/clipkit-mini/package.sh RUN_DIR [--templates FILE] [--out DIR]
#
#   RUN_DIR           open_clip_model.safetensors (fp32) + open_clip_config.json
#   --templates FILE  the model's default prompt templates, one per line ('#' comments);
#                     default: templates.txt beside this script, else '{}' (the label as is:
#                     the recipe's captions are bare names)
#   --out DIR         default clip-model-mini/src/main/resources/io/clipkit/models/clipkit-mini
#
# Writes the weights in fp16 (integer tensors keep their type), the config with the templates
# under "clipkit", this folder's MODEL_CARD.md, and files.sha256 (what BundledModels verifies).
# Deterministic: the same run gives the same bytes. Needs /usr/bin/python3 with numpy.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
run="${1:?usage: package.sh RUN_DIR [--templates FILE] [--out DIR]}"
shift
templates=""
out="$root/clip-model-mini/src/main/resources/io/clipkit/models/clipkit-mini"
while [ $# -gt 0 ]; do
  case "$1" in
    --templates) templates="${2:?--templates needs a FILE}"; shift 2 ;;
    --out) out="${2:?--out needs a DIR}"; shift 2 ;;
    *) echo "package.sh: unknown argument '$1' (expected --templates FILE or --out DIR)" >&2; exit 2 ;;
  esac
done
if [ -z "$templates" ] && [ -f "$here/templates.txt" ]; then
  templates="$here/templates.txt"
fi
args=("$run" "$out" --card "$here/MODEL_CARD.md")
if [ -n "$templates" ]; then
  args+=(--templates "$templates")
fi
exec /usr/bin/python3 "$root/models/tools/bundle/bundle_model.py" "${args[@]}"
