#!/usr/bin/env bash
# Regenerate the reference fixtures Tests/TrainingTests/Fixtures/<variant>.json: every learner's loss,
# gradients and 3 SGD steps computed by PyTorch autograd in float64 (benchmarks/reference/make_fixtures.py;
# checked by Tests/TrainingTests/ReferenceFixtureTests.swift). Deterministic: fixed seeds.
# Uses the virtual environment .venv/ (created if missing, gitignored) and installs torch into it if
# it is missing: the CPU-only build first, plain PyPI's if that index cannot be reached.
# Extra arguments go to the script, e.g. `bash scripts/make-fixtures.sh lowrank icl`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
if ! .venv/bin/python -c "import torch, numpy" 2>/dev/null; then
  .venv/bin/pip install --retries 1 --timeout 60 torch numpy --index-url https://download.pytorch.org/whl/cpu \
    || .venv/bin/pip install torch numpy
fi
.venv/bin/python benchmarks/reference/make_fixtures.py "$@"
