from __future__ import annotations

import numpy as np
import pytest

from phasefield.expression import ExpressionError, parse_expression


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("__import__('os').system('true')", "is not allowed"),
        ("__import__('os')", "'__import__' is not allowed"),
        ("x.__class__", "is not allowed"),
        ("open('f')", "'open' is not allowed"),
        ("q + 1", "the name 'q' is not allowed"),
        ("[1, 2]", "is not allowed"),
        ("lambda: 1", "is not allowed"),
        ("sin(x, y)", "takes 1 argument"),
        ("sin(x=1)", "no keyword"),
        ("1 +", "syntax error"),
        ("'text'", "not a number"),
        ("", "empty"),
        ("x if x else y", "is not allowed"),
    ],
)
def test_forbidden_expressions_are_rejected_with_the_reason(source, fragment):
    with pytest.raises(ExpressionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_expression(source, ["x", "y"])


def test_evaluation_matches_numpy():
    x = np.linspace(0, 10, 11)
    expression = parse_expression(
        "0.5 + 0.01*cos(0.105*x)*sin(pi*y/Ly) + where(x > 5, 1, 0)**2", ["x", "y", "Ly"]
    )
    assert expression.names == {"x", "y", "Ly"}
    value = expression.evaluate(np, {"x": x, "y": 2.0, "Ly": 8.0})
    expected = 0.5 + 0.01 * np.cos(0.105 * x) * np.sin(np.pi * 2.0 / 8.0) + (x > 5) ** 2
    np.testing.assert_array_equal(value, expected)


def test_missing_values_are_reported():
    with pytest.raises(ExpressionError, match="no value given for y"):
        parse_expression("x + y", ["x", "y"]).evaluate(np, {"x": 1.0})
