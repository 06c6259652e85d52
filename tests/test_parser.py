"""The expression language of SPEC §2: syntax, the function table, constants and variable order."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gdcli.errors import ExpressionError, UsageError
from gdcli.expr import compile_expression, natural_key
from gdcli.expr.functions import FUNCTIONS


def _sigmoid(t):
    return 1 / (1 + math.exp(-t))


# (expression, point, oracle from the math module); the points avoid every kink and branch cut.
TABLE = [
    ("exp(x)", [0.7], lambda x: math.exp(x)),
    ("log(x)", [2.5], lambda x: math.log(x)),
    ("ln(x)", [2.5], lambda x: math.log(x)),
    ("log(x, 2)", [8.0], lambda x: 3.0),
    ("log(x, b)", [3.0, 81.0], lambda b, x: 4.0),  # variables sort as b, x
    ("log(100, 10) * x", [1.5], lambda x: 3.0),
    ("sqrt(x)", [2.0], lambda x: math.sqrt(x)),
    ("abs(x)", [-1.25], lambda x: 1.25),
    ("sin(x)", [0.3], lambda x: math.sin(x)),
    ("cos(x)", [0.3], lambda x: math.cos(x)),
    ("tan(x)", [0.3], lambda x: math.tan(x)),
    ("arcsin(x)", [0.4], lambda x: math.asin(x)),
    ("arccos(x)", [0.4], lambda x: math.acos(x)),
    ("arctan(x)", [2.0], lambda x: math.atan(x)),
    ("sinh(x)", [0.8], lambda x: math.sinh(x)),
    ("cosh(x)", [0.8], lambda x: math.cosh(x)),
    ("tanh(x)", [0.8], lambda x: math.tanh(x)),
    ("sigmoid(x)", [0.5], lambda x: _sigmoid(x)),
    ("relu(x)", [1.5], lambda x: 1.5),
    ("relu(x)", [-1.5], lambda x: 0.0),
    ("softplus(x)", [0.5], lambda x: math.log1p(math.exp(x))),
    ("heaviside(x) + heaviside(-x) + heaviside(x - x)", [1.5], lambda x: 1.5),  # 1 + 0 + 1/2 at the jump
    ("sign(x) - sign(-2*x) + sign(x - x)", [-0.25], lambda x: -2.0),
    ("max(x, y)", [1.0, 2.0], lambda x, y: 2.0),
    ("max(0, 1 - y*(w*x + b))", [0.5, 0.2, 1.0, 1.0], lambda b, w, x, y: 0.3),
    ("max(x, y, 3)", [1.0, 2.0], lambda x, y: 3.0),
    ("min(x, y)", [1.0, 2.0], lambda x, y: 1.0),
    ("min(x, y, -1)", [1.0, 2.0], lambda x, y: -1.0),
    ("x^3", [2.0], lambda x: 8.0),
    ("2^x", [3.0], lambda x: 8.0),
    ("x**-1 + x/4", [2.0], lambda x: 1.0),
    ("-x + +x - (-x)", [2.0], lambda x: 2.0),
    ("pi * x", [2.0], lambda x: 2 * math.pi),
    ("e^x", [1.5], lambda x: math.exp(1.5)),
    ("2.5e-1 * x + 1E2 + 3.", [4.0], lambda x: 104.0),
]


@pytest.mark.parametrize("text, point, oracle", TABLE, ids=[f"{t}@{p}" for t, p, _ in TABLE])
def test_function_table_values(text, point, oracle):
    expr = compile_expression(text)
    want = oracle(*point)
    assert float(expr.f(point)) == pytest.approx(want, rel=1e-12, abs=1e-12)
    subs = {s: v for s, v in zip(expr.symbols, point)}
    assert float(expr.sym.subs(subs).evalf(30)) == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert float(expr.autodiff_value_and_grad(point)[0]) == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_table_covers_every_function():
    used = {name for text, _, _ in TABLE for name in FUNCTIONS if f"{name}(" in text}
    assert used == set(FUNCTIONS)


def test_caret_is_power_not_xor():
    assert compile_expression("2^3").sym == 8  # XOR would give 1
    x = sp.Symbol("x", real=True)
    assert compile_expression("x^2 + x**2").sym == 2 * x**2
    assert compile_expression("x^2^3").sym == x**8  # right-associative like **


def test_constants_are_exact():
    assert compile_expression("pi + e").sym == sp.pi + sp.E
    assert compile_expression("pi + e").variables == ()
    expr = compile_expression("e^x")
    assert expr.gradient_sym == (sp.exp(expr.symbols[0]),)


def test_log_with_base_differentiates():
    expr = compile_expression("log(x, 2)")
    assert float(expr.grad([4.0])[0]) == pytest.approx(1 / (4 * math.log(2)), rel=1e-14)


@pytest.mark.parametrize("text", ["log(x, 1)", "log(x, 0)"])
def test_log_base_must_not_be_degenerate(text):
    with pytest.raises(ExpressionError, match="base"):
        compile_expression(text)


def test_smooth_functions_have_the_textbook_derivatives():
    x = sp.Symbol("x", real=True)
    s = compile_expression("sigmoid(x)")
    assert float(s.grad([0.3])[0]) == pytest.approx(_sigmoid(0.3) * (1 - _sigmoid(0.3)), rel=1e-14)
    sp_ = compile_expression("softplus(x)")
    assert float(sp_.grad([0.3])[0]) == pytest.approx(_sigmoid(0.3), rel=1e-14)
    r = compile_expression("relu(x)")
    assert r.grad([[2.0], [-2.0]])[:, 0].tolist() == [1.0, 0.0]
    assert compile_expression("abs(x)").grad([[-3.0], [3.0]])[:, 0].tolist() == [-1.0, 1.0]
    assert compile_expression("x^3").gradient_sym == (3 * x**2,)


def test_stable_at_extreme_arguments():
    assert float(compile_expression("softplus(x)").f([1000.0])) == pytest.approx(1000.0)
    assert float(compile_expression("sigmoid(x)").f([-1000.0])) == 0.0
    assert float(compile_expression("sigmoid(x)").f([1000.0])) == 1.0


def test_natural_sort_order():
    assert compile_expression("w10 + w2 + w1 + w0").variables == ("w0", "w1", "w2", "w10")
    assert compile_expression("b + a10 + a9").variables == ("a9", "a10", "b")
    assert sorted(["x10", "x2", "x1"], key=natural_key) == ["x1", "x2", "x10"]


def test_vars_overrides_the_order():
    expr = compile_expression("2*w0 + 3*w1", "w1,w0")
    assert expr.variables == ("w1", "w0")
    assert expr.grad([4.0, 3.0]).tolist() == [3.0, 2.0]
    assert expr.point("4,3").tolist() == [4.0, 3.0]
    # a variable the expression does not use is allowed in --vars: its partial is 0
    assert compile_expression("x", ["x", "y"]).grad([1.0, 2.0]).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("order, message", [("w0", "missing: w1"), ("w0,w0,w1", "twice"), ("w0,1w", "not a variable")])
def test_vars_errors(order, message):
    with pytest.raises(UsageError, match=message):
        compile_expression("w0 + w1", order)


def test_vars_through_the_cli(cli_json):
    doc = cli_json("grad", "2*w0**2 + 3*w1**2", "--at", "4,3", "--vars", "w1,w0")
    assert doc["variables"] == ["w1", "w0"]
    assert doc["gradient"] == [24, 12]
    assert doc["partials"] == ["6*w1", "4*w0"]


def test_points_by_name_or_position_agree():
    expr = compile_expression("2*w0**2 + 3*w1**2")
    assert expr.point("w1=4,w0=3").tolist() == expr.point("3,4").tolist() == [3.0, 4.0]
    assert expr.point("w0=pi/2, w1=sqrt(4)").tolist() == [math.pi / 2, 2.0]


def test_numpy_evaluator_is_vectorised():
    expr = compile_expression("2*w0**2 + 3*w1**2")
    X = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    assert expr.f(X).tolist() == [66.0, 0.0, 5.0]
    value, g = expr.value_and_grad(X)
    assert value.shape == (3,) and g.tolist() == [[12.0, 24.0], [0.0, 0.0], [4.0, -6.0]]
    assert expr.hessian(X).shape == (3, 2, 2)
    # a constant still broadcasts to one value per point
    assert compile_expression("3 + 0*x").f(np.zeros((5, 1))).tolist() == [3.0] * 5


@pytest.mark.parametrize("text", ["exp", "x + sin", "pi(x)", "e(1)"])
def test_function_and_constant_names_are_not_variables(text):
    with pytest.raises(ExpressionError):
        compile_expression(text)
