"""The Schwarz-structure law of the Al–Mg model, and the handler that applies it to grains.

The seed (Xu et al., Science 373, 683 (2021), doi:10.1126/science.abh0700) reads the stability
of its 8 nm Schwarz-structured alloy as a kinetic constraint that holds until the structure is
lost. With ``f`` the local Schwarz fraction:

.. math::
    s(f, T) = \\exp\\!\\Big(-\\frac{f\\,\\Delta Q_S}{R T}\\Big), \\qquad
    \\frac{df}{dt} = -\\nu_S\\,e^{-Q_S/(R T)}\\,f, \\qquad
    f \\le f_{max}(d) = \\frac{1}{1 + (d/d_S)^n},

``s`` multiplying every mobility and diffusivity where the structure is, the second the thermal
loss, the third the loss of a grain of equivalent diameter ``d`` that outgrows the structure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...grains import grain_labels
from ...grains.statistics import equivalent_diameter
from ...handler import Cadence, Handler, RunContext, since_last
from ...materials import GAS_CONSTANT, AlMgMaterial

__all__ = ["SchwarzHandler", "SchwarzLaw"]


@dataclass(frozen=True)
class SchwarzLaw:
    suppression_energy: float  # ΔQ_S, J/mol
    loss_prefactor: float  # ν_S, 1/s
    loss_energy: float  # Q_S, J/mol
    critical_size: float  # d_S, m
    size_exponent: float  # n

    @classmethod
    def of(cls, material: AlMgMaterial) -> SchwarzLaw:
        law = material.schwarz
        return cls(
            law.suppression_energy.at(300.0),
            law.loss_prefactor.at(300.0),
            law.loss_energy.at(300.0),
            law.critical_size.at(300.0),
            law.size_exponent.at(300.0),
        )

    def exponent(self, temperature: float) -> float:
        """``ΔQ_S / (R T)``."""
        return self.suppression_energy / (GAS_CONSTANT * temperature)

    def suppression(self, fraction: float, temperature: float) -> float:
        """``s(f, T)``: the factor a Schwarz fraction ``f`` puts on transport."""
        return math.exp(-fraction * self.exponent(temperature))

    def loss_rate(self, temperature: float) -> float:
        """``ν_S exp(-Q_S/(R T))`` (1/s)."""
        return self.loss_prefactor * math.exp(-self.loss_energy / (GAS_CONSTANT * temperature))

    def cap(self, diameter: Any) -> Any:
        """``f_max(d)``: the most structure a grain of equivalent diameter ``d`` keeps."""
        return 1.0 / (1.0 + (diameter / self.critical_size) ** self.size_exponent)


class SchwarzHandler(Handler):
    """Every ``every_steps`` steps, brings the Schwarz fraction up to date (:class:`SchwarzLaw`):

    .. math:: f_g \\leftarrow \\min\\big(\\bar f_g\\,e^{-k_S(T)\\,\\Delta t},\\; f_{max}(d_g)\\big),

    for every grain ``g`` (``f̄_g`` its mean fraction, ``d_g`` its equivalent diameter), so the
    structure is a property of grains and their boundaries, lost at high temperature and as
    grains outgrow it; cells of no grain (β) only decay. ``T`` is taken at the middle of the
    interval.
    """

    def __init__(self, every_steps: int, exclude: Callable[[RunContext], Any]) -> None:
        self.cadence = Cadence(every_steps=every_steps)
        self.exclude = exclude

    def start(self, run: RunContext) -> None:
        super().start(run)
        if "schwarz_time" not in run.extras:
            run.extras["schwarz_time"] = np.float64(run.state.time)
            self.act(run)  # a start outgrown by its grains loses its structure at once

    def act(self, run: RunContext) -> None:
        start, now = since_last(run, "schwarz_time")
        run.extras["schwarz_time"] = np.float64(now)
        model, space, state = run.model, run.space, run.state
        backend, grid, xp = space.backend, space.grid, space.xp
        schwarz = state.fields["f_schwarz"]
        if backend.maximum(schwarz) <= 0.0:
            return
        temperature = model.temperature(0.5 * (start + now))
        law = model.schwarz
        decay = math.exp(-law.loss_rate(temperature) * (now - start))
        labels, _, count = grain_labels(state.fields["eta"], backend, grid.ndim, self.exclude(run))
        flat = labels.reshape(-1)
        cells = xp.bincount(flat, minlength=count + 1).astype(xp.float64)
        total = xp.bincount(
            flat, weights=schwarz.reshape(-1).astype(xp.float64), minlength=count + 1
        )
        mean = total / xp.maximum(cells, 1.0)
        diameter = equivalent_diameter(cells * grid.cell_volume, grid.ndim)
        grain = xp.minimum(mean * decay, law.cap(diameter))
        updated = xp.where(labels > 0, grain[labels], schwarz * decay)
        schwarz[...] = updated.astype(schwarz.dtype)
