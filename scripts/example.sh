#!/usr/bin/env bash
# Papers outside the engine, the way a researcher adds one (docs/adding-a-paper.md):
# 1. Examples/AveragedSGD, its own package depending on this checkout by path: build, test, and verify
#    its claims at standard fidelity (--strict: exit 3 unless every claim holds);
# 2. `sim new paper demo`: the written skeleton builds, its tests pass and its claim holds at once.
# Neither touches a file outside its own directory.
set -euo pipefail
provable=$(cd "$(dirname "$0")/.." && pwd)

echo "== Examples/AveragedSGD: build, test, sim verify"
cd "$provable/Examples/AveragedSGD"
swift build -c release
swift test -c release
out=$(mktemp -d)
.build/release/example-sim verify asgd --out "$out" --report "$out/report" --jobs 2 --strict
echo "Examples/AveragedSGD: claims verified (report: $out/report)"

echo "== sim new paper demo"
cd "$provable"
sim="$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/sim"
tmp=$(mktemp -d)
"$sim" new paper demo --out "$tmp" --provable "$provable"
cd "$tmp/demo"
swift build -c release
swift test -c release
.build/release/demo-sim verify demo --out "$tmp/demo-out" --report "$tmp/demo-out/report" --jobs 2 --strict
echo "sim new paper demo: builds, tests pass, claim holds"
