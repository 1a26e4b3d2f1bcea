"""The distribution's name on the package index and its version: the one place each is written.

The import name (``import phasefield``) and the command (``phasefield``) stay ``phasefield``; the
distribution is ``phasefield-spectral``, because ``phasefield`` on the package index is an
unrelated project. ``pyproject.toml`` reads :data:`VERSION` from here (setuptools' ``attr:``,
read without importing the package); ``CITATION.cff`` repeats it and a test keeps the two equal.
"""

from __future__ import annotations

__all__ = ["DISTRIBUTION", "GPU_INSTALL", "VERSION"]

#: The distribution's name on the package index (``pip install phasefield-spectral``).
DISTRIBUTION = "phasefield-spectral"

#: The package's version (PEP 440).
VERSION = "0.2.0.dev0"

#: How to add the GPU extra (CuPy for CUDA 12), from a clone or from the package index.
GPU_INSTALL = f"pip install \".[gpu]\" in a clone, or pip install '{DISTRIBUTION}[gpu]'"
