#!/usr/bin/env bash
# Fetch, on a machine that reaches PyPI, the wheels the GPU image lacks (Python 3.12, x86-64)
# into .whl/ at the repository root (ignored by git: `echo /.whl/ >> .git/info/exclude`).
# The GPU image already has numpy, scipy, numba, xarray, PyYAML, tqdm, matplotlib, pytest and
# CuPy; phasefield is used from the checkout (PYTHONPATH), so only what it imports is needed.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
platforms=()
for tag in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
    manylinux1_x86_64 manylinux_2_24_x86_64 manylinux_2_31_x86_64 manylinux_2_34_x86_64; do
    platforms+=(--platform "$tag")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp "${platforms[@]}" -d .whl \
    pyFFTW==0.15.1 zarr==3.1.6 numcodecs==0.16.6 donfig==0.8.1.post1 google-crc32c==1.9.0 \
    pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 \
    typing_extensions==4.16.0 platformdirs
du -sh .whl
