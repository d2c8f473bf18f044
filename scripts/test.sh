#!/usr/bin/env bash
# The test command: install what is missing, build optimized with testing enabled (the scaling-law
# tests train real models), run the whole default suite. PROVABLE_SLOW=1 adds the slow tests (every
# low-rank and ICL claim re-verified in Float).
#
# Without arguments it first runs the Numerics, DataModels and Training unit tests in a debug build
# (.build-debug/, small shapes): every assertion and precondition, bounds and overflow check executes
# there, including those the release build's optimizer removes once it proves them redundant.
# PROVABLE_DEBUG_TESTS=0 skips that step. Arguments (e.g. --filter X) go to the release run only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ "$#" -eq 0 ] && [ "${PROVABLE_DEBUG_TESTS:-1}" != "0" ]; then
  echo "== debug build: Numerics, DataModels and Training unit tests with every check on"
  swift build --build-path .build-debug --build-tests
  swift test --build-path .build-debug --skip-build --filter 'NumericsTests|DataModelsTests|TrainingTests'
fi
echo "== release build: the whole suite"
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
