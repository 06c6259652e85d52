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


def effective_step(x, method: str = "central", h=None, dtype=np.float64) -> np.ndarray:
    """The step (n,) that `approx_gradient` really uses: `h` as given, or the default made exactly representable at x.

    A step the user chose stands even when x + h rounds (h = 1e-15 at x = 1 moves x by 1.11e-15, or not at all):
    that round-off is what such a step costs, and hiding it would hide the lesson. `step_error` measures it.
    """
    x = np.asarray(x, dtype=dtype)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if h is not None:
        return np.broadcast_to(np.asarray(h, dtype=dtype), x.shape).copy()
    h = default_step(x, method, dtype)
    if method == "richardson":
        h = np.maximum(h, 1e-3 * np.maximum(1.0, np.abs(x)))  # needs a larger base step, or round-off wins
    h = np.asarray(h, dtype=dtype)
    # Let the default step be exactly representable relative to x (in x's dtype), so (x+h)-x == h.
    return ((x + h) - x).astype(dtype)


def step_error(x, h: np.ndarray) -> np.ndarray:
    """|((x + h) − x) − h| / h per coordinate, in x's dtype: how far the step between the points is from h."""
    x = np.asarray(x)
    h = np.asarray(h, dtype=x.dtype)
    moved, h64 = ((x + h) - x).astype(np.float64), h.astype(np.float64)
    with np.errstate(all="ignore"):
        return np.abs(moved - h64) / h64


def perturbed_points(x, h: np.ndarray, method: str) -> np.ndarray:
    """Every point a difference formula evaluates, stacked (m, n) so that f is called once."""
    E = np.diag(h)
    if method == "forward":
        return np.vstack([x[None, :], x + E])
    if method == "backward":
        return np.vstack([x[None, :], x - E])
    if method == "central":
        return np.vstack([x + E, x - E])
    return np.vstack([x + E, x - E, x + E / 2, x - E / 2])


def combine(fx: np.ndarray, h: np.ndarray, method: str) -> np.ndarray:
    """The difference quotients from the values at `perturbed_points`."""
    n = h.size
    fx = np.asarray(fx, dtype=np.float64)
    h = h.astype(np.float64)
    if method == "forward":
        return (fx[1:] - fx[0]) / h
    if method == "backward":
        return (fx[0] - fx[1:]) / h
    if method == "central":
        return (fx[:n] - fx[n:]) / (2 * h)
    # Richardson: combine central differences at h and h/2 to cancel the h^2 term: (4 D(h/2) - D(h)) / 3.
    d1 = (fx[:n] - fx[n:2 * n]) / (2 * h)
    d2 = (fx[2 * n:3 * n] - fx[3 * n:]) / h
    return (4 * d2 - d1) / 3


def approx_gradient(f: Callable[[np.ndarray], np.ndarray], x, method: str = "central", h=None,
                    dtype=np.float64) -> np.ndarray:
    """Numeric gradient of a vectorised f at x (n,) -> (n,).

    `f` takes points (m, n) and returns values (m,). `h` is a scalar or (n,) step; None means `default_step`.
    With `dtype=np.float32` the points are float32, so the step and the round-off are those of float32.
    """
    x = np.asarray(x, dtype=dtype)
    h = effective_step(x, method, h, dtype)
    return combine(f(perturbed_points(x, h, method)), h, method)


def per_point(f: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], np.ndarray]:
    """Make a function of one point (n,) -> float take points (m, n) -> (m,), by calling it once per point."""

    def batched(X):
        return np.array([f(np.array(p)) for p in X], dtype=np.float64)

    return batched
