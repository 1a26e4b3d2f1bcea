#!/usr/bin/env bash
# Issue 4's GPU checks in one device call. Here first: bash benchmarks/device/wheels.sh; then
#   run(command="bash benchmarks/device/issue4.sh", carry=[".whl"], timeout_s=600)
# Tables and logs land in $OUT (summary.txt, tests.txt, grains.txt). On a CPU, to try the
# script itself: NO_WHEELS=1 OUT=/tmp/o bash benchmarks/device/issue4.sh runs/grain_growth_3d_cpu.yaml --backend numpy
set -uo pipefail
cd "$(dirname "$0")/../.."
export OUT=${OUT:-/tmp/phasefield-device} PYTHONUNBUFFERED=1
mkdir -p "$OUT"
if [ -d .whl ] && [ -z "${NO_WHEELS:-}" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
else
    export PYTHONPATH=$PWD
fi
(nvidia-smi || true) > "$OUT/device.txt" 2>&1
timeout 560 python3 benchmarks/device/issue4.py "$@" 2>&1 | tail -40
