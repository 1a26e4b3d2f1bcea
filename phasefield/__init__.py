"""phasefield: a Fourier-spectral phase-field solver for CPU (NumPy + pyFFTW) and GPU (CuPy).

>>> import phasefield as pf
>>> cfg = pf.load_config("runs/spinodal_2d.yaml")      # doctest: +SKIP
>>> ds = pf.run(cfg, out="out/spinodal.zarr")          # doctest: +SKIP
>>> ds = pf.open_run("out/spinodal.zarr")              # doctest: +SKIP
>>> grids = pf.open_grids("out/grain_growth_2d.zarr")  # doctest: +SKIP (one per grid)
"""

from __future__ import annotations

from .config import ConfigError, RunConfig, load_config
from .distribution import VERSION as __version__
from .plotting import PlotError, plot
from .simulation.loop import BlowUpError
from .simulation.runner import run
from .simulation.store import StoreError, open_grids, open_run

__all__ = [
    "BlowUpError",
    "ConfigError",
    "PlotError",
    "RunConfig",
    "StoreError",
    "__version__",
    "load_config",
    "open_grids",
    "open_run",
    "plot",
    "run",
]
