"""Descend on an expression: one run per (optimiser, learning rate), with the curvature prediction beside each."""

from __future__ import annotations

import dataclasses
import math
import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from gdcli.engine.calculus.derivatives import require_finite
from gdcli.engine.optim.descent import LIMIT, Divergence, Run, Settings, Step, build_optimizer, iterate, summarize
from gdcli.engine.optim.record import Keep, Recorder, Trace
from gdcli.errors import UsageError
from gdcli.engine.optim.regime import Curvature, curvature, gd_regime, geometric_growth, oscillation, stationary_kind
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


def run_one(expr: Expression, x0, s: Settings, *, curv: Curvature | None = None, keep: Keep = Keep(),
            on_step: Callable[[Step], None] | None = None, stop: Callable[[], bool] | None = None) -> Run:
    """Iterate one run to its end, or until `stop()` says so at a step boundary (status `interrupted`).
    Memory stays flat in the number of steps: `keep` says which rows to hold on to (record.Recorder)."""
    opt = build_optimizer(s, lambda x: float(expr.f(x)), expr.hessian)
    probe = s.line_search != "none" or s.optimizer == "newton"
    rec = Recorder(keep)
    add = rec.add
    status = None
    for step in iterate(expr.fast_value_and_grad, x0, opt, steps=s.steps, tol=s.tol, threshold=s.threshold,
                        lr=s.lr, probe=probe):
        add(step)
        if on_step is not None:
            on_step(step)
        if stop is not None and step.status is None and stop():
            status = "interrupted"
            break
    return finish(summarize(s, rec.last_step, rec.rows(), rec.path(), rec.damping(), status), rec.trace(), curv,
                  expr.hessian)


def finish(run: Run, trace: Trace, curv: Curvature | None, hessian: Callable | None = None) -> Run:
    """The statuses and statistics read from the kept iterates, the same for a run alone and a run in a batch.

    A run out of steps whose steps still grow geometrically is `diverging` (the curvature table beside it says
    so too); a run converged to a maximum or a saddle is `stationary`, and says which. Then the oscillation, and
    the regime beside curvature's prediction.
    """
    if run.status == "max-steps" and (growth := geometric_growth(trace.last)) is not None:
        point = [v for v in run.final.point if v is not None]
        run = dataclasses.replace(run, status="diverging", divergence=Divergence(
            run.steps, run.final.value, math.hypot(*point),
            f"the steps grow by a factor {growth:.4g} each (geometric growth)"))
    if run.status == "converged" and hessian is not None:
        kind = stationary_kind(hessian(np.asarray(run.final.point, dtype=float)))
        run = run if kind is None else dataclasses.replace(run, status="stationary", stationary=kind)
    regime = gd_regime(curv, run.lr, trace, run.status) if curv is not None and predicts(run.settings) else None
    return dataclasses.replace(run, oscillation=oscillation(trace.last), regime=regime)


def check_start(expr: Expression, x0: np.ndarray) -> None:
    """A start outside the domain, or already past the divergence limit, is bad input: no run has diverged yet."""
    f0, g0 = expr.value_and_grad(x0)
    require_finite(expr, x0, "f", f0)
    require_finite(expr, x0, "the gradient", g0)
    if abs(float(f0)) > LIMIT or float(np.linalg.norm(x0)) > LIMIT:
        raise UsageError(f"the start is already beyond the divergence limit (|f| = {abs(float(f0)):.3g}, "
                         f"||x|| = {float(np.linalg.norm(x0)):.3g}; the limit is {LIMIT:g}): start nearer the minimum")


def descend(expr: Expression, x0, settings: Sequence[Settings], *, keep: Keep = Keep(), on_step=None,
            on_batch=None, stop=None) -> Descent:
    """Every run of a sweep. Runs of one optimiser without a line search advance together as one batch
    (batch.advance); Newton and line searches run one by one, in order. `on_step(i, step)` sees every iterate
    of a one-by-one run i, `on_batch(members, k, idx, X, F, GN)` every step of a batch, whose row j is run
    members[idx[j]] of the sweep.
    After an interruption the runs not yet started are skipped."""
    from gdcli.engine.optim.batch import advance, batchable, runs_of

    x0 = np.asarray(x0, dtype=float)
    check_start(expr, x0)
    curv = None
    if any(predicts(s) for s in settings):
        H = expr.hessian(x0)
        curv = curvature(H, is_quadratic(expr)) if np.all(np.isfinite(H)) else None
    groups: dict[object, list[int]] = {}
    for i, s in enumerate(settings):
        groups.setdefault(s.optimizer if batchable(s) else ("one", i), []).append(i)
    done: dict[int, Run] = {}
    interrupted = False
    for key, members in sorted(groups.items(), key=lambda kv: kv[1][0]):
        if interrupted:
            break
        if isinstance(key, tuple) or len(members) == 1:
            i = members[0]
            hook = None if on_step is None else functools.partial(on_step, i)
            done[i] = run_one(expr, x0, settings[i], curv=curv, keep=keep, on_step=hook, stop=stop)
        else:
            group = [settings[i] for i in members]
            hook = None if on_batch is None else functools.partial(on_batch, members)
            batch = advance(expr.value_and_grad, x0, group, keep=keep, on_step=hook, stop=stop)
            for i, (run, trace) in zip(members, runs_of(batch, group, keep)):
                done[i] = finish(run, trace, curv, expr.hessian)
        interrupted = any(done[i].status == "interrupted" for i in members)
    return Descent(expr.text, list(expr.variables), x0.tolist(), [done[i] for i in sorted(done)], curv,
                   interrupted=interrupted)
