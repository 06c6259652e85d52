"""Taylor polynomials of any order in one or several variables, and each order's value against the truth."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gdcli.engine.calculus.derivatives import exact_number, require_finite
from gdcli.errors import UsageError
from gdcli.expr import Expression, format_sym
from gdcli.expr.budget import DEFAULT_SECONDS, time_limit
from gdcli.expr.compile import NumpyOps, compile_exprs
from gdcli.expr.functions import NONSMOOTH

MAX_ORDER = 30  # 30! ≈ 2.7e32: beyond this the terms are lost below float64 round-off for any sane step
MAX_TERMS = 2000  # partial derivatives to compute: C(n + K, K) for n variables and order K


@dataclass(frozen=True)
class Approximation:
    order: int
    value: float  # P_k(δ): the polynomial of this order at the step
    error: float  # truth − value
    term: float  # what this order adds: P_k(δ) − P_{k−1}(δ)


@dataclass(frozen=True)
class TaylorResult:
    expression: str
    variables: list[str]
    point: list[float]
    order: int
    polynomial: str  # in δ (one variable) or δx, δy, ... (several)
    polynomial_at: str  # the same in x − a
    terms: list[str]  # the homogeneous part of each order 0..K, in δ
    coefficients: list[dict]  # every non-zero term: {order, powers, derivative, value, exact}
    step: list[float] | None = None
    truth: float | None = None  # f(a + δ)
    approximations: list[Approximation] | None = None


def delta_names(variables) -> list[str]:
    return ["δ"] if len(variables) == 1 else [f"δ{v}" for v in variables]


def multi_indices(n: int, k: int):
    """Exponent tuples α with |α| = k, in lexicographic order of the variables they differentiate."""
    for combo in itertools.combinations_with_replacement(range(n), k):
        alpha = [0] * n
        for i in combo:
            alpha[i] += 1
        yield tuple(alpha)


def _bent(d: sp.Expr) -> bool:
    return any(node.free_symbols for node in sp.preorder_traversal(d) if isinstance(node, NONSMOOTH))


def _check_order(expr: Expression, x: np.ndarray, lower: list[sp.Expr], upper: list[sp.Expr], k: int) -> None:
    """Exit 2 unless the derivatives of order k−1 (`lower`) are differentiable at x, giving those of order k.

    Smooth pieces only need finite values. Where an abs, max, relu, heaviside or sign sits in a derivative, its
    values on either side of x along each axis must meet at x (continuity) and the order-k derivatives on either
    side must agree (no corner), as they do for |x|³ at 0 up to order 2 and do not at order 3.
    """
    at = ", ".join(f"{v}={c:g}" for v, c in zip(expr.variables, x))
    what = "differentiable" if k == 1 else f"{k} times differentiable"
    fn = compile_exprs(lower + upper, expr.symbols, NumpyOps)
    with np.errstate(all="ignore"):
        here = np.asarray([float(np.real(v)) for v in fn(*x)])
    if not np.all(np.isfinite(here[len(lower):])):
        raise UsageError(f"f is not {what} at ({at}): a derivative of order {k} is not finite there, so the "
                         f"Taylor polynomial stops at order {k - 1} (use --order {k - 1})")
    if not any(_bent(d) for d in lower):
        return
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    h = 1e-6 * scale
    for i, v in enumerate(expr.variables):
        e = np.zeros_like(x)
        e[i] = h
        with np.errstate(all="ignore"):
            right = np.asarray([float(np.real(u)) for u in fn(*(x + e))])
            left = np.asarray([float(np.real(u)) for u in fn(*(x - e))])
        lo, hi = slice(0, len(lower)), slice(len(lower), None)
        tol_lo = 1e-3 * np.maximum(1.0, np.abs(here[lo]))
        tol_hi = 1e-3 * np.maximum(1.0, np.maximum(np.abs(right[hi]), np.abs(left[hi])))
        jumps = np.any(np.abs(right[lo] - here[lo]) > tol_lo) or np.any(np.abs(left[lo] - here[lo]) > tol_lo)
        corner = np.any(np.abs(right[hi] - left[hi]) > tol_hi)
        if jumps or corner or not (np.all(np.isfinite(right)) and np.all(np.isfinite(left))):
            lower_what = "f has" if k == 1 else f"the derivatives of order {k - 1} have"
            raise UsageError(f"f is not {what} at ({at}): {lower_what} a {'jump' if jumps else 'corner'} there "
                             f"along {v} (a kink of abs, max, min, relu, heaviside or sign), so the Taylor "
                             f"polynomial stops at order {k - 1} (use --order {k - 1})")


def _decimal(f: sp.Float) -> sp.Expr:
    """A float as the user wrote it: 0.1 -> 1/10, 2.5 -> 5/2; 1e-300 stays 1e-300 (a name prints as it is)."""
    r = sp.Rational(repr(float(f)))
    return r if len(str(r.p)) <= 8 and len(str(r.q)) <= 8 else sp.Symbol(repr(float(f)))


def _coefficient(c: sp.Expr, value: float) -> tuple[sp.Expr, str | None]:
    """The exact coefficient and its text when it is short (1/6, exp(1/10), sqrt(2)/2), else the float to 10 digits."""
    if c.is_number and not c.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta):
        shown = c.subs(sp.E, sp.Symbol("e"))  # Euler's number as the language writes it, not SymPy's `E`
        shown = shown.xreplace({f: _decimal(f) for f in shown.atoms(sp.Float)})
        text = format_sym(shown)
        if len(text) <= 24:
            return shown, text
    return sp.Float(float(f"{value:.10g}")), None


def _join(terms: list[str]) -> str:
    out = ""
    for t in terms:
        if not out:
            out = t
        elif t.startswith("-"):
            out += " - " + t[1:]
        else:
            out += " + " + t
    return out or "0"


def taylor_polynomial(expr: Expression, x, order: int, *, step=None, time_limit_s: float = DEFAULT_SECONDS) -> TaylorResult:
    """The Taylor polynomial of `expr` at x of the given order; with a step δ, every order's P_k(δ) vs f(x + δ)."""
    x = np.asarray(x, dtype=float)
    n = len(expr.variables)
    if isinstance(order, bool) or int(order) != order:
        raise UsageError(f"--order must be a whole number; got {order!r}")
    order = int(order)
    if order < 0:
        raise UsageError(f"--order must be >= 0; got {order}")
    if order > MAX_ORDER:
        raise UsageError(f"--order {order} is beyond {MAX_ORDER}: terms past that are below float64 round-off")
    count = math.comb(n + order, order)
    if count > MAX_TERMS:
        raise UsageError(f"order {order} in {n} variables needs {count} partial derivatives; at most {MAX_TERMS} "
                         "(lower --order)")
    value = float(expr.f(x))
    require_finite(expr, x, "f", value)
    subs = {s: exact_number(v) for s, v in zip(expr.symbols, x)}
    dsyms = [sp.Symbol(name) for name in delta_names(expr.variables)]
    shifted = [s - subs[s] if subs[s] != 0 else s for s in expr.symbols]
    derivs = {(0,) * n: expr.sym}
    terms_d, terms_x, homogeneous, coefficients = [], [], [], []
    numeric_terms: list[list[tuple[float, tuple[int, ...]]]] = []
    with time_limit(time_limit_s, f"the derivatives of order up to {order}"):
        for k in range(order + 1):
            alphas = list(multi_indices(n, k))
            for alpha in alphas:
                if alpha not in derivs:
                    i = next(j for j in range(n) if alpha[j] > 0)  # α = β + e_i with β already known
                    beta = alpha[:i] + (alpha[i] - 1,) + alpha[i + 1:]
                    derivs[alpha] = sp.diff(derivs[beta], expr.symbols[i])
            if k > 0:
                _check_order(expr, x, [derivs[b] for b in multi_indices(n, k - 1)], [derivs[a] for a in alphas], k)
            values = compile_exprs([derivs[a] for a in alphas], expr.symbols, NumpyOps)(*x) if n else [expr.sym]
            row, parts = [], []
            for alpha, dv in zip(alphas, values):
                dval = float(np.real(dv))
                if dval == 0:
                    continue
                denom = math.prod(math.factorial(a) for a in alpha)
                exact = derivs[alpha].subs(subs)
                c, c_text = _coefficient(exact / denom, dval / denom)
                mono_d = sp.Mul(*[d ** a for d, a in zip(dsyms, alpha)])
                mono_x = sp.Mul(*[s ** a for s, a in zip(shifted, alpha)])
                parts.append(format_sym(c * mono_d))
                # c·(x − a) would distribute into c·x − c·a: keep the factor whole
                if mono_x.is_Add:
                    terms_x.append(f"({format_sym(mono_x)})" if c == 1 else format_sym(sp.Mul(c, mono_x, evaluate=False)))
                else:
                    terms_x.append(format_sym(c * mono_x))
                row.append((dval / denom, alpha))
                coefficients.append({"order": k, "powers": dict(zip(expr.variables, alpha)),
                                     "derivative": dval, "value": dval / denom, "exact": c_text})
            terms_d += parts
            homogeneous.append(_join(parts))
            numeric_terms.append(row)
    approximations = truth = delta = None
    if step is not None:
        delta = np.asarray(step, dtype=float)
        truth = float(expr.f(x + delta))
        require_finite(expr, x + delta, "f", truth)  # x + δ outside the domain: say so rather than print NaN
        total, approximations = 0.0, []
        for k, row in enumerate(numeric_terms):
            term = math.fsum(c * float(np.prod(delta ** np.asarray(alpha))) for c, alpha in row)
            total += term
            approximations.append(Approximation(k, total, truth - total, term))
    return TaylorResult(
        expression=expr.text, variables=list(expr.variables), point=x.tolist(), order=order,
        polynomial=_join(terms_d), polynomial_at=_join(terms_x), terms=homogeneous, coefficients=coefficients,
        step=None if delta is None else delta.tolist(), truth=truth, approximations=approximations,
    )


def evaluate_orders(result: TaylorResult, points: np.ndarray) -> np.ndarray:
    """P_0..P_K at points (m, n) around the expansion point: (K + 1, m), for plots."""
    D = np.asarray(points, dtype=float) - np.asarray(result.point)
    out = np.zeros((result.order + 1, len(D)))
    for c in result.coefficients:
        alpha = np.asarray([c["powers"][v] for v in result.variables])
        out[c["order"]] += c["value"] * np.prod(D ** alpha, axis=1)
    return np.cumsum(out, axis=0)
