#!/usr/bin/env bash
# The test command: install what is missing, build optimized with testing enabled (the scaling-law
# tests train real models), run the whole default suite. PROVABLE_SLOW=1 adds the slow tests (every low-rank and ICL claim re-verified in Float).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
