"""The loss around trained parameters, as in seed 002 and Li et al. 2018, "Visualizing the loss landscape of
neural nets": 1-D and 2-D slices along random directions, the training path projected on that plane, and the
straight line from the initial to the final parameters (Goodfellow et al. 2015).

Random directions are scaled to the parameters they move, so that a step of 1 is "as large as the weights":
for a network each row of a direction's weight matrix (the weights into one neuron, a "filter" of a dense layer)
gets the norm of the same row of θ*, and the biases are not moved (Li et al. §4: filter normalisation, biases
ignored); for any other model the whole direction gets the norm of θ*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdcli.engine.learn.networks import Network
from gdcli.errors import UsageError


@dataclass(frozen=True)
class Landscape:
    normalisation: str
    span: float
    alphas: np.ndarray  # (n,) the coordinates along each direction
    slice1: np.ndarray  # (n,) L(θ* + α d1)
    grid: np.ndarray  # (n, n) L(θ* + α d1 + β d2), rows β, columns α
    path: np.ndarray  # (E, 2) every epoch's θ projected on the plane: the (α, β) nearest to θ_e − θ*
    path_in_plane: float  # the share of the path's length the plane keeps (random planes keep little)
    ts: np.ndarray  # interpolation coordinates: θ(t) = (1 − t) θ0 + t θ*
    line: np.ndarray  # L(θ(t))


def direction(problem, theta: np.ndarray, rng) -> np.ndarray:
    """A Gaussian direction scaled like θ: per neuron (filter) for a network, as one vector otherwise."""
    d = rng.standard_normal(theta.shape)
    if isinstance(problem, Network):
        for w, shape, b in problem.slices():
            rows = d[w].reshape(shape)
            target = np.linalg.norm(theta[w].reshape(shape), axis=1, keepdims=True)
            d[w] = (rows / np.linalg.norm(rows, axis=1, keepdims=True) * target).ravel()
            d[b] = 0.0
        return d
    norm = np.linalg.norm(theta)
    return d / np.linalg.norm(d) * (norm if norm > 0 else 1.0)


def project(points: np.ndarray, centre: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Least-squares coordinates (α, β) of each point − centre in the basis d1, d2 (not orthogonal in general)."""
    basis = np.column_stack([d1, d2])
    coords, *_ = np.linalg.lstsq(basis, (points - centre).T, rcond=None)
    return coords.T


def check_landscape(resolution: int, span: float) -> None:
    if not 3 <= resolution <= 401:
        raise UsageError(f"--landscape-res must be between 3 and 401; got {resolution}")
    if not span > 0:
        raise UsageError(f"--landscape-span must be > 0; got {span:g}")


def landscape(tensors, problem, theta: np.ndarray, theta0: np.ndarray, path: np.ndarray, seed: int,
              resolution: int = 25, span: float = 1.0) -> Landscape:
    """Evaluate the training loss on the slices; `path` is the parameters at every epoch (E, p)."""
    check_landscape(resolution, span)
    torch = tensors.torch
    theta = np.asarray(theta, dtype=float)
    rng = np.random.default_rng(seed)
    d1, d2 = direction(problem, theta, rng), direction(problem, theta, rng)

    def loss(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return np.array([float(tensors.loss(torch.from_numpy(p))) for p in points])

    alphas = np.linspace(-span, span, resolution)
    slice1 = loss(theta + alphas[:, None] * d1)
    A, B = np.meshgrid(alphas, alphas)
    grid = loss(theta + A.ravel()[:, None] * d1 + B.ravel()[:, None] * d2).reshape(A.shape)
    coords = project(np.asarray(path, dtype=float), theta, d1, d2)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1).sum()
    kept = np.linalg.norm(np.diff(coords @ np.vstack([d1, d2]), axis=0), axis=1).sum()
    ts = np.linspace(-0.25, 1.25, 6 * -(-resolution // 3) + 1)  # a multiple of 6 intervals: t = 0 and 1 on it
    line = loss((1 - ts)[:, None] * np.asarray(theta0, dtype=float) + ts[:, None] * theta)
    text = ("filter-wise: each neuron's incoming weights scaled to the norm of θ*'s, biases fixed (Li et al. 2018)"
            if isinstance(problem, Network) else "the whole direction scaled to ‖θ*‖")
    return Landscape(text, span, alphas, slice1, grid, coords, float(kept / steps) if steps > 0 else 1.0, ts, line)
