"""The simulation state: what a checkpoint holds and a stepper advances."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Spectra", "State"]


class Spectra(Mapping[str, Any]):
    """The spectra of a state's fields, some of them derived from the real fields on demand.

    A stepper whose step of a field reads the real values only (the componentwise step of a
    grain structure, combined in real space) does not write that field's spectrum: it marks
    it :meth:`stale`, and reading it (``spectra[name]``, :meth:`items`, …) first derives it
    from the real field with ``refresh(name)``. The real field stays the state (what a
    checkpoint keeps, :meth:`is_derived`) until a step writes the spectrum again
    (:meth:`kept`). Each step still writes the mean (``k = 0``) coefficient of every
    component of a stale spectrum, so that :meth:`buffer` gives the mean modes as of the
    last step without a transform (the blow-up guard's witness).

    Parameters
    ----------
    buffers : mapping of str to array
        One spectral buffer per field (the stepper's own; written in place).
    refresh : callable, optional
        ``refresh(name)`` writes the normalised transform of the real field into
        ``buffers[name]``, keeping the real field; needed before any field is marked stale.
    """

    def __init__(
        self, buffers: Mapping[str, Any], refresh: Callable[[str], None] | None = None
    ) -> None:
        self._buffers = dict(buffers)
        self._refresh = refresh
        self._stale: set[str] = set()
        self._derived: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.derive(name)
        return self._buffers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._buffers)

    def __len__(self) -> int:
        return len(self._buffers)

    def buffer(self, name: str) -> Any:
        """The buffer of ``name`` as it is (for the stepper that writes it: no refresh)."""
        return self._buffers[name]

    def derive(self, name: str) -> None:
        """Compute the spectrum of ``name`` from its real field now, if it is stale."""
        if name in self._stale:
            assert self._refresh is not None
            self._refresh(name)
            self._stale.discard(name)

    def stale(self, name: str) -> None:
        """The real field of ``name`` changed and is the state; its spectrum is derived when
        read."""
        if self._refresh is None:
            raise ValueError(f"the spectrum of '{name}' cannot be derived: no refresh given")
        self._stale.add(name)
        self._derived.add(name)

    def kept(self, name: str) -> None:
        """The spectrum of ``name`` was written by a step: it is the state again."""
        self._stale.discard(name)
        self._derived.discard(name)

    def is_stale(self, name: str) -> bool:
        """Whether reading ``name`` would derive it from the real field first."""
        return name in self._stale

    def is_derived(self, name: str) -> bool:
        """Whether the real field of ``name`` is the state (its spectrum, stale or not, is
        derived from it)."""
        return name in self._derived


@dataclass
class State:
    """Fields, their spectra, time, step and the random stream of one run.

    A stepper advances the spectra and rebuilds the real fields from them, so ``fields[name]``
    is the inverse transform of ``spectral[name]``; where a step reads the real values only,
    the real field is what it advances and its spectrum is derived on demand (see
    :class:`Spectra`). A checkpoint stores the spectra that are current and the real values
    of the fields whose spectra are derived (so either way the real fields come back bit for
    bit), the clock and the RNG state; models hold nothing that changes.

    Attributes
    ----------
    fields : dict of str to array
        Real-space fields on the backend's device.
    spectral : Spectra
        Normalised Fourier coefficients of each field (see :mod:`phasefield.spectral`); a
        plain mapping given here is wrapped (its spectra are then never derived).
    time : float
        Model time.
    step : int
        Steps taken since ``t = 0``.
    rng : numpy.random.Generator
        The run's random stream (host side, so every backend draws the same numbers).
    history : dict of str to array or float
        What a multistep scheme keeps of earlier steps (spectra on the device, the last step
        as a float), checkpointed with the rest; empty for one-step schemes.
    revision : int
        Counts the changes of the fields in this process (steps, and changes made outside
        them that were resynchronised): values derived from the fields (grain labels) are
        valid while it stays the same. Not checkpointed.
    """

    fields: dict[str, Any]
    spectral: Spectra
    time: float = 0.0
    step: int = 0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    history: dict[str, Any] = field(default_factory=dict)
    revision: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.spectral, Spectra):
            self.spectral = Spectra(self.spectral)
