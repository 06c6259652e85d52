"""What curvature predicts for gradient descent with a fixed step, and what the iterates actually did.

Near a minimum with Hessian H = V diag(lambda) V^T, one GD step multiplies the component of the step along
each eigenvector v_i by r_i = 1 - lr * lambda_i. The sign and size of r_i name the regime; on a quadratic
this is exact, elsewhere it describes the start only (local).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

REGIMES = {
    "one-step": "reaches the minimum in one step (lr·λ = 1)",
    "monotone": "converges monotonically (0 < lr·λ < 1)",
    "oscillating-converging": "converges while oscillating (1 < lr·λ < 2)",
    "oscillating": "oscillates for ever (lr·λ = 2)",
    "diverging": "diverges (lr·λ > 2, or λ < 0)",
    "flat": "does not move (λ = 0)",
}


def classify(r: float, tol: float = 1e-9) -> str:
    """The regime of the factor r = 1 - lr*lambda that one step multiplies a component by."""
    if abs(r) <= tol:
        return "one-step"
    if abs(r + 1) <= tol:
        return "oscillating"
    if abs(r - 1) <= tol:
        return "flat"
    if -1 < r < 1:
        return "monotone" if r > 0 else "oscillating-converging"
    return "diverging"


@dataclass(frozen=True)
class Curvature:
    """The Hessian's spectrum at the start, shared by every GD run of a sweep."""

    eigenvalues: list[float]
    eigenvectors: list[list[float]]  # columns, in the order of `eigenvalues`
    exact: bool  # f is quadratic, so H is the same everywhere and the prediction is exact
    max_stable_lr: float | None  # 2 / lambda_max (None when no eigenvalue is positive)

    @property
    def scope(self) -> str:
        return "exact" if self.exact else "local"


def curvature(H, exact: bool) -> Curvature:
    H = np.atleast_2d(np.asarray(H, dtype=float))
    lam, V = np.linalg.eigh((H + H.T) / 2)
    top = float(lam[-1])
    return Curvature(lam.tolist(), V.tolist(), exact, 2.0 / top if top > 0 else None)


@dataclass(frozen=True)
class Direction:
    eigenvalue: float
    lr_lambda: float
    predicted: str
    contraction: float  # |1 - lr*lambda|: how much each step shrinks (or grows) this component
    observed_ratio: float | None  # median of (step_{k+1} . v) / (step_k . v) over the first steps
    observed: str | None  # None when the start had no component along v
    agrees: bool | None


@dataclass(frozen=True)
class RunRegime:
    scope: str  # exact or local
    directions: list[Direction]
    predicted: str  # the regime of the dominant direction (largest |1 - lr*lambda|)
    observed: str | None  # None when the run took too few steps to tell
    agrees: bool | None


def _ratios(c: np.ndarray) -> np.ndarray:
    """Successive ratios c[k+1]/c[k] where c[k] is not negligible."""
    if c.size < 2:
        return np.empty(0)
    big = np.max(np.abs(c))
    ok = np.abs(c[:-1]) > max(1e-12 * big, 1e-300)
    return c[1:][ok] / c[:-1][ok]


OBSERVED_TOL = 1e-6  # a ratio measured from float differences of iterates is only this precise


def observed_regime(ratio: float, r: float | None = None) -> str:
    """The regime of a measured step ratio. Within OBSERVED_TOL of the predicted factor r it is r's regime:
    with lr = 1e-9, r = 1 - 2e-9 is monotone, but the measured ratio cannot tell it from flat (r = 1)."""
    if r is not None and abs(ratio - r) <= OBSERVED_TOL:
        return classify(r)
    return classify(ratio, tol=OBSERVED_TOL)


def observe_overall(tail: np.ndarray, count: int, status: str, r: float | None = None) -> str | None:
    """The regime the whole trajectory showed, from the ratio of successive steps near its end
    (`tail`: the last iterates of the `count` there were; r: the predicted factor of the dominant direction,
    which rules the tail)."""
    if status == "diverged":
        return "diverging"
    if count == 2 and status == "converged":
        return "one-step"
    if count < 3:
        return None
    tail = np.diff(tail[-12:], axis=0)
    norms2 = np.einsum("ij,ij->i", tail, tail)
    ok = norms2[:-1] > 0
    if not ok.any():
        return "one-step"
    ratio = float(np.median(np.einsum("ij,ij->i", tail[1:], tail[:-1])[ok] / norms2[:-1][ok]))
    return observed_regime(ratio, r)


def gd_regime(curv: Curvature, lr: float, xs, status: str, window: int = 10) -> RunRegime:
    """Predicted regime per eigen-direction for GD with step lr, beside what the first steps showed.

    `xs`: the whole history (m, n), or the record.Trace a streaming run kept of it (the same answer)."""
    from gdcli.engine.optim.record import Trace

    trace = xs if isinstance(xs, Trace) else Trace.of(xs)
    d = np.diff(trace.first, axis=0)
    V = np.asarray(curv.eigenvectors, dtype=float)
    directions = []
    for i, lam in enumerate(curv.eigenvalues):
        r = 1.0 - lr * lam
        predicted = classify(r)
        ratios = _ratios(d[: window + 1] @ V[:, i]) if len(d) else np.empty(0)
        obs_r = float(np.median(ratios)) if ratios.size else None
        if obs_r is None and len(d) >= 1 and status == "converged" and abs(float(d[0] @ V[:, i])) > 0:
            obs_r = 0.0  # one step landed on the minimum and the loop stopped there
        observed = None if obs_r is None else observed_regime(obs_r, r)
        directions.append(Direction(lam, lr * lam, predicted, abs(r), obs_r, observed,
                                    None if observed is None else observed == predicted))
    dominant = max(range(len(directions)), key=lambda i: (directions[i].contraction, -directions[i].lr_lambda))
    predicted = directions[dominant].predicted
    observed = observe_overall(trace.last, trace.count, status, 1.0 - lr * directions[dominant].eigenvalue)
    return RunRegime(curv.scope, directions, predicted, observed, None if observed is None else observed == predicted)


@dataclass(frozen=True)
class Oscillation:
    """The iterate keeps jumping back across the minimum: consecutive steps point opposite ways."""

    reversals: int  # of the last `window` pairs of consecutive steps, how many reversed direction
    window: int
    variables: list[int]  # indices of the coordinates that flip sign step after step


def oscillation(xs: np.ndarray, window: int = 20, share: float = 0.9) -> Oscillation | None:
    """Detect sustained sign flipping of the steps over the last `window` step pairs (at least 3)."""
    d = np.diff(xs, axis=0)[-(window + 1):]
    if len(d) < 4:
        return None
    dots = np.einsum("ij,ij->i", d[1:], d[:-1])
    reversed_ = int(np.sum(dots < 0))
    pairs = len(dots)
    if reversed_ < math.ceil(share * pairs):
        return None
    flips = np.sum(np.sign(d[1:]) * np.sign(d[:-1]) < 0, axis=0)
    coords = [int(i) for i in np.flatnonzero(flips >= math.ceil(share * pairs))]
    return Oscillation(reversed_, pairs, coords)


GROWTH_MARGIN = 1e-3  # a tail step ratio |ρ| above 1 + this is growth, not round-off around ρ = ±1


def geometric_growth(xs: np.ndarray, tail: int = 11) -> float | None:
    """|ρ| > 1 when the last steps of a run grow geometrically (step_{k+1} ≈ ρ step_k) while ‖x‖ grows: a run that
    is diverging but has not yet crossed the divergence limit. None otherwise.

    The ratio is the one the curvature table's "observed" column measures (observe_overall), so the status and
    that table agree.
    """
    xs = np.asarray(xs, dtype=float)[-(tail + 1):]
    if len(xs) < 4 or not np.isfinite(xs).all():
        return None
    d = np.diff(xs, axis=0)
    norms2 = np.einsum("ij,ij->i", d, d)
    ok = norms2[:-1] > 0
    if not ok.any():
        return None
    ratio = float(np.median(np.einsum("ij,ij->i", d[1:], d[:-1])[ok] / norms2[:-1][ok]))
    grows = np.linalg.norm(xs[-1]) > np.linalg.norm(xs[0])
    return abs(ratio) if abs(ratio) > 1 + GROWTH_MARGIN and grows else None


def stationary_kind(H, tol: float | None = None) -> str | None:
    """What a stationary point whose Hessian has a negative eigenvalue is (so it is no minimum): a maximum, a
    saddle, or degenerate (the other eigenvalues zero); None when it may be a minimum (or H is not finite)."""
    H = np.atleast_2d(np.asarray(H, dtype=float))
    if not np.isfinite(H).all():
        return None
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    tol = 64 * lam.size * np.finfo(float).eps * float(np.max(np.abs(lam), initial=0.0)) if tol is None else tol
    if lam[0] >= -tol:
        return None
    if lam[-1] < -tol:
        return "maximum"
    return "saddle" if lam[-1] > tol else "degenerate point with negative curvature"
