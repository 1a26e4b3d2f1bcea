"""The array path of the pointwise kernels: whole-array operations of ``xp``.

What a GPU runs (CuPy), and on NumPy what lets the tests check that path's logic on a CPU.
Stacks are processed one component at a time with grid-sized temporaries: a stack-sized one
would not fit beside the fields of a large run on a GPU.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..expression import Expression, parse_expression
from .protocol import Backend

__all__ = ["ArrayKernels", "is_array", "split_operands"]

_SQUARE = parse_expression("u * u", ["u"])
_QUARTIC = parse_expression("(u * u) * (u * u)", ["u"])


def is_array(value: Any) -> bool:
    return hasattr(value, "shape") and getattr(value, "ndim", 0) > 0


def split_operands(operands: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names of the array operands and of the scalar ones, each sorted (a kernel's signature)."""
    arrays = tuple(sorted(name for name, value in operands.items() if is_array(value)))
    scalars = tuple(sorted(name for name in operands if name not in arrays))
    return arrays, scalars


def _component(stacks: Mapping[str, Any], index: int, dtype: Any = None) -> dict[str, Any]:
    """One component of each stack (in ``dtype`` if given)."""
    if dtype is None:
        return {name: stack[index] for name, stack in stacks.items()}
    return {name: stack[index].astype(dtype) for name, stack in stacks.items()}


class ArrayKernels(Backend):
    """The pointwise kernels as array operations of :attr:`xp`."""

    def evaluate(self, expression: Expression, out: Any, operands: Mapping[str, Any]) -> Any:
        out[...] = expression.evaluate(self.xp, operands)
        return out

    def reduce_sum(self, expression: Expression, operands: Mapping[str, Any]) -> float:
        arrays, _ = split_operands(operands)
        if not arrays:
            raise ValueError("reduce_sum needs at least one array operand")
        values = {
            name: value.astype(self.xp.float64) if is_array(value) else value
            for name, value in operands.items()
        }
        return float(self.xp.sum(expression.evaluate(self.xp, values)))

    def evaluate_stack(
        self,
        expression: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        sums, operands = dict(sums or {}), dict(operands or {})
        values = {**operands, **self._component_sums(stacks, sums, operands)}
        for component in range(out.shape[0]):
            values.update(_component(stacks, component))
            out[component] = expression.evaluate(self.xp, values)
        return out

    def sum_components(
        self,
        term: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        out[...] = self._component_sums(stacks, {"sum": term}, dict(operands or {}))["sum"]
        return out

    def reduce_stack(
        self,
        expression: Expression,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> float:
        sums, operands = dict(sums or {}), dict(operands or {})
        totals = self._component_sums(stacks, sums, operands, self.xp.float64)
        return float(self.xp.sum(expression.evaluate(self.xp, {**operands, **totals})))

    def _component_sums(
        self,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression],
        operands: Mapping[str, Any],
        dtype: Any = None,
    ) -> dict[str, Any]:
        """Each per-point sum over the components of ``stacks``, added up one component at a
        time in component order (grid-sized temporaries); in ``dtype`` if given."""
        totals: dict[str, Any] = {}
        components = next(iter(stacks.values())).shape[0]
        for component in range(components):
            values = {**operands, **_component(stacks, component, dtype)}
            for name, term in sums.items():
                value = term.evaluate(self.xp, values)
                if name in totals:
                    totals[name] += value
                else:
                    totals[name] = self.xp.array(value, dtype=dtype or value.dtype, copy=True)
        return totals

    def stack_sums(self, stack: Any, squares: Any, quartics: Any) -> None:
        totals = self._component_sums({"u": stack}, {"s": _SQUARE, "q": _QUARTIC}, {})
        squares[...] = totals["s"]
        quartics[...] = totals["q"]

    def maximum(self, values: Any) -> float:
        return float(self.xp.max(values))

    def spectral_power(self, spectral: Any, k2: Any, weights: Any) -> float:
        xp = self.xp
        stack = spectral if spectral.ndim > k2.ndim else spectral[None]
        factor = k2.astype(xp.float64) * weights.astype(xp.float64)
        total = 0.0
        for component in stack:  # one component at a time (see _component_sums)
            power = component.real.astype(xp.float64) ** 2 + component.imag.astype(xp.float64) ** 2
            total += float(xp.sum(power * factor))
        return total
