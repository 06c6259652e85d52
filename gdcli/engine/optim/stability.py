"""Stability maps: the outcome of a sweep over two hyper-parameters, beside what curvature predicts.

On a quadratic with Hessian eigenvalues lambda, heavy-ball momentum (v <- beta v + g, x <- x - lr v) multiplies
each eigen-component by the roots of z^2 - (1 + beta - lr lambda) z + beta = 0, so a run converges when both
roots lie inside the unit circle: 0 <= beta < 1 and 0 < lr lambda < 2 (1 + beta). Plain GD is beta = 0, the
boundary lr lambda = 2 of seed 003.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdcli.engine.optim.batch import HYPER
from gdcli.engine.optim.descent import LIMIT

MARGIN = 1e4  # a run predicted to grow must pass LIMIT by this factor within its steps to count as decided


@dataclass(frozen=True)
class Prediction:
    rule: str
    agree: int
    disagree: int
    undecided: int  # grows too slowly to pass the divergence limit within the steps, or sits on the boundary
    disagreements: list[dict]  # the first few cells where the run did not do what the spectral radius says


@dataclass(frozen=True)
class StabilityMap:
    expression: str
    optimizer: str
    x_name: str
    y_name: str
    x_values: np.ndarray
    y_values: np.ndarray
    final_value: np.ndarray  # (len x, len y)
    steps: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray
    boundary: tuple[np.ndarray, np.ndarray] | None  # the predicted stability boundary, in (x, y) coordinates
    boundary_label: str | None
    prediction: Prediction | None


def swept(settings) -> list[str]:
    """The hyper-parameters that take more than one value in a sweep."""
    return [h for h in HYPER if len({getattr(s, h) for s in settings}) > 1]


def spectral_radius(optimizer: str, lr: float, beta: float, eigenvalues) -> float | None:
    """The largest factor per step on a quadratic, for plain GD and heavy-ball momentum (None otherwise)."""
    if optimizer == "gd":
        beta = 0.0
    elif optimizer != "momentum":
        return None
    rho = 0.0
    for lam in eigenvalues:
        roots = np.roots([1.0, -(1.0 + beta - lr * lam), beta])
        rho = max(rho, float(np.max(np.abs(roots))))
    return rho


def _predict(runs, start_norm: float, eigenvalues) -> Prediction | None:
    agree = disagree = undecided = 0
    bad = []
    for r in runs:
        s = r.settings
        rho = spectral_radius(s.optimizer, s.lr, s.momentum, eigenvalues)
        if rho is None:
            return None
        if rho < 1:
            want = False
        elif rho > 1 and s.steps * math.log(rho) > math.log(MARGIN * LIMIT / max(start_norm, 1e-300)):
            want = True
        else:
            undecided += 1
            continue
        got = r.status == "diverged"
        if got == want:
            agree += 1
        else:
            disagree += 1
            if len(bad) < 10:
                bad.append({"lr": s.lr, "momentum": s.momentum, "spectral_radius": rho, "status": r.status})
    return Prediction("diverges iff the spectral radius of the step is > 1 (lr·λ > 2(1 + β) for momentum, "
                      "lr·λ > 2 for gd)", agree, disagree, undecided, bad)


def stability_map(descent, expr) -> StabilityMap | None:
    """The map of a sweep of one optimiser over exactly two hyper-parameters (None for any other sweep)."""
    from gdcli.engine.optim.regime import curvature
    from gdcli.engine.optim.sweep import is_quadratic

    runs = descent.runs
    names = swept([r.settings for r in runs])
    if len(names) != 2 or len({r.settings.optimizer for r in runs}) != 1 or descent.interrupted:
        return None
    x_name, y_name = names
    xs = sorted({getattr(r.settings, x_name) for r in runs})
    ys = sorted({getattr(r.settings, y_name) for r in runs})
    if len(xs) * len(ys) != len(runs):
        return None
    shape = (len(xs), len(ys))
    value, steps = np.full(shape, np.nan), np.zeros(shape, dtype=int)
    converged, diverged = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for r in runs:
        i, j = xs.index(getattr(r.settings, x_name)), ys.index(getattr(r.settings, y_name))
        value[i, j] = np.nan if r.final.value is None else r.final.value
        steps[i, j] = r.steps
        converged[i, j] = r.status == "converged"
        diverged[i, j] = r.status == "diverged"
    optimizer = runs[0].settings.optimizer
    boundary = label = prediction = None
    H = expr.hessian(np.asarray(descent.start, dtype=float))
    if is_quadratic(expr) and np.all(np.isfinite(H)):
        curv = curvature(H, True)
        prediction = _predict(runs, float(np.linalg.norm(descent.start)), curv.eigenvalues)
        top = max(curv.eigenvalues)
        if optimizer == "momentum" and {x_name, y_name} == {"lr", "momentum"} and top > 0:
            beta = np.linspace(min(ys if y_name == "momentum" else xs), max(ys if y_name == "momentum" else xs), 200)
            lr = 2 * (1 + beta) / top
            boundary = (lr, beta) if x_name == "lr" else (beta, lr)
            label = f"lr·λmax = 2(1 + β), λmax = {top:g}"
    return StabilityMap(descent.expression, optimizer, x_name, y_name, np.array(xs), np.array(ys), value, steps,
                        converged, diverged, boundary, label, prediction)
