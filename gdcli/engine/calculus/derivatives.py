"""Gradients, directional derivatives, Hessians, definiteness and Taylor predictions at a point."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from gdcli.engine.calculus.definiteness import decide, exact_number, scaled_norm
from gdcli.engine.calculus.kinks import Kink, OneSided, kinks_here
from gdcli.engine.calculus.numdiff import approx_gradient
from gdcli.errors import UsageError
from gdcli.expr import Expression, format_sym
from gdcli.expr.budget import Budget

GRAD_METHODS = ("symbolic", "autodiff", "numeric", "all")


def require_finite(expr: Expression, x: np.ndarray, what: str, values) -> None:
    """A point where f or its derivatives are not finite is outside the expression's domain: say so, don't print NaN."""
    if not np.all(np.isfinite(values)):
        at = ", ".join(f"{v}={float(c):g}" for v, c in zip(expr.variables, x))
        why = ("the point is outside the domain of f (a log or sqrt of a negative number, a division by zero, "
               "or an overflow)") if what == "f" else "f is not differentiable there (or the numbers overflow)"
        raise UsageError(f"{what} is not finite at ({at}): {why}")


@dataclass(frozen=True)
class StepChange:
    delta: list[float]
    predicted_change: float  # first order: grad . delta
    actual_change: float  # f(x + delta) - f(x)
    predicted_value: float
    actual_value: float


@dataclass(frozen=True)
class GradResult:
    expression: str
    variables: list[str]
    point: list[float]
    value: float
    gradient: list[float]
    partials: list[str]
    norm: float
    method: str
    directional_derivative: float | None = None
    direction: list[float] | None = None  # the unit vector used
    step: StepChange | None = None
    methods: dict[str, list[float]] | None = None
    max_disagreement: float | None = None  # inf (null in JSON) when a method failed: see `failed`
    failed: dict[str, str] | None = None  # method -> why it gave no usable gradient
    kinks: list[Kink] | None = None  # non-smooth subexpressions switching branch at the point itself
    one_sided: list[OneSided] | None = None  # f's one-sided partial derivatives along each variable at a kink
    convention: str | None = None  # what the number shown at a kink is
    notes: list[str] = field(default_factory=list)  # symbolic steps skipped by the time budget, and fallbacks


def gradient_by(expr: Expression, x: np.ndarray, method: str) -> np.ndarray:
    if method == "symbolic":
        return expr.grad(x)
    if method == "autodiff":
        return expr.autodiff_value_and_grad(x)[1]
    if method == "numeric":
        return approx_gradient(expr.f, x, "central")
    raise ValueError(method)


def relative_disagreement(a: np.ndarray, b: np.ndarray) -> float:
    """max_i |a_i - b_i| / max(1, |a_i|, |b_i|): scale-aware, and absolute near zero."""
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(b))), initial=0.0))


KINK_CONVENTION = ("at a kink the number shown uses SymPy's convention Heaviside(0) = 1/2 and sign(0) = 0 "
                   "(the midpoint of the one-sided derivatives for abs, relu, max and min)")


def _kinks(expr: Expression, x: np.ndarray) -> dict:
    kinks, sides = kinks_here(expr, x)
    if not kinks:
        return {}
    smooth = all(o.differentiable for o in sides)
    return dict(kinks=kinks, one_sided=sides, convention=None if smooth else KINK_CONVENTION)


def _all_methods(expr: Expression, x: np.ndarray, g: np.ndarray):
    """Every method's gradient; a method that fails (not finite, or an error) is named, never counted as agreeing."""
    methods, failed = {"symbolic": g}, {}
    for m in ("autodiff", "numeric"):
        try:
            gm = gradient_by(expr, x, m)
        except (ArithmeticError, RuntimeError, ValueError) as exc:
            failed[m] = f"{type(exc).__name__}: {exc}"
            continue
        methods[m] = gm
        if not np.all(np.isfinite(gm)):
            failed[m] = ("not finite (a difference step leaves the domain of f)" if m == "numeric"
                         else "not finite")
    agreeing = [relative_disagreement(g, gm) for m, gm in methods.items() if m != "symbolic" and m not in failed]
    disagreement = math.inf if failed else max(agreeing, default=0.0)
    return {k: v.tolist() for k, v in methods.items()}, disagreement, failed or None


def gradient_at(expr: Expression, x, *, method: str = "symbolic", direction=None, step=None,
                budget: Budget | None = None) -> GradResult:
    """Value, gradient and its norm at x; optionally the directional derivative and a first-order step check.

    Under `budget`, symbolic differentiation that runs out falls back to central differences (with a note).
    """
    budget = budget or Budget(None)
    x = np.asarray(x, dtype=float)
    with budget.step("compiling f"):
        value = float(expr.f(x))
    require_finite(expr, x, "f", value)
    notes: list[str] = []
    if method in ("symbolic", "all"):
        g = budget.attempt("symbolic differentiation", lambda: expr.grad(x))
        if g is None:
            notes.append(budget.note("symbolic differentiation", "the gradient is by central differences"))
            method, g = "numeric", gradient_by(expr, x, "numeric")
    else:
        g = gradient_by(expr, x, method)
    methods = disagreement = failed = None
    if method == "all":
        methods, disagreement, failed = _all_methods(expr, x, g)
    require_finite(expr, x, "the gradient", g)
    partials = budget.attempt("partial-derivative formulas", lambda: [format_sym(p) for p in expr.gradient_sym])
    if partials is None:
        partials = ["(not shown)"] * len(expr.variables)
        if "symbolic differentiation" not in budget.skipped:
            notes.append(budget.note("partial-derivative formulas", "the values stand"))
    dd = unit = None
    if direction is not None:
        d = np.asarray(direction, dtype=float)
        norm_d = scaled_norm(d)
        if norm_d == 0:
            raise ValueError("direction must not be zero")
        unit = d / norm_d
        dd = float(g @ unit)
    change = None
    if step is not None:
        delta = np.asarray(step, dtype=float)
        actual = float(expr.f(x + delta))
        predicted = float(g @ delta)
        change = StepChange(delta.tolist(), predicted, actual - value, value + predicted, actual)
    return GradResult(
        expression=expr.text, variables=list(expr.variables), point=x.tolist(), value=value, gradient=g.tolist(),
        partials=partials, norm=scaled_norm(g), method=method,
        directional_derivative=dd, direction=None if unit is None else unit.tolist(), step=change,
        methods=methods, max_disagreement=disagreement, failed=failed, notes=notes, **_kinks(expr, x),
    )


# -- Hessian -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Taylor:
    delta: list[float]
    actual: float
    first_order: float
    second_order: float
    error_first: float
    error_second: float


@dataclass(frozen=True)
class HessianResult:
    expression: str
    variables: list[str]
    point: list[float]
    value: float
    gradient: list[float]
    hessian: list[list[float]]
    hessian_symbolic: list[list[str]]  # valid away from kinks (DiracDelta terms, zero there, are dropped)
    eigenvalues: list[float]
    eigenvalues_exact: list[str] | None
    eigenvectors: list[list[float]]  # columns, in the order of `eigenvalues`
    definiteness: str
    critical: bool
    classification: str
    definiteness_exact: bool = False  # decided in exact rational arithmetic
    definiteness_tolerance: float | None = None  # numeric: |λ| <= this counts as 0 (relative to the matrix's scale)
    taylor: Taylor | None = None
    kinks: list[Kink] | None = None
    one_sided: list[OneSided] | None = None
    convention: str | None = None
    notes: list[str] = field(default_factory=list)


CLASSIFICATION = {
    "positive-definite": "minimum",
    "negative-definite": "maximum",
    "indefinite": "saddle",
    "positive-semidefinite": "degenerate",
    "negative-semidefinite": "degenerate",
}
KINK_CLASS = "non-smooth point (a kink): the Hessian does not classify it"


def critical_point(g, value: float) -> bool:
    """∇f = 0 up to round-off relative to f's size (a scaled norm, so a tiny gradient does not underflow)."""
    return scaled_norm(g) <= 1e-9 * max(1.0, abs(value))


def hessian_at(expr: Expression, x, *, step=None, budget: Budget | None = None) -> HessianResult:
    """The Hessian at x with eigenvalues, definiteness, critical-point class and an optional Taylor table.

    Definiteness is exact when the Hessian at x is a matrix of rationals (the point and the typed decimals made
    exact), else numeric with a tolerance relative to the matrix's scale (stated in the result).
    """
    budget = budget or Budget(None)
    x = np.asarray(x, dtype=float)
    with budget.step("symbolic differentiation"):
        value, g = expr.value_and_grad(x)
    value = float(value)
    require_finite(expr, x, "f", value)
    require_finite(expr, x, "the gradient", g)
    with budget.step("the symbolic Hessian"):
        H = expr.hessian(x)
    require_finite(expr, x, "the Hessian", H)
    H = (H + H.T) / 2
    lam, vecs = np.linalg.eigh(H)
    notes: list[str] = []
    n = len(expr.variables)
    H_exact = budget.attempt("the exact Hessian at the point", lambda: expr.hessian_sym.xreplace(
        {s: exact_number(v) for s, v in zip(expr.symbols, x)})) if n else None
    if n and H_exact is None:
        notes.append(budget.note("the exact Hessian at the point", "definiteness is decided in floating point"))
    decided = decide(H_exact, lam, budget, notes)
    kinks = _kinks(expr, x)
    critical = critical_point(g, value)
    classification = KINK_CLASS if kinks else (CLASSIFICATION[decided.kind] if critical else "not a critical point")
    taylor = None
    if step is not None:
        d = np.asarray(step, dtype=float)
        actual = float(expr.f(x + d))
        first = value + float(g @ d)
        second = first + 0.5 * float(d @ H @ d)
        taylor = Taylor(d.tolist(), actual, first, second, actual - first, actual - second)
    shown = expr.hessian_sym.replace(sp.DiracDelta, lambda *a: sp.S.Zero)  # zero away from the kinks
    exact = decided.eigenvalues_exact
    return HessianResult(
        expression=expr.text, variables=list(expr.variables), point=x.tolist(), value=value, gradient=g.tolist(),
        hessian=H.tolist(), hessian_symbolic=[[format_sym(shown[i, j]) for j in range(n)] for i in range(n)],
        eigenvalues=lam.tolist(), eigenvalues_exact=None if exact is None else [format_sym(e) for e in exact],
        eigenvectors=vecs.tolist(), definiteness=decided.kind, critical=critical, classification=classification,
        definiteness_exact=decided.exact, definiteness_tolerance=decided.tolerance, taylor=taylor, notes=notes,
        **kinks,
    )
