"""The engine end to end: random expressions rendered as text and parsed back; three gradients agree.

Hypothesis draws an expression tree from the grammar of SPEC §2, renders it as text (randomly `^` or `**`,
random spacing), and `compile_expression` parses it back. The parsed SymPy tree must equal the one built
directly from the drawn tree, and at random points away from kinks and singularities the symbolic, autodiff
(torch) and central-difference gradients must agree to a relative 1e-6. Points where the value or gradient is
huge or non-finite, or where central differences at h and 2h disagree (a singularity within reach of the
stencil), are rejected rather than loosening the tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gdcli.engine.calculus.numdiff import approx_gradient, default_step
from gdcli.expr import compile_expression
from gdcli.expr.compile import NumpyOps, compile_exprs
from gdcli.expr.functions import relu, sigmoid, softplus

VARIABLES = ("x", "y", "z")
TOL = 1e-6

# Functions of the table with their SymPy meaning, built independently of the parser.
UNARY = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "sin": sp.sin, "cos": sp.cos,
    "tan": sp.tan, "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "sigmoid": sigmoid, "relu": relu, "softplus": softplus,
}
CONSTANTS = {"2": sp.Integer(2), "3": sp.Integer(3), "0.5": sp.Float("0.5"), "1.5": sp.Float("1.5"),
             "2.5e-1": sp.Float("0.25"), "pi": sp.pi, "e": sp.E}
EXPONENTS = {"2": sp.Integer(2), "3": sp.Integer(3), "(-1)": sp.Integer(-1), "0.5": sp.Float("0.5")}

# A tree is a tuple: ("var", name) | ("num", text) | ("neg", a) | ("fn", name, args) | ("bin", op, a, b)
leaves = st.one_of(st.sampled_from(VARIABLES).map(lambda v: ("var", v)),
                   st.sampled_from(sorted(CONSTANTS)).map(lambda c: ("num", c)))


def _extend(children):
    return st.one_of(
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("fn"), st.sampled_from(sorted(UNARY)), children.map(lambda a: [a])),
        st.tuples(st.just("fn"), st.sampled_from(["max", "min"]), st.lists(children, min_size=2, max_size=3)),
        st.tuples(st.just("fn"), st.just("log"), st.tuples(children, st.sampled_from([("num", "2"), ("num", "3")])).map(list)),
        st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.tuples(st.just("pow"), st.sampled_from(["**", "^"]), children, st.sampled_from(sorted(EXPONENTS))),
    )


trees = st.recursive(leaves, _extend, max_leaves=6)
spaces = st.sampled_from(["", " "])


def render(tree, space: str) -> str:
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "num":
        return tree[1]
    if kind == "neg":
        return f"(-{render(tree[1], space)})"
    if kind == "fn":
        return f"{tree[1]}(" + f",{space}".join(render(a, space) for a in tree[2]) + ")"
    if kind == "pow":
        return f"({render(tree[2], space)}){space}{tree[1]}{space}{tree[3]}"
    return f"({render(tree[2], space)}{space}{tree[1]}{space}{render(tree[3], space)})"


def build(tree, symbols) -> sp.Expr:
    kind = tree[0]
    if kind == "var":
        return symbols[tree[1]]
    if kind == "num":
        return CONSTANTS[tree[1]]
    if kind == "neg":
        return -build(tree[1], symbols)
    if kind == "fn":
        args = [build(a, symbols) for a in tree[2]]
        if tree[1] == "log" and len(args) == 2:
            return sp.log(args[0]) / sp.log(args[1])
        if tree[1] in ("max", "min"):
            return (sp.Max if tree[1] == "max" else sp.Min)(*args)
        return UNARY[tree[1]](*args)
    if kind == "pow":
        return build(tree[2], symbols) ** EXPONENTS[tree[3]]
    a, b = build(tree[2], symbols), build(tree[3], symbols)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b != 0 else sp.nan}[tree[1]]


def kink_distance(expr, x) -> float:
    """How far x is from the nearest kink: the smallest |argument| of abs/relu, or gap between max/min arguments."""
    args = []
    for node in expr.sym.atoms(sp.Abs, relu, sp.Max, sp.Min, sp.Heaviside, sp.sign):
        if isinstance(node, (sp.Max, sp.Min)):
            args += [a - b for i, a in enumerate(node.args) for b in node.args[i + 1:]]
        else:
            args.append(node.args[0])
    if not args:
        return math.inf
    with np.errstate(all="ignore"):
        values = compile_exprs(args, expr.symbols, NumpyOps)(*x)
    return float(np.min(np.abs(np.asarray(values, dtype=float))))


def relative_error(a, b) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(b))), initial=0.0))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(tree=trees, space=spaces, coords=st.tuples(*[st.floats(-3, 3, allow_nan=False, allow_subnormal=False)] * 3))
def test_parse_back_and_three_gradients_agree(tree, space, coords):
    text = render(tree, space)
    symbols = {v: sp.Symbol(v, real=True) for v in VARIABLES}
    want = build(tree, symbols)
    assume(want.free_symbols and want.is_finite is not False and not want.has(sp.nan, sp.zoo, sp.oo, sp.I))
    expr = compile_expression(text)
    assert expr.sym == want, text
    assert list(expr.variables) == sorted(s.name for s in want.free_symbols)

    x = np.array([coords[VARIABLES.index(v)] for v in expr.variables])
    value, g_symbolic = expr.value_and_grad(x)
    assume(np.isfinite(value) and abs(value) < 1e3)
    assume(np.all(np.isfinite(g_symbolic)) and np.max(np.abs(g_symbolic)) < 1e3)
    assume(kink_distance(expr, x) > 1e-3)
    h = default_step(x, "central")
    g_numeric = approx_gradient(expr.f, x, "central")
    # A singularity within reach of the stencil shows as central differences that do not settle between h and 2h.
    assume(relative_error(g_numeric, approx_gradient(expr.f, x, "central", 2 * h)) < 1e-7)

    value_autodiff, g_autodiff = expr.autodiff_value_and_grad(x)
    assert float(value_autodiff) == float(value) or abs(value_autodiff - value) <= 1e-12 * max(1.0, abs(value)), text
    assert relative_error(g_symbolic, g_autodiff) <= TOL, (text, x, g_symbolic, g_autodiff)
    assert relative_error(g_symbolic, g_numeric) <= TOL, (text, x, g_symbolic, g_numeric)
