"""The solidus watch of the Al–Mg model: the model has no liquid, so a run above the solidus
of some of its α is flagged."""

from __future__ import annotations

import warnings

import numpy as np

from ...handler import Cadence, Handler, RunContext
from ...thermo.equilibrium import solidus_temperature

__all__ = ["SolidusWarning", "SolidusWatch"]


class SolidusWarning(UserWarning):
    """The temperature is above the solidus of some α in the run (there is no liquid)."""


class SolidusWatch(Handler):
    """Every ``every_steps`` steps, compares the temperature with the solidus of the most
    Mg-rich α in the run; above it (partial melting, which the model does not represent) it
    warns once per crossing and records the time, temperature and solidus in
    ``run.extras["warnings"]`` (kept in checkpoints; the store's ``warnings`` attribute)."""

    def __init__(self, every_steps: int) -> None:
        self.cadence = Cadence(every_steps=every_steps)

    def start(self, run: RunContext) -> None:
        super().start(run)
        self.act(run)

    def act(self, run: RunContext) -> None:
        model, space, state = run.model, run.space, run.state
        temperature = model.temperature(state.time)
        fields = model.evaluate(state, space)
        xp = space.xp
        in_alpha = fields["h"] < 0.5
        richest = float(xp.max(xp.where(in_alpha, fields["c_alpha"], 0.0)))
        solidus = solidus_temperature(model.thermo, richest)
        above = solidus is not None and temperature > solidus
        if above and not bool(run.extras.get("above_solidus", False)):
            wt = float(model.composition.weight_percent(richest))
            message = (
                f"t = {state.time:.6g} s: T = {temperature:.1f} K is above the solidus "
                f"({solidus:.1f} K) of alpha with {wt:.2f} wt% Mg; the model has no liquid, so "
                "partial melting is not represented"
            )
            warnings.warn(message, SolidusWarning, stacklevel=2)
            earlier = [str(line) for line in run.extras.get("warnings", [])]
            run.extras["warnings"] = np.array([*earlier, message])
        run.extras["above_solidus"] = np.bool_(above)
