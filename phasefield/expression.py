"""Safe arithmetic expressions: parsed once, checked against a whitelist, never ``eval``-ed.

One grammar serves initial conditions written by users (``0.5 + 0.01*cos(0.105*x)``) and the
pointwise kernels that models declare (``2*h*(c-a)*(b-c)*(a+b-2*c)``). An expression is parsed
with :mod:`ast`, every node is checked against a whitelist, and the tree is then either
evaluated with an array module (NumPy or CuPy) or rewritten into the source of a compiled
loop (see :mod:`phasefield.backend.compile`).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = ["CONSTANTS", "FUNCTIONS", "Expression", "ExpressionError", "parse_expression"]

#: Functions an expression may call, by name, with their arity.
FUNCTIONS: dict[str, int] = {
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "arcsin": 1,
    "arccos": 1,
    "arctan": 1,
    "arctan2": 2,
    "sinh": 1,
    "cosh": 1,
    "tanh": 1,
    "exp": 1,
    "log": 1,
    "log10": 1,
    "sqrt": 1,
    "abs": 1,
    "minimum": 2,
    "maximum": 2,
    "where": 3,
}

#: Named constants available in every expression.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod)

#: Limits on an expression: characters of its text, nodes of its tree, and nesting depth (a
#: sum of n terms nests n deep; the pointwise terms of the models have up to 700 nodes and a
#: depth of 17). Evaluation and code generation recurse through the tree.
MAX_LENGTH = 10_000
MAX_NODES = 5_000
MAX_DEPTH = 200
_COMPARE = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class ExpressionError(ValueError):
    """An expression that does not parse or uses something outside the whitelist."""


@dataclass(frozen=True)
class Expression:
    """A checked expression.

    Attributes
    ----------
    source : str
        The text as written.
    tree : ast.Expression
        The parsed tree, already checked against the whitelist.
    names : frozenset of str
        The free variable names the expression reads (constants and functions excluded).
    """

    source: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, xp: ModuleType, values: Mapping[str, Any]) -> Any:
        """Evaluate with the array module ``xp`` (``numpy`` or ``cupy``).

        Parameters
        ----------
        xp : module
            Supplies the functions (``xp.sin``, ``xp.where``, ...).
        values : mapping
            A value (array or scalar) for every name in :attr:`names`.
        """
        missing = self.names - set(values)
        if missing:
            raise ExpressionError(f"no value given for {', '.join(sorted(missing))}")
        return _Evaluator(xp, values).visit(self.tree.body)

    def compile(self, xp: ModuleType) -> Callable[..., Any]:
        """A callable ``f(**values)`` that evaluates the expression with ``xp``."""

        def evaluate(**values: Any) -> Any:
            return self.evaluate(xp, values)

        return evaluate


def parse_expression(source: str, allowed_names: Iterable[str]) -> Expression:
    """Parse ``source`` and check it against the whitelist.

    Parameters
    ----------
    source : str
        The expression, in Python syntax (``**`` for powers).
    allowed_names : iterable of str
        The variable names it may read, besides :data:`CONSTANTS`.

    Raises
    ------
    ExpressionError
        On a syntax error, a forbidden construct (attribute access, subscripts, keywords,
        lambdas, ...), an unknown function or a name that is not allowed. The message says
        which names and functions are available.
    """
    allowed = frozenset(allowed_names)
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression has {len(source)} characters, more than {MAX_LENGTH}; write it "
            "shorter, or give the values as a .npy file"
        )
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"syntax error at column {err.offset}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"the expression is nested too deeply (at most {MAX_DEPTH})"
        ) from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise ExpressionError(f"the expression has {nodes} terms, more than {MAX_NODES}")
    names: set[str] = set()
    _check(tree.body, allowed, names)
    _fold(tree.body)
    return Expression(source=source, tree=tree, names=frozenset(names))


def _available(allowed: frozenset[str]) -> str:
    variables = ", ".join(sorted(allowed | set(CONSTANTS)))
    return f"use the variables {variables} and the functions {', '.join(FUNCTIONS)}"


def _check(node: ast.AST, allowed: frozenset[str], names: set[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError(
            f"the expression is nested too deeply (at most {MAX_DEPTH} levels; a sum of n "
            "terms nests n deep)"
        )
    depth += 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"the constant {node.value!r} is not a number")
    elif isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return
        if node.id not in allowed:
            raise ExpressionError(f"the name '{node.id}' is not allowed; {_available(allowed)}")
        names.add(node.id)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINARY):
        _check(node.left, allowed, names, depth)
        _check(node.right, allowed, names, depth)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, allowed, names, depth)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], _COMPARE):
        _check(node.left, allowed, names, depth)
        _check(node.comparators[0], allowed, names, depth)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = ast.unparse(node.func)
            raise ExpressionError(f"the function '{called}' is not allowed; {_available(allowed)}")
        if node.keywords:
            raise ExpressionError(f"'{node.func.id}' takes no keyword arguments")
        arity = FUNCTIONS[node.func.id]
        if len(node.args) != arity:
            raise ExpressionError(
                f"'{node.func.id}' takes {arity} argument(s), got {len(node.args)}"
            )
        for arg in node.args:
            _check(arg, allowed, names, depth)
    else:
        raise ExpressionError(
            f"'{ast.unparse(node)}' is not allowed: only numbers, names, + - * / % **, "
            "comparisons inside where(), and function calls"
        )


def _fold(node: ast.AST) -> float | None:
    """The value of a checked subtree made of constants only (None where it reads a name),
    computed in floats to refuse at parse time what would fail at every point: division or
    modulo by a constant zero, and constant parts that overflow or are not real numbers."""
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # checked: a number
    if isinstance(node, ast.Name):
        return CONSTANTS.get(node.id)
    parts: list[float | None]
    if isinstance(node, ast.BinOp):
        parts = [_fold(node.left), _fold(node.right)]
        right = parts[1]
        if isinstance(node.op, ast.Div | ast.Mod) and right == 0.0:
            raise ExpressionError(f"'{ast.unparse(node)}' divides by zero")
    elif isinstance(node, ast.UnaryOp):
        parts = [_fold(node.operand)]
    elif isinstance(node, ast.Compare):
        parts = [_fold(node.left), _fold(node.comparators[0])]
    elif isinstance(node, ast.Call):
        parts = [_fold(arg) for arg in node.args]
    else:  # pragma: no cover - _check admits nothing else
        return None
    if any(part is None for part in parts):
        return None
    try:
        value = _FloatEvaluator(_ScalarMath, {}).visit(node)  # type: ignore[arg-type]
    except (OverflowError, ZeroDivisionError, ValueError):
        value = math.nan
    if not isinstance(value, float | int) or not math.isfinite(value):
        raise ExpressionError(f"'{ast.unparse(node)}' is not a finite real number")
    return float(value)


class _ScalarMath:
    """The whitelisted functions on Python floats (for :func:`_fold`)."""

    sin, cos, tan = math.sin, math.cos, math.tan
    arcsin, arccos, arctan, arctan2 = math.asin, math.acos, math.atan, math.atan2
    sinh, cosh, tanh, exp = math.sinh, math.cosh, math.tanh, math.exp
    log, log10, sqrt = math.log, math.log10, math.sqrt
    abs = staticmethod(abs)
    minimum, maximum = staticmethod(min), staticmethod(max)

    @staticmethod
    def where(condition: Any, if_true: float, if_false: float) -> float:
        return if_true if condition else if_false


class _Evaluator(ast.NodeVisitor):
    def __init__(self, xp: ModuleType, values: Mapping[str, Any]) -> None:
        self.xp = xp
        self.values = values

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        return self.values[node.id]

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        match node.op:
            case ast.Add():
                return left + right
            case ast.Sub():
                return left - right
            case ast.Mult():
                return left * right
            case ast.Div():
                return left / right
            case ast.Pow():
                return left**right
            case ast.Mod():
                return left % right
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        return -operand if isinstance(node.op, ast.USub) else +operand

    def visit_Compare(self, node: ast.Compare) -> Any:
        left, right = self.visit(node.left), self.visit(node.comparators[0])
        match node.ops[0]:
            case ast.Lt():
                return left < right
            case ast.LtE():
                return left <= right
            case ast.Gt():
                return left > right
            case ast.GtE():
                return left >= right
        raise ExpressionError(f"comparison {type(node.ops[0]).__name__} is not allowed")

    def visit_Call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        args = [self.visit(arg) for arg in node.args]
        return getattr(self.xp, node.func.id)(*args)


class _FloatEvaluator(_Evaluator):
    """Evaluates constants as floats (an integer power of integers could take forever)."""

    def visit_Constant(self, node: ast.Constant) -> Any:
        return float(node.value)  # type: ignore[arg-type]  # checked: a number
