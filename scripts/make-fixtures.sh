#!/usr/bin/env bash
# Regenerate the reference fixtures Tests/TrainingTests/Fixtures/<variant>.json: every learner's loss,
# gradients and 3 SGD steps computed by PyTorch autograd in float64 (benchmarks/reference/make_fixtures.py;
# checked by Tests/TrainingTests/ReferenceFixtureTests.swift). Deterministic: fixed seeds.
# Uses the virtual environment .venv/ (created if missing, gitignored; shared with benchmarks/compare)
# and installs a CPU-only torch into it if torch is missing: a +cpu wheel from the pip find-links
# folder (PIP_FIND_LINKS) if there is one, else the CPU wheel index, else plain PyPI.
# Extra arguments go to the script, e.g. `bash scripts/make-fixtures.sh lowrank icl`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || "${PYTHON:-python3}" -m venv .venv
if ! "$PY" -c 'import torch' 2>/dev/null; then
  pytag=$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  wheel=""
  for dir in ${PIP_FIND_LINKS:-}; do
    [ -d "$dir" ] || continue
    wheel=$(ls "$dir"/torch-*+cpu-"$pytag"-"$pytag"-*x86_64.whl 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$wheel" ] && break
  done
  if [ -n "$wheel" ]; then
    .venv/bin/pip install --quiet numpy "$wheel"
  else
    .venv/bin/pip install --quiet --retries 1 numpy torch --index-url https://download.pytorch.org/whl/cpu \
      || .venv/bin/pip install --quiet numpy torch
  fi
fi
"$PY" benchmarks/reference/make_fixtures.py "$@"
