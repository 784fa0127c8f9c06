#!/usr/bin/env bash
# Removes what a production install never reads at run time from a node_modules folder: source
# maps (*.map) and type declarations (*.d.ts, *.d.mts, *.d.cts). With NestJS 12 these are about
# 65 of the ~155 MiB `npm ci --omit=dev --omit=optional` installs (docs/upgrading.md). The image
# starts node without --enable-source-maps, so no stack trace changes; nothing compiles there.
# Usage: bash scripts/prune-node-modules.sh [node_modules folder, default ./node_modules]
set -euo pipefail
dir="${1:-node_modules}"
if [ ! -d "$dir" ]; then
  echo "prune-node-modules: no folder $dir" >&2
  exit 1
fi
find "$dir" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete
