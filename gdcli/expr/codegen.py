"""Straight-line Python for f and its gradient at one point: the scalar fast path for small problems.

The code is printed from the trusted SymPy tree after common subexpression elimination, never from the
user's text: the variables are renamed `_a0, _a1, ...` and the temporaries `_c0, _c1, ...` before printing, so
the source holds only generated names, numbers and the functions of the `math` module. It runs on Python floats,
which for two variables is an order of magnitude cheaper per call than one NumPy operation per node.

Python's `math` raises where NumPy returns inf or nan (overflow, log of a negative, 0 ** -1) and a float power
of a negative base would be complex; `fast_value_and_grad` then falls back to the NumPy evaluator for that
point, as it does whenever a result is not finite, so both paths report the same numbers on the hard cases.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from gdcli.expr.functions import relu, sigmoid, softplus

MAX_VARIABLES = 16  # beyond this the NumPy evaluator on one array is as fast as unpacking floats
MAX_SOURCE = 200_000  # characters of generated code; a larger tree is not a small problem


class _Fallback(Exception):
    """A value the float path cannot represent as NumPy would: use the NumPy evaluator for this point."""


def _max(*args):
    m = args[0]
    for a in args[1:]:
        if a > m or a != a:  # a NaN wins, as in np.maximum
            m = a
    return m


def _min(*args):
    m = args[0]
    for a in args[1:]:
        if a < m or a != a:
            m = a
    return m


def _logaddexp0(x):
    """log(1 + e^x) as np.logaddexp(0, x) computes it."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _sigmoid(x):
    return math.exp(-_logaddexp0(-x))


def _relu(x):
    return x if (x > 0 or x != x) else 0.0


class _Printer(PythonCodePrinter):
    def __init__(self):
        super().__init__({"strict": True, "fully_qualified_modules": True})

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer or expr.exp in (sp.Rational(1, 2), -sp.Rational(1, 2)):
            return super()._print_Pow(expr, rational)
        return f"math.pow({self._print(expr.base)}, {self._print(expr.exp)})"  # raises where ** would be complex

    def _print_Max(self, expr):
        return f"_max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"_min({', '.join(self._print(a) for a in expr.args)})"

    def _print_DiracDelta(self, expr):
        return "0.0"  # zero almost everywhere, as the NumPy evaluator computes it


def _helper(name):
    return lambda self, expr: f"{name}({self._print(expr.args[0])})"


for _cls, _name in ((sigmoid, "_sigmoid"), (softplus, "_logaddexp0"), (relu, "_relu")):
    setattr(_Printer, f"_print_{_cls.__name__}", _helper(_name))

_GLOBALS = {"math": math, "abs": abs, "_max": _max, "_min": _min, "_sigmoid": _sigmoid,
            "_logaddexp0": _logaddexp0, "_relu": _relu, "_Fallback": _Fallback}


def straight_line_source(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]) -> str | None:
    """`def _fg(_a0, ...)` returning the tuple of `exprs`, or None when some node has no float form."""
    args = [sp.Symbol(f"_a{i}", real=True) for i in range(len(symbols))]
    # the tree's nodes, or plain numbers (a zero partial): never text, so no sympify is needed
    as_expr = [e if isinstance(e, sp.Basic) else (sp.Integer(e) if isinstance(e, int) else sp.Float(e)) for e in exprs]
    renamed = [e.xreplace(dict(zip(symbols, args))) for e in as_expr]
    temps = (sp.Symbol(f"_c{i}", real=True) for i in range(10**9))
    replacements, reduced = sp.cse(renamed, symbols=temps, optimizations=None)
    printer = _Printer()
    try:
        lines = [f"def _fg({', '.join(a.name for a in args)}):"]
        lines += [f"    {t.name} = {printer.doprint(e)}" for t, e in replacements]
        outs = [printer.doprint(e) for e in reduced]
    except Exception:  # noqa: BLE001 - SymPy's printers raise several types for an unsupported node
        return None
    lines.append(f"    _r = ({', '.join(outs)},)")
    # One test for every output: a nan or inf anywhere makes the sum's difference with itself not 0.
    lines.append(f"    _s = {' + '.join(f'_r[{i}]' for i in range(len(outs)))}")
    lines.append("    if _s - _s != 0:")
    lines.append("        raise _Fallback")
    lines.append("    return _r")
    source = "\n".join(lines) + "\n"
    return source if len(source) <= MAX_SOURCE else None


def compile_straight_line(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]) -> Callable | None:
    """The generated function, run in a namespace of `math` and the helpers above only."""
    if len(symbols) > MAX_VARIABLES:
        return None
    source = straight_line_source(exprs, symbols)
    if source is None:
        return None
    namespace = dict(_GLOBALS, __builtins__={})
    exec(compile(source, "<gdcli straight-line gradient>", "exec"), namespace)  # noqa: S102 - generated, see above
    return namespace["_fg"]


def scalar_value_and_grad(fn: Callable, slow: Callable) -> Callable:
    """value_and_grad at one point (n,) through `fn`, or through `slow` where the floats cannot follow NumPy."""
    array, fallback = np.array, (ArithmeticError, ValueError, TypeError, _Fallback)

    def value_and_grad(x):
        try:
            f, *g = fn(*x.tolist())
        except fallback:
            return slow(x)
        return float(f), array(g, dtype=float)

    return value_and_grad
