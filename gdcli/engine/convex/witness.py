"""Counterexamples to convexity (or concavity): Jensen and Hessian witnesses, searched for and re-verified."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gdcli.engine.convex.domain import Domain
from gdcli.expr import Expression

# The seeds' secant examples (§3.7.2): x³ with A = (−8, −512), B = (5, 125), α = 0.3, and x² with A = (−3, 9).
SEED_TRIPLES = ((-8.0, 5.0, 0.3), (-3.0, 5.0, 0.3))
ALPHAS = (0.3, 0.5, 0.7)
DIGITS = 30  # precision of the re-verification


@dataclass(frozen=True)
class JensenWitness:
    """f(αa + (1−α)b) against αf(a) + (1−α)f(b); `gap` = f(mix) − secant (> 0 breaks convexity, < 0 concavity)."""

    kind: str  # "jensen"
    breaks: str  # "convexity" or "concavity"
    a: list[float]
    b: list[float]
    alpha: float
    mix: list[float]  # αa + (1−α)b
    f_a: float
    f_b: float
    f_mix: float
    secant: float
    gap: float
    verified: str  # how the inequality was re-checked


@dataclass(frozen=True)
class HessianWitness:
    """A point where the Hessian has an eigenvalue of the wrong sign, and its eigenvector."""

    kind: str  # "hessian"
    breaks: str
    point: list[float]
    eigenvalue: float
    eigenvector: list[float]
    second_difference: float  # (f(x+hv) − 2f(x) + f(x−hv)) / h², the check by a second method
    verified: str


def _tidy(v: float) -> float:
    return float(f"{v:.12g}")  # αa + (1−α)b = 1.0999999999999996 is shown and used as 1.1


def _exact_value(expr: Expression, x) -> sp.Expr | None:
    subs = {s: sp.Rational(repr(float(v))) for s, v in zip(expr.symbols, np.atleast_1d(x))}
    try:
        value = expr.sym.xreplace(subs).evalf(DIGITS)
    except Exception:  # noqa: BLE001 - some trees do not evaluate symbolically; the float check still stands
        return None
    return value if value.is_real and value.is_finite else None


def verify_jensen(expr: Expression, domain: Domain, a, b, alpha: float, sense: int) -> JensenWitness | None:
    """Recompute the inequality in float64 and at 30 digits; return the witness only if both agree it breaks."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mix = np.asarray([_tidy(v) for v in alpha * a + (1 - alpha) * b])
    X = np.stack([a, b, mix])
    if not domain.contains(expr, X).all():
        return None
    # On a domain with a hole (x ≠ 0) the segment itself must stay inside, or the secant means nothing.
    if not domain.convex_set and not domain.segment_inside(expr, a, b):
        return None
    fa, fb, fm = expr.f(X)
    secant = alpha * fa + (1 - alpha) * fb
    gap = fm - secant
    tol = 1e-9 * (abs(fa) + abs(fb) + abs(fm) + 1.0)
    if not sense * gap > tol:
        return None
    how = "float64"
    values = [_exact_value(expr, x) for x in (a, b, mix)]
    if all(v is not None for v in values):
        al = sp.Rational(repr(float(alpha)))
        exact_gap = values[2] - (al * values[0] + (1 - al) * values[1])
        if not sense * exact_gap > 0:
            return None
        fa, fb, fm = (float(v) for v in values)
        secant = float(al * values[0] + (1 - al) * values[1])
        gap = float(exact_gap)
        how = f"float64 and {DIGITS}-digit arithmetic"
    return JensenWitness("jensen", "convexity" if sense > 0 else "concavity", a.tolist(), b.tolist(), float(alpha),
                         mix.tolist(), float(fa), float(fb), float(fm), float(secant), float(gap), how)


def verify_hessian(expr: Expression, domain: Domain, x, sense: int) -> HessianWitness | None:
    """The extreme eigenpair at x, confirmed by a central second difference along the eigenvector."""
    x = np.asarray(x, dtype=float)
    H = expr.hessian(x)
    H = (H + H.T) / 2
    lam, vecs = np.linalg.eigh(H)
    k = 0 if sense > 0 else -1
    value, v = float(lam[k]), vecs[:, k]
    if not sense * value < 0:
        return None
    v = v * (1 if v[np.argmax(np.abs(v))] > 0 else -1)  # a sign convention, so the output is reproducible
    for h in (1e-3, 1e-4, 1e-5):
        X = np.stack([x + h * v, x, x - h * v])
        if domain.contains(expr, X).all():
            fp, f0, fm = expr.f(X)
            d2 = (fp - 2 * f0 + fm) / h**2
            if sense * d2 < 0 and abs(d2 - value) <= 1e-3 * max(1.0, abs(value)):
                return HessianWitness("hessian", "convexity" if sense > 0 else "concavity", x.tolist(), value,
                                      v.tolist(), float(d2), "second difference along the eigenvector")
    return None


def jensen_from_hessian(expr: Expression, domain: Domain, w: HessianWitness, sense: int) -> JensenWitness | None:
    """Shrink a symmetric secant around the Hessian witness until the curvature shows in Jensen's inequality."""
    x, v = np.asarray(w.point), np.asarray(w.eigenvector)
    for t in (1.0, 0.5, 0.2, 0.1, 0.05, 0.01, 1e-3):
        found = verify_jensen(expr, domain, np.round(x - t * v, 6), np.round(x + t * v, 6), 0.5, sense)
        if found is not None:
            return found
    return None


def jensen_trials(expr: Expression, domain: Domain, rng: np.random.Generator, m: int, X: np.ndarray | None = None):
    """m random triples (a, b, α) in the domain, all through the evaluator in one call.

    Returns (A, B, alpha, gap) where gap = f(mix) − secant for each triple with every point defined.
    """
    if X is None:
        X = domain.sample(expr, 2 * m, rng, decimals=2)
    k = len(X) // 2
    A, B = X[:k], X[k:2 * k]
    alpha = rng.choice(ALPHAS, k)[:, None]
    M = alpha * A + (1 - alpha) * B
    F = expr.f(np.concatenate([A, B, M]))
    fa, fb, fm = F[:k], F[k:2 * k], F[2 * k:]
    gap = fm - (alpha[:, 0] * fa + (1 - alpha[:, 0]) * fb)
    ok = np.isfinite(gap) & domain.contains(expr, M)
    tol = 1e-9 * (np.abs(fa) + np.abs(fb) + np.abs(fm) + 1.0)
    gap = np.where(ok & (np.abs(gap) > tol), gap, 0.0)
    return A, B, alpha[:, 0], gap


def find_jensen(expr: Expression, domain: Domain, sense: int, trials=None, hessian: HessianWitness | None = None):
    """A verified Jensen witness: the seeds' examples first, then the sampled triples, then one built from the Hessian."""
    if len(expr.variables) == 1:
        for a, b, alpha in SEED_TRIPLES:
            found = verify_jensen(expr, domain, [a], [b], alpha, sense)
            if found is not None:
                return found
    if trials is not None:
        A, B, alpha, gap = trials
        scale = np.abs(gap) / (1.0 + np.abs(gap))
        for i in np.argsort(-((sense * gap > 0) * scale))[:20]:
            if sense * gap[i] <= 0:
                break
            found = verify_jensen(expr, domain, A[i], B[i], alpha[i], sense)
            if found is not None:
                return found
    if hessian is not None:
        return jensen_from_hessian(expr, domain, hessian, sense)
    return None
