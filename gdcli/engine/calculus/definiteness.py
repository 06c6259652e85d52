"""Definiteness decided exactly where the matrix is exact, else with a tolerance relative to its own scale.

Exact: the decimals a user typed become exact rationals (1e-100 is 1/10**100, never rounded to 0), and the signs
of the eigenvalues of a rational symmetric matrix come from its characteristic polynomial by Descartes' rule of
signs, which is exact for a polynomial whose roots are all real. No eigenvalue is ever computed to decide a sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gdcli.expr.budget import Budget, SymbolicTimeout

def exact_form(e: sp.Expr) -> sp.Expr:
    """Every float in e as the exact rational of its shortest repr (0.1 -> 1/10, 1e-100 -> 1/10**100)."""
    return e.xreplace({f: sp.Rational(repr(float(f))) for f in e.atoms(sp.Float)})


def exact_number(x: float) -> sp.Rational:
    """The decimal a user typed, as an exact rational (3.1 -> 31/10), so exact forms stay exact."""
    return sp.Rational(repr(float(x)))


def scaled_norm(v) -> float:
    """The Euclidean norm without overflow or underflow (as hypot): ‖(1e160, 1e160)‖ and ‖(1e-200,)‖ are right."""
    v = np.abs(np.asarray(v, dtype=float)).ravel()
    if v.size == 0:
        return 0.0
    m = float(np.max(v))
    if m == 0 or not math.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum((v / m) ** 2)))


def kind_of(signs) -> str:
    """The definiteness named by the signs (+1, 0, -1) of the eigenvalues."""
    signs = list(signs)
    if all(s > 0 for s in signs):
        return "positive-definite"
    if all(s < 0 for s in signs):
        return "negative-definite"
    if all(s >= 0 for s in signs):
        return "positive-semidefinite"
    if all(s <= 0 for s in signs):
        return "negative-semidefinite"
    return "indefinite"


def _sign_changes(coeffs) -> int:
    signs = [1 if c > 0 else -1 for c in coeffs if c != 0]
    return sum(1 for a, b in zip(signs, signs[1:]) if a != b)


def exact_signs(H: sp.Matrix) -> tuple[int, int, int] | None:
    """(positive, zero, negative) eigenvalue counts of a symmetric matrix with rational entries, exactly; else None."""
    n = H.shape[0]
    if any(not e.is_Rational for e in H):
        return None
    lam = sp.Dummy("lam")
    coeffs = H.charpoly(lam).all_coeffs()  # leading first; the roots are real because H is symmetric
    zeros = 0
    while zeros < len(coeffs) - 1 and coeffs[-1 - zeros] == 0:
        zeros += 1
    rest = coeffs[: len(coeffs) - zeros]
    positive = _sign_changes(rest)
    return positive, zeros, n - zeros - positive


def exact_eigenvalues(H: sp.Matrix) -> list[sp.Expr] | None:
    """Exact eigenvalues, ascending, of a small matrix of exact (rational or algebraic) numbers; else None."""
    if H.shape[0] > 3 or any(not (e.is_Rational or e.is_algebraic) for e in H) or any(e.has(sp.Float) for e in H):
        return None
    try:
        roots = []
        for value, mult in H.eigenvals(multiple=False).items():
            roots.extend([sp.radsimp(value)] * mult)
    except SymbolicTimeout:
        raise
    except Exception:  # noqa: BLE001 - SymPy may fail to solve; the float eigenvalues still stand
        return None
    if any(not r.is_real for r in roots):
        return None
    return sorted(roots, key=lambda r: float(r))


@dataclass(frozen=True)
class Definiteness:
    kind: str
    exact: bool  # decided in exact arithmetic
    tolerance: float | None  # numeric: |λ| <= tolerance counts as zero (relative to the matrix's scale)
    eigenvalues_exact: list[sp.Expr] | None


def numeric_tolerance(lam: np.ndarray) -> float:
    """Eigenvalues from a symmetric eigensolver carry an error of about n·eps·‖H‖₂ (Golub & Van Loan §8.1)."""
    lam = np.asarray(lam, dtype=float)
    n = max(1, lam.size)
    return 64 * n * float(np.finfo(float).eps) * float(np.max(np.abs(lam), initial=0.0))


def numeric_kind(lam, tol: float | None = None) -> str:
    lam = np.asarray(lam, dtype=float)
    tol = numeric_tolerance(lam) if tol is None else tol
    return kind_of(0 if abs(v) <= tol else (1 if v > 0 else -1) for v in lam)


def decide(H_exact: sp.Matrix | None, lam, budget: Budget | None = None, notes: list[str] | None = None) -> Definiteness:
    """Definiteness of a symmetric matrix: exact when H_exact has rational entries (under the budget), else numeric."""
    budget = budget or Budget(None)
    if H_exact is not None and H_exact.shape[0]:
        H_exact = H_exact.applyfunc(exact_form)
        signs = budget.attempt("exact definiteness", lambda: exact_signs(H_exact))
        if signs is not None:
            pos, zero, neg = signs
            exact = budget.attempt("exact eigenvalues", lambda: exact_eigenvalues(H_exact))
            if exact is None and "exact eigenvalues" in budget.skipped and notes is not None:
                notes.append(budget.note("exact eigenvalues", "the eigenvalues are floating point (the signs are exact)"))
            return Definiteness(kind_of([1] * pos + [0] * zero + [-1] * neg), True, None, exact)
        if "exact definiteness" in budget.skipped and notes is not None:
            notes.append(budget.note("exact definiteness", "decided in floating point with a relative tolerance"))
    tol = numeric_tolerance(lam)
    return Definiteness(numeric_kind(lam, tol), False, tol, None)
