"""Descend on an expression: one run per (optimiser, learning rate), with the curvature prediction beside each."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from gdcli.engine.calculus.derivatives import require_finite
from gdcli.engine.optim.descent import LIMIT, Run, Settings, Step, build_optimizer, iterate, summarize
from gdcli.errors import UsageError
from gdcli.engine.optim.regime import Curvature, curvature, gd_regime, oscillation, stationary_kind
from gdcli.expr import Expression


@dataclass(frozen=True)
class Descent:
    expression: str
    variables: list[str]
    start: list[float]
    runs: list[Run]
    curvature: Curvature | None  # the Hessian at the start, when some run is plain GD with a fixed step
    interrupted: bool = False


def is_quadratic(expr: Expression) -> bool:
    """A polynomial of total degree <= 2 has the same Hessian everywhere."""
    return not any(e.free_symbols for e in expr.hessian_sym)  # never expands (x+y)**200 as Poly would


def predicts(s: Settings) -> bool:
    return s.optimizer == "gd" and s.line_search == "none"


def run_one(expr: Expression, x0, s: Settings, *, curv: Curvature | None = None,
            on_step: Callable[[Step], None] | None = None, stop: Callable[[], bool] | None = None) -> Run:
    """Iterate one run to its end, or until `stop()` says so at a step boundary (status `interrupted`)."""
    opt = build_optimizer(s, lambda x: float(expr.f(x)), expr.hessian)
    probe = s.line_search != "none" or s.optimizer == "newton"
    history: list[Step] = []
    status = None
    for step in iterate(expr.value_and_grad, x0, opt, steps=s.steps, tol=s.tol, threshold=s.threshold,
                        lr=s.lr, probe=probe):
        history.append(step)
        if on_step is not None:
            on_step(step)
        if step.status is None and stop is not None and stop():
            status = "interrupted"
            break
    run = summarize(s, history, status)
    if run.status == "converged":  # converged at a maximum or a saddle is no minimum: say which
        kind = stationary_kind(expr.hessian(np.asarray(history[-1].x)))
        run = run if kind is None else dataclasses.replace(run, status="stationary", stationary=kind)
    xs = np.array([h.x for h in history])
    finite = xs[np.all(np.isfinite(xs), axis=1)]
    regime = gd_regime(curv, s.lr, finite, run.status) if curv is not None and predicts(s) else None
    return dataclasses.replace(run, oscillation=oscillation(finite), regime=regime)


def check_start(expr: Expression, x0: np.ndarray) -> None:
    """A start outside the domain, or already past the divergence limit, is bad input: no run has diverged yet."""
    f0, g0 = expr.value_and_grad(x0)
    require_finite(expr, x0, "f", f0)
    require_finite(expr, x0, "the gradient", g0)
    if abs(float(f0)) > LIMIT or float(np.linalg.norm(x0)) > LIMIT:
        raise UsageError(f"the start is already beyond the divergence limit (|f| = {abs(float(f0)):.3g}, "
                         f"||x|| = {float(np.linalg.norm(x0)):.3g}; the limit is {LIMIT:g}): start nearer the minimum")


def descend(expr: Expression, x0, settings: Sequence[Settings], *, on_step=None, stop=None) -> Descent:
    """Every run of a sweep in order; after an interrupted run the rest are skipped."""
    x0 = np.asarray(x0, dtype=float)
    check_start(expr, x0)
    curv = None
    if any(predicts(s) for s in settings):
        H = expr.hessian(x0)
        curv = curvature(H, is_quadratic(expr)) if np.all(np.isfinite(H)) else None
    runs = []
    for s in settings:
        runs.append(run_one(expr, x0, s, curv=curv, on_step=on_step, stop=stop))
        if runs[-1].status == "interrupted":
            break
    return Descent(expr.text, list(expr.variables), x0.tolist(), runs, curv,
                   interrupted=bool(runs) and runs[-1].status == "interrupted")
