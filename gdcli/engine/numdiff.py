"""Finite-difference gradients, every perturbed point evaluated in one vectorised call."""

from __future__ import annotations

from typing import Callable

import numpy as np

METHODS = ("forward", "backward", "central", "richardson")


def default_step(x: np.ndarray, method: str = "central", dtype=np.float64) -> np.ndarray:
    """The step per coordinate: eps^(1/2) for one-sided and eps^(1/3) for centred differences, times max(1, |x|).

    These balance truncation error (h or h^2) against round-off (eps/h), as in scipy's approx_derivative.
    """
    eps = np.finfo(dtype).eps
    power = 1 / 2 if method in ("forward", "backward") else 1 / 3
    return eps**power * np.maximum(1.0, np.abs(x))


def approx_gradient(f: Callable[[np.ndarray], np.ndarray], x, method: str = "central", h=None) -> np.ndarray:
    """Numeric gradient of a vectorised f at x (n,) -> (n,).

    `f` takes points (m, n) and returns values (m,). `h` is a scalar or (n,) step; None means `default_step`.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    h = default_step(x, method) if h is None else np.broadcast_to(np.asarray(h, dtype=float), (n,))
    # Let the step be exactly representable relative to x, so (x+h)-x == h.
    h = (x + h) - x
    E = np.diag(h)
    if method == "forward":
        fx = f(np.vstack([x[None, :], x + E]))
        return (fx[1:] - fx[0]) / h
    if method == "backward":
        fx = f(np.vstack([x[None, :], x - E]))
        return (fx[0] - fx[1:]) / h
    if method == "central":
        fx = f(np.vstack([x + E, x - E]))
        return (fx[:n] - fx[n:]) / (2 * h)
    # Richardson: combine central differences at h and h/2 to cancel the h^2 term: (4 D(h/2) - D(h)) / 3.
    h = np.maximum(h, 1e-3 * np.maximum(1.0, np.abs(x)))  # needs a larger base step, or round-off wins
    E = np.diag(h)
    fx = f(np.vstack([x + E, x - E, x + E / 2, x - E / 2]))
    d1 = (fx[:n] - fx[n:2 * n]) / (2 * h)
    d2 = (fx[2 * n:3 * n] - fx[3 * n:]) / h
    return (4 * d2 - d1) / 3
