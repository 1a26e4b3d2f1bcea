"""The blow-up guard: stop a run whose solution is no longer finite, before it is saved."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...handler import Cadence, Handler, RunContext
from ..loop import BlowUpError

__all__ = ["BlowUpGuard", "check_finite"]


def _advice(run: RunContext, what: str) -> str:
    dt = run.config.time.dt
    return (
        f"the run blew up at t = {run.state.time:.6g} (step {run.state.step}): {what} is no longer "
        f"finite. Saves up to the last good one are in {run.store}. "
        f"Try a smaller time.dt (now {dt:g}; e.g. {dt / 4:g})."
    )


def check_finite(run: RunContext, fields: Mapping[str, Any], scalars: Mapping[str, float]) -> None:
    """Raise :class:`BlowUpError` if any field or scalar is NaN or infinite."""
    for name, value in scalars.items():
        if not math.isfinite(value):
            raise BlowUpError(_advice(run, f"the scalar '{name}'"))
    xp = run.backend.xp
    for name, values in fields.items():
        if not bool(xp.isfinite(values).all()):
            raise BlowUpError(_advice(run, f"the field '{name}'"))


class BlowUpGuard(Handler):
    """A cheap check after every few steps: one spectral coefficient per field.

    A non-finite value anywhere in real space spreads to every Fourier coefficient at the next
    forward transform, so the mean mode of each spectrum is a complete witness one step later.
    On a GPU the check synchronises the device, so it runs every ``every`` steps.
    """

    def __init__(self, every: int = 1) -> None:
        self.cadence = Cadence(every_steps=every)

    def act(self, run: RunContext) -> None:
        space = run.space
        spectra = run.state.spectral
        for name in spectra:  # mean modes are kept current in stale spectra too: no transform
            spectrum = spectra.buffer(name)
            components = space.components(spectrum)
            mean_modes = run.backend.to_host(spectrum.reshape(components, -1)[:, 0])
            if not np.all(np.isfinite(mean_modes)):
                raise BlowUpError(_advice(run, f"the field '{name}'"))
