#!/usr/bin/env bash
# Install the system libraries Provable links against (OpenBLAS cblas, LAPACKE, GSL, SQLite for the
# run index) and gnuplot.
# As root: apt-get installs whatever is missing. Otherwise: prints the exact command and fails.
set -euo pipefail
pkgs=(libopenblas-dev liblapacke-dev libgsl-dev gnuplot-nox libsqlite3-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${pkgs[*]})"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${missing[@]}"
else
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
