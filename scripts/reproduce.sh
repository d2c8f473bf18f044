#!/usr/bin/env bash
# The main job: install what is missing, build in release mode, reproduce every figure of every
# implemented paper into figures/<paper>/ (runs under runs/; re-running skips finished points), then
# write the verification report (report/index.html, report/index.md): every claim of every paper,
# predicted against measured, from the same runs.
# `sim reproduce all` runs every paper with a scenarios/<paper>/ directory, in name order, and
# prints the total wall time at the end.
# Extra arguments go to `sim reproduce` (e.g. --smoke, --jobs 2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product sim
SIM=$(swift build -c release --show-bin-path)/sim
"$SIM" reproduce all --out . "$@"
# Every claim's scenario has just run, so this only aggregates, judges and renders (seconds). With
# --smoke the report is a smoke-fidelity one (plumbing only, and it says so).
fidelity=standard
for a in "$@"; do [ "$a" = "--smoke" ] && fidelity=smoke; done
"$SIM" verify all --fidelity "$fidelity" --out . --report report
