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
# pandas, for the test that loads the exports as a user would (ExportTests): a local virtual
# environment, created once. PROVABLE_REQUIRE_PANDAS makes that test fail rather than skip.
if [ ! -x .venv-tools/bin/python ] || ! .venv-tools/bin/python -c 'import pandas' 2>/dev/null; then
  echo "== installing pandas into .venv-tools/"
  rm -rf .venv-tools
  python3 -m venv .venv-tools && .venv-tools/bin/pip install --quiet pandas || echo "could not install pandas (see above)" >&2
fi
if .venv-tools/bin/python -c 'import pandas' 2>/dev/null; then
  export PROVABLE_PYTHON="$PWD/.venv-tools/bin/python" PROVABLE_REQUIRE_PANDAS=1
else
  echo "pandas is not available: the test that loads the exports with pandas is skipped" >&2
fi
if [ "$#" -eq 0 ] && [ "${PROVABLE_DEBUG_TESTS:-1}" != "0" ]; then
  echo "== debug build: Numerics, DataModels and Training unit tests with every check on"
  swift build --build-path .build-debug --build-tests
  swift test --build-path .build-debug --skip-build --filter 'NumericsTests|DataModelsTests|TrainingTests'
fi
echo "== release build: the whole suite"
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
