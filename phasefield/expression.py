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
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"syntax error at column {err.offset}: {err.msg}") from None
    names: set[str] = set()
    _check(tree.body, allowed, names)
    return Expression(source=source, tree=tree, names=frozenset(names))


def _available(allowed: frozenset[str]) -> str:
    variables = ", ".join(sorted(allowed | set(CONSTANTS)))
    return f"use the variables {variables} and the functions {', '.join(FUNCTIONS)}"


def _check(node: ast.AST, allowed: frozenset[str], names: set[str]) -> None:
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
        _check(node.left, allowed, names)
        _check(node.right, allowed, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, allowed, names)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], _COMPARE):
        _check(node.left, allowed, names)
        _check(node.comparators[0], allowed, names)
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
            _check(arg, allowed, names)
    else:
        raise ExpressionError(
            f"'{ast.unparse(node)}' is not allowed: only numbers, names, + - * / % **, "
            "comparisons inside where(), and function calls"
        )


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
