#!/usr/bin/env bash
# The main job: install what is missing, build in release mode, reproduce every figure of every
# implemented paper into figures/<paper>/ (runs under runs/; re-running skips finished points).
# Extra arguments go to `sim reproduce` (e.g. --smoke, --jobs 2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product sim
SIM=$(swift build -c release --show-bin-path)/sim
# Every paper with a scenarios/<paper>/ directory, in a fixed order.
for dir in scenarios/*/; do
  "$SIM" reproduce "$(basename "$dir")" --out . "$@"
done
