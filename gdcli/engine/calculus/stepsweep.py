"""Error against step size for forward and central differences: truncation (h, h^2) against round-off (eps/h)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from gdcli.engine.calculus.numdiff import approx_gradient

SWEEP_METHODS = ("forward", "central")
STEPS = tuple(10.0**-k for k in range(1, 16))  # h = 10^-1 ... 10^-15


@dataclass(frozen=True)
class SweepRow:
    h: float
    errors: dict[str, float]  # method -> max_i |numeric_i - analytic_i| at step h
    halving_ratios: dict[str, float | None]  # method -> error(h) / error(h/2): about 2 forward, 4 central
    regimes: dict[str, str]  # method -> "truncation" above the best step, "round-off" below it


@dataclass(frozen=True)
class Sweep:
    rows: list[SweepRow]
    orders: dict[str, float | None]  # fitted slope of log error against log h over the truncation range
    fit_range: dict[str, list[float] | None]  # [h_small, h_large] the fit used
    best_h: dict[str, float | None]  # the step with the smallest error: below it round-off takes over
    interrupted: bool = False


def _error(f, x, g, method, h, dtype) -> float:
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(approx_gradient(f, x, method, h, dtype) - g), initial=0.0))


def fit_order(hs: np.ndarray, errs: np.ndarray) -> tuple[float | None, list[float] | None, float | None]:
    """(order, [h_lo, h_hi], best h): the slope of log err vs log h from the largest h down to 100x the best step.

    Below the best step round-off (eps/h) dominates; the two decades just above it still mix both errors.
    """
    ok = np.isfinite(errs) & (errs > 0)
    if not ok.any():
        return None, None, None
    best = int(np.flatnonzero(ok)[np.argmin(errs[ok])])
    use = ok & (hs >= 100 * hs[best])
    if use.sum() < 3:
        return None, None, float(hs[best])
    slope = np.polyfit(np.log10(hs[use]), np.log10(errs[use]), 1)[0]
    return float(slope), [float(hs[use].min()), float(hs[use].max())], float(hs[best])


def step_sweep(f: Callable[[np.ndarray], np.ndarray], x, g, *, dtype=np.float64, steps=STEPS,
               tick: Callable[[], None] | None = None) -> Sweep:
    """Errors of forward and central differences against the analytic gradient g for each step in `steps`.

    Ctrl-C keeps the rows done so far and marks the sweep interrupted.
    """
    x = np.asarray(x, dtype=dtype)
    g = np.asarray(g, dtype=float)
    steps = [h for h in steps if dtype(h / 2) > 0]  # float16 holds no step below 6e-8: it would be 0, not h
    raw: list[tuple[float, dict, dict]] = []
    interrupted = False
    try:
        for h in steps:
            errors, ratios = {}, {}
            for m in SWEEP_METHODS:
                e, e_half = _error(f, x, g, m, h, dtype), _error(f, x, g, m, h / 2, dtype)
                errors[m] = e
                ratios[m] = e / e_half if e_half > 0 and np.isfinite(e_half) else None
            raw.append((h, errors, ratios))
            if tick:
                tick()
    except KeyboardInterrupt:
        interrupted = True
    hs = np.array([r[0] for r in raw])
    orders, ranges, best = {}, {}, {}
    for m in SWEEP_METHODS:
        errs = np.array([r[1][m] for r in raw])
        orders[m], ranges[m], best[m] = fit_order(hs, errs) if raw else (None, None, None)
    rows = [SweepRow(h, errors, ratios,
                     {m: "truncation" if best[m] is None or h > best[m] else ("best" if h == best[m] else "round-off")
                      for m in SWEEP_METHODS})
            for h, errors, ratios in raw]
    return Sweep(rows, orders, ranges, best, interrupted)
