"""The descent loop: a generator of frozen step records, and the runs it makes with their stopping rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple

import numpy as np

from gdcli.engine.calculus.definiteness import scaled_norm  # ‖v‖ without under- or overflow
from gdcli.engine.optim import transforms as optim
from gdcli.engine.optim.record import Damping, Path

LIMIT = 1e12  # |f| or ||x|| beyond this counts as divergence (SPEC: a result, not an error)
# diverging: stopped at max-steps while the steps grew geometrically; stationary: converged to a point whose
# Hessian shows it is a maximum or a saddle, not a minimum (Run.stationary names which).
STATUSES = ("converged", "stationary", "threshold", "max-steps", "diverging", "diverged", "interrupted")
LINE_SEARCHES = ("none", "armijo")


class Step(NamedTuple):
    """One iterate x_k: its value, gradient norm, and how the step that reached it was taken."""

    k: int
    x: np.ndarray
    f: float
    grad_norm: float
    step_size: float | None = None  # lr * t, when a line search chose the fraction t of the step into x_k
    damping: float | None = None  # Newton's shift mu in H + mu I for the step into x_k (0 if H was PD)
    status: str | None = None  # set on the last record: why the loop stopped here


@dataclass(frozen=True)
class Settings:
    """What a run was asked to do."""

    optimizer: str = "gd"
    lr: float = 0.1
    steps: int = 1000
    tol: float = 1e-8
    threshold: float | None = None
    line_search: str = "none"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    rmsprop_alpha: float = 0.99  # torch.optim.RMSprop's alpha: the decay of the mean of squared gradients


def build_optimizer(s: Settings, f: Callable, hessian: Callable) -> optim.GradientTransformation:
    """The named optimiser with its hyper-parameters, wrapped in Armijo backtracking if asked."""
    opt = optim.make(s.optimizer, s.lr, momentum_beta=s.momentum, beta1=s.beta1, beta2=s.beta2, eps=s.eps,
                     hessian=hessian, rmsprop_alpha=s.rmsprop_alpha)
    return optim.armijo(opt, f) if s.line_search == "armijo" else opt


def _find(state, kind):
    """The first state of type `kind` inside a (possibly nested) optimiser state."""
    if isinstance(state, kind):
        return state
    if isinstance(state, tuple):
        for s in state:
            found = _find(s, kind)
            if found is not None:
                return found
    return None


def _norm(v) -> float:
    s = float(v @ v)
    return math.sqrt(s) if 1e-280 < s < 1e280 else scaled_norm(v)


def _small_norm(v) -> float:
    """||v|| on a few floats, ten times faster than NumPy's v @ v; scaled only when v·v leaves the safe range."""
    s = sum([c * c for c in v.tolist()])
    return math.sqrt(s) if 1e-280 < s < 1e280 else scaled_norm(v)


def status_of(f: float, grad_norm: float, x_norm: float, k: int, steps: int, tol: float,
              threshold: float | None) -> str | None:
    """Why a run stops at iterate k, or None to go on: the one rule every loop applies (batch.statuses() is
    its array form; tests/test_batch.py holds the two together)."""
    if not (math.isfinite(f) and math.isfinite(grad_norm) and math.isfinite(x_norm)) or abs(f) > LIMIT or x_norm > LIMIT:
        return "diverged"
    if grad_norm <= tol:
        return "converged"
    if threshold is not None and f <= threshold:
        return "threshold"
    if k >= steps:
        return "max-steps"
    return None


def iterate(value_and_grad: Callable, x0, opt: optim.GradientTransformation, *, steps: int, tol: float = 0.0,
            threshold: float | None = None, lr: float = 1.0, probe: bool = False) -> Iterator[Step]:
    """Yield x_0, x_1, ... as Step records; the last one carries its status.

    `value_and_grad(x) -> (f, g)` on one point of shape (n,). The loop stops at the first of: a non-finite
    value or |f|, ||x|| > LIMIT (diverged), ||g|| <= tol (converged), f <= threshold, k = steps (max-steps).
    `probe` reads the line-search fraction and Newton damping out of the optimiser state (a little slower).
    """
    x = np.array(x0, dtype=float)
    state = opt.init(x)
    inf, norm = math.inf, (_small_norm if x.size <= 16 else _norm)
    # A diverging run overflows on purpose and the status check catches it: NumPy's warnings are noise. The
    # context spans the loop (entering it per step would cost more than a small step).
    with np.errstate(over="ignore", invalid="ignore"):
        f, g = value_and_grad(x)
        gn, xn = norm(g), norm(x)
        f = float(f)
        k = 0
        t = mu = None
        while True:
            # the common case in one test; anything else (stopping, or a NaN/inf) is status_of's to decide
            if k < steps and tol < gn < inf and xn <= LIMIT and -LIMIT <= f <= LIMIT and (threshold is None or f > threshold):
                status = None
            else:
                status = status_of(f, gn, xn, k, steps, tol, threshold)
            yield Step(k, x, f, gn, t, mu, status)
            if status is not None:
                return
            u, state = opt.update(g, state, x)
            x = x + u
            f, g = value_and_grad(x)
            gn, xn = norm(g), norm(x)
            if probe:
                a = _find(state, optim.ArmijoState)
                t = None if a is None else lr * a.t
                n = _find(state, optim.NewtonState)
                mu = None if n is None else n.damping
            f = float(f)
            k += 1


# -- a finished run -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Final:
    point: list[float | None]
    value: float | None
    grad_norm: float | None


@dataclass(frozen=True)
class Divergence:
    step: int
    value: float | None  # None when f was not a finite number
    norm: float | None  # ||x_k||
    reason: str


@dataclass(frozen=True)
class Run:
    settings: Settings
    status: str
    steps: int  # the index k of the last iterate
    history: tuple[Step, ...]  # the kept rows (record.Keep), in order of k, ending with the last iterate
    final: Final
    divergence: Divergence | None = None
    damping: Damping | None = None
    oscillation: object | None = None  # regime.Oscillation
    regime: object | None = None  # regime.RunRegime, for plain GD with a fixed step
    stationary: str | None = None  # status `stationary`: what the point is instead (regime.stationary_kind)
    path: Path | None = None  # iterates spread evenly over the run (record.PATH_POINTS at most), for pictures

    @property
    def optimizer(self) -> str:
        return self.settings.optimizer

    @property
    def lr(self) -> float:
        return self.settings.lr


def finite_or_none(v):
    v = float(v)
    return v if math.isfinite(v) else None


def summarize(settings: Settings, last: Step, rows: tuple, path: Path, damping: Damping | None = None,
              status: str | None = None) -> Run:
    """A Run from what was kept of it (its last step, rows and path); `status` overrides the last record's
    (e.g. `interrupted`)."""
    status = status or last.status or "interrupted"
    divergence = None
    if status == "diverged":
        fk, xn = finite_or_none(last.f), finite_or_none(math.hypot(*last.x))  # hypot: no overflow on a huge x
        if fk is None or xn is None or not math.isfinite(last.grad_norm):
            reason = "a value stopped being a finite number (overflow)"
        elif abs(fk) > LIMIT:
            reason = f"|f| exceeded {LIMIT:g}"
        else:
            reason = f"||x|| exceeded {LIMIT:g}"
        divergence = Divergence(last.k, fk, xn, reason)
    final = Final([finite_or_none(v) for v in last.x], finite_or_none(last.f), finite_or_none(last.grad_norm))
    return Run(settings, status, last.k, rows, final, divergence, damping, path=path)
