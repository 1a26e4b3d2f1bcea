"""Semi-implicit (IMEX) Fourier-spectral time stepping: schemes as coefficient tables
(:mod:`~phasefield.timestepping.schemes`), one multistep stepper
(:mod:`~phasefield.timestepping.imex`), the spectral update described once
(:mod:`~phasefield.timestepping.update`), the layout of a step's work
(:mod:`~phasefield.timestepping.layout`, :mod:`~phasefield.timestepping.lanes`) and the
splitting of conserved fields (:mod:`~phasefield.timestepping.splitting`)."""

from __future__ import annotations

from .base import Stepper
from .control import StepControl
from .imex import MultistepIMEX, make_stepper
from .schemes import SCHEMES, Coefficients, Scheme, register_scheme, scheme_names

__all__ = [
    "SCHEMES",
    "Coefficients",
    "MultistepIMEX",
    "Scheme",
    "StepControl",
    "Stepper",
    "make_stepper",
    "register_scheme",
    "scheme_names",
]
