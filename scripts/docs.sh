#!/usr/bin/env bash
# API documentation of the library products with swift-docc-plugin: one static site per module under
# .build/docs/<Module>/ (serve the directory, e.g. `python3 -m http.server`, and open <Module>/documentation/<module>).
# A warning (a broken symbol link in a catalog, an undocumented parameter of a documented function)
# fails the script, so CI catches a stale catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/docs}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log=$(mktemp)
for target in ProvableNumerics DataModels Training Plots Sim ProvableExport SimCommandLine; do
  if ! swift package --allow-writing-to-directory "$out" generate-documentation --target "$target" \
       --output-path "$out/$target" --transform-for-static-hosting >"$log" 2>&1; then
    cat "$log" >&2; echo "docs: $target failed" >&2; exit 1
  fi
  if grep -E "(warning|error):" "$log" >&2; then
    echo "docs: $target has the documentation warnings above" >&2; exit 1
  fi
  echo "docs: $out/$target"
done
rm -f "$log"
