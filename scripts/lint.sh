#!/usr/bin/env bash
# Style check: swift-format (bundled with the Swift toolchain) with the repository's .swift-format
# (4-space indent, 160 columns, existing line breaks respected). Fails on any finding; fix with
#   swift format format -i -r Sources Tests Plugins Examples/AveragedSGD/Sources Examples/AveragedSGD/Tests Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict -r Sources Tests Plugins Examples/AveragedSGD/Sources Examples/AveragedSGD/Tests Package.swift
echo "lint: clean"
