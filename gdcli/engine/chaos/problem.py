"""The SGD fractal problem (§2.7.7): samples, exact minimum, the lines x_i·w = y_i, and SGD steps as affine maps."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from gdcli.errors import DataError, UsageError

# The seed's data (eq. 2.62-2.63): three samples in R^2 and their targets.
SEED_X = ((0, 1), (1, Fraction(1, 2)), (1, Fraction(-1, 2)))
SEED_Y = (0, 4, 0)
MAX_MAPS = 65536  # mini-batches are enumerated; beyond this the table stops fitting in cache


@dataclass(frozen=True)
class Line:
    """Where sample i is fitted exactly: x_i·w = y_i (w1, w2 are the weights)."""

    sample: int
    x: tuple[float, float]
    y: float
    equation: str


@dataclass(frozen=True)
class Problem:
    """Least squares L(w) = ½ Σ (x_i·w − y_i)² in two weights, its exact minimum and its lines."""

    X: np.ndarray
    y: np.ndarray
    minimum: tuple[float, float]
    minimum_exact: tuple[str, str]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Maps:
    """One SGD step per mini-batch S as an affine map w ← A_S w + b_S, stored as coefficient columns."""

    lr: float
    batch_size: int
    a00: np.ndarray
    a01: np.ndarray
    a11: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    expanding: tuple[dict, ...]  # the mini-batches whose map stretches some direction (|eigenvalue| > 1)
    mean_square_rate: float  # λ_max E[AᵀA]: how fast the chains forget where they started


def _fraction(v) -> Fraction:
    # via str so that 0.1 from a file is 1/10, as the user wrote it, not its binary neighbour
    return v if isinstance(v, Fraction) else Fraction(str(v))


def _term(c: Fraction, name: str, first: bool) -> str:
    sign = "-" if c < 0 else ("" if first else "+")
    mag = abs(c)
    body = name if mag == 1 else f"{mag} {name}"
    return (sign + body) if first else f" {sign} {body}"


def line_equation(x, y) -> str:
    terms = [(c, n) for c, n in zip(map(_fraction, x), ("w1", "w2")) if c != 0]
    if not terms:
        return f"0 = {_fraction(y)}"
    lhs = "".join(_term(c, n, i == 0) for i, (c, n) in enumerate(terms))
    return f"{lhs} = {_fraction(y)}"


def problem(X=SEED_X, y=SEED_Y) -> Problem:
    """The exact minimum from the normal equations XᵀX w = Xᵀy, solved in rationals."""
    Xf = [[_fraction(v) for v in row] for row in X]
    yf = [_fraction(v) for v in y]
    if len(Xf) == 0 or any(len(row) != 2 for row in Xf) or len(yf) != len(Xf):
        raise DataError("the fractal needs rows of x1, x2, y (two inputs and a target)")
    g11 = sum(r[0] * r[0] for r in Xf)
    g12 = sum(r[0] * r[1] for r in Xf)
    g22 = sum(r[1] * r[1] for r in Xf)
    h1 = sum(r[0] * t for r, t in zip(Xf, yf))
    h2 = sum(r[1] * t for r, t in zip(Xf, yf))
    det = g11 * g22 - g12 * g12
    if det == 0:
        raise DataError("XᵀX is singular: the samples do not determine a unique minimum (need two independent rows)")
    w1 = (g22 * h1 - g12 * h2) / det  # Cramer's rule on the 2×2 normal equations
    w2 = (g11 * h2 - g12 * h1) / det
    lines = tuple(Line(i + 1, (float(r[0]), float(r[1])), float(t), line_equation(r, t)) for i, (r, t) in enumerate(zip(Xf, yf)))
    return Problem(np.array([[float(v) for v in r] for r in Xf]), np.array([float(t) for t in yf]),
                   (float(w1), float(w2)), (str(w1), str(w2)), lines)


def sgd_maps(prob: Problem, lr: float, batch_size: int = 1) -> Maps:
    """The step on mini-batch S: w ← w − (lr/m) Σ_S (x_i·w − y_i) x_i = (I − (lr/m) Σ x_i x_iᵀ) w + (lr/m) Σ y_i x_i."""
    if not (lr > 0 and math.isfinite(lr)):
        raise UsageError(f"--lr must be a positive number; got {lr}")
    M = len(prob.y)
    if not 1 <= batch_size <= M:
        raise UsageError(f"--batch-size must be between 1 and the number of samples ({M}); got {batch_size}")
    if math.comb(M, batch_size) > MAX_MAPS:
        raise UsageError(f"--batch-size {batch_size} with {M} samples gives {math.comb(M, batch_size)} mini-batches; "
                         f"at most {MAX_MAPS} are supported")
    batches = list(itertools.combinations(range(M), batch_size))
    X, y = prob.X, prob.y
    A = np.empty((len(batches), 2, 2))
    b = np.empty((len(batches), 2))
    for k, S in enumerate(batches):
        XS, yS = X[list(S)], y[list(S)]
        A[k] = np.eye(2) - lr / batch_size * XS.T @ XS
        b[k] = lr / batch_size * XS.T @ yS
    eig = np.linalg.eigvalsh(A)  # A_S is symmetric: it expands iff some eigenvalue leaves [−1, 1]
    expanding = tuple({"samples": [i + 1 for i in S], "eigenvalue": float(e[np.argmax(abs(e))])}
                      for S, e in zip(batches, eig) if np.max(abs(e)) > 1 + 1e-12)
    mean_square = np.mean(np.transpose(A, (0, 2, 1)) @ A, axis=0)
    return Maps(float(lr), batch_size, A[:, 0, 0].copy(), A[:, 0, 1].copy(), A[:, 1, 1].copy(),
                b[:, 0].copy(), b[:, 1].copy(), expanding, float(np.linalg.eigvalsh(mean_square)[-1]))


def auto_burn_in(maps: Maps, cap: int = 1_000_000) -> int:
    """Steps until a chain started at the minimum has reached its stationary spread (variance deficit < 1e-3)."""
    rate = maps.mean_square_rate
    if not rate < 1:
        return cap
    return int(min(cap, max(20, math.ceil(math.log(1e-3) / math.log(rate)))))


def auto_chains(points: int, burn_in: int, cap: int = 16384) -> int:
    """Parallel chains that balance Python overhead per step (favours many) against burn-in work (favours few).

    Time ≈ (burn_in + points/c)·(o + c·k) with o ≈ 25 µs per step and k ≈ 12 ns per point; the minimum is at
    c = sqrt(points·o / (burn_in·k)).
    """
    c = math.sqrt(points * 2000.0 / max(burn_in, 1))
    c = 1 << max(0, int(round(math.log2(max(c, 1)))))
    return int(max(1, min(cap, c, points)))


def trajectory(maps: Maps, start, steps: int, seed: int = 0) -> np.ndarray:
    """One SGD chain from `start`: its iterates w_0 .. w_steps as rows (steps + 1, 2); stops early if it overflows."""
    rng = np.random.default_rng(seed)
    path = np.empty((steps + 1, 2))
    path[0] = start
    w0, w1 = float(start[0]), float(start[1])
    picks = rng.integers(0, len(maps.a00), size=steps)
    with np.errstate(all="ignore"):
        for t, i in enumerate(picks, 1):
            w0, w1 = maps.a00[i] * w0 + maps.a01[i] * w1 + maps.b0[i], maps.a01[i] * w0 + maps.a11[i] * w1 + maps.b1[i]
            path[t] = w0, w1
            if not (math.isfinite(w0) and math.isfinite(w1)):
                return path[: t + 1]
    return path


def diverging_step(maps: Maps, start, seed: int = 0, chains: int = 256, max_steps: int = 20_000) -> int | None:
    """The first step at which one of `chains` SGD chains from `start` moves 10⁶·(1 + ‖start‖) away (None: not within max_steps)."""
    rng = np.random.default_rng(seed)
    s0, s1 = float(start[0]), float(start[1])
    limit = 1e6 * (1 + math.hypot(s0, s1))
    w0, w1 = np.full(chains, s0), np.full(chains, s1)
    with np.errstate(all="ignore"):
        for t in range(1, max_steps + 1):
            i = rng.integers(0, len(maps.a00), size=chains)
            w0, w1 = maps.a00[i] * w0 + maps.a01[i] * w1 + maps.b0[i], maps.a01[i] * w0 + maps.a11[i] * w1 + maps.b1[i]
            if not (np.abs(w0 - s0).max() < limit and np.abs(w1 - s1).max() < limit):
                return t
    return None
