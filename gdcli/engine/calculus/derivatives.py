"""Gradients, directional derivatives, Hessians, definiteness and Taylor predictions at a point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gdcli.engine.calculus.numdiff import approx_gradient
from gdcli.errors import UsageError
from gdcli.expr import Expression, format_sym

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
    max_disagreement: float | None = None


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


def gradient_at(expr: Expression, x, *, method: str = "symbolic", direction=None, step=None) -> GradResult:
    """Value, gradient and its norm at x; optionally the directional derivative and a first-order step check."""
    x = np.asarray(x, dtype=float)
    value = float(expr.f(x))
    require_finite(expr, x, "f", value)
    methods = None
    disagreement = None
    if method == "all":
        methods = {m: gradient_by(expr, x, m) for m in ("symbolic", "autodiff", "numeric")}
        g = methods["symbolic"]
        disagreement = max(relative_disagreement(g, methods["autodiff"]), relative_disagreement(g, methods["numeric"]))
        methods = {k: v.tolist() for k, v in methods.items()}
    else:
        g = gradient_by(expr, x, method)
    require_finite(expr, x, "the gradient", g)
    dd = unit = None
    if direction is not None:
        d = np.asarray(direction, dtype=float)
        norm_d = np.linalg.norm(d)
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
        partials=[format_sym(p) for p in expr.gradient_sym], norm=float(np.linalg.norm(g)), method=method,
        directional_derivative=dd, direction=None if unit is None else unit.tolist(), step=change,
        methods=methods, max_disagreement=disagreement,
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
    hessian_symbolic: list[list[str]]
    eigenvalues: list[float]
    eigenvalues_exact: list[str] | None
    eigenvectors: list[list[float]]  # columns, in the order of `eigenvalues`
    definiteness: str
    critical: bool
    classification: str
    taylor: Taylor | None = None


def exact_number(x: float) -> sp.Rational:
    """The decimal a user typed, as an exact rational (3.1 -> 31/10), so exact forms stay exact."""
    return sp.Rational(repr(float(x)))


def exact_eigenvalues(H: sp.Matrix) -> list[sp.Expr] | None:
    """Exact eigenvalues, ascending, when the matrix is small and its entries are exact numbers."""
    if H.shape[0] > 3 or any(not (e.is_number and e.is_Rational or e.is_algebraic) for e in H):
        return None
    if any(e.has(sp.Float) for e in H):
        return None
    try:
        roots = []
        for value, mult in H.eigenvals(multiple=False).items():
            roots.extend([sp.nsimplify(sp.simplify(value))] * mult)
    except Exception:  # noqa: BLE001 - SymPy may fail to solve; the float eigenvalues still stand
        return None
    if any(not r.is_real for r in roots):
        return None
    return sorted(roots, key=lambda r: float(r))


def definiteness(eigenvalues, exact=None, tol: float | None = None) -> str:
    """positive-definite, positive-semidefinite, negative-definite, negative-semidefinite or indefinite."""
    if exact is not None:
        signs = [int(sp.sign(e)) for e in exact]
    else:
        lam = np.asarray(eigenvalues, dtype=float)
        tol = 1e-10 * max(1.0, float(np.max(np.abs(lam), initial=0.0))) if tol is None else tol
        signs = [0 if abs(v) <= tol else (1 if v > 0 else -1) for v in lam]
    if all(s > 0 for s in signs):
        return "positive-definite"
    if all(s < 0 for s in signs):
        return "negative-definite"
    if all(s >= 0 for s in signs):
        return "positive-semidefinite"
    if all(s <= 0 for s in signs):
        return "negative-semidefinite"
    return "indefinite"


CLASSIFICATION = {
    "positive-definite": "minimum",
    "negative-definite": "maximum",
    "indefinite": "saddle",
    "positive-semidefinite": "degenerate",
    "negative-semidefinite": "degenerate",
}


def hessian_at(expr: Expression, x, *, step=None) -> HessianResult:
    """The Hessian at x with eigenvalues, definiteness, critical-point class and an optional Taylor table."""
    x = np.asarray(x, dtype=float)
    value, g = expr.value_and_grad(x)
    value = float(value)
    require_finite(expr, x, "f", value)
    require_finite(expr, x, "the gradient", g)
    H = expr.hessian(x)
    require_finite(expr, x, "the Hessian", H)
    H = (H + H.T) / 2
    lam, vecs = np.linalg.eigh(H)
    subs = {s: exact_number(v) for s, v in zip(expr.symbols, x)}
    H_exact = expr.hessian_sym.subs(subs) if expr.symbols else sp.Matrix(0, 0, [])
    exact = exact_eigenvalues(H_exact) if expr.symbols else []
    kind = definiteness(lam, exact)
    gnorm = float(np.linalg.norm(g))
    critical = gnorm <= 1e-9 * max(1.0, abs(value))
    classification = CLASSIFICATION[kind] if critical else "not a critical point"
    taylor = None
    if step is not None:
        d = np.asarray(step, dtype=float)
        actual = float(expr.f(x + d))
        first = value + float(g @ d)
        second = first + 0.5 * float(d @ H @ d)
        taylor = Taylor(d.tolist(), actual, first, second, actual - first, actual - second)
    n = len(expr.variables)
    return HessianResult(
        expression=expr.text, variables=list(expr.variables), point=x.tolist(), value=value, gradient=g.tolist(),
        hessian=H.tolist(), hessian_symbolic=[[format_sym(expr.hessian_sym[i, j]) for j in range(n)] for i in range(n)],
        eigenvalues=lam.tolist(), eigenvalues_exact=None if exact is None else [format_sym(e) for e in exact],
        eigenvectors=vecs.tolist(), definiteness=kind, critical=critical, classification=classification, taylor=taylor,
    )
