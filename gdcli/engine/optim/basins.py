"""Basin maps: a run from every point of a grid of starts, all batched, and where each one ended.

The end points of the converged runs are grouped into distinct points (greedily, lowest f first, within a
radius of 1e-4 of the end points' spread), and each is classified by the Hessian's eigenvalues there: a minimum, a
maximum or a saddle (a start on a critical point converges at once), or degenerate when an eigenvalue is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from gdcli.engine.optim.batch import advance
from gdcli.engine.optim.descent import Settings
from gdcli.expr import Expression

NOT_CONVERGED, DIVERGED, INTERRUPTED = -1, -2, -3
MAX_BASINS = 64  # past this many distinct end points the rest are counted together (a valley of minima)
MAX_STARTS = 1_000_000


@dataclass(frozen=True)
class Axis:
    name: str
    lo: float
    hi: float
    count: int

    @property
    def values(self) -> np.ndarray:
        """count points from lo to hi, ends included; (1 - t) lo + t hi does not overflow as hi - lo can."""
        t = np.linspace(0.0, 1.0, self.count)
        return self.lo * (1 - t) + self.hi * t


@dataclass(frozen=True)
class Basin:
    point: list[float]
    value: float
    kind: str  # minimum, maximum, saddle or degenerate
    eigenvalues: list[float]
    starts: int
    share: float  # of all starts
    median_steps: float


@dataclass(frozen=True)
class BasinMap:
    expression: str
    variables: list[str]
    axes: list[Axis]
    settings: Settings
    basins: list[Basin]  # by share, largest first
    labels: np.ndarray  # grid shape: the basin index of each start, or NOT_CONVERGED / DIVERGED / INTERRUPTED
    starts: int
    not_converged: int
    diverged: int
    unclustered: int  # converged starts beyond MAX_BASINS distinct end points
    interrupted: bool


def classify_point(H: np.ndarray, rel: float = 1e-8) -> tuple[str, list[float]]:
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    small = rel * max(1.0, float(np.max(np.abs(lam))))
    if np.any(np.abs(lam) <= small):
        kind = "degenerate"
    elif np.all(lam > 0):
        kind = "minimum"
    elif np.all(lam < 0):
        kind = "maximum"
    else:
        kind = "saddle"
    return kind, lam.tolist()


def cluster(points: np.ndarray, values: np.ndarray, radius: float, limit: int = MAX_BASINS) -> np.ndarray:
    """A cluster index per point (-1 past `limit` clusters): each cluster is the unassigned point of lowest f
    and every unassigned point within `radius` of it."""
    labels = np.full(len(points), -1)
    order = np.argsort(values, kind="stable")
    c = 0
    for i in order:
        if labels[i] >= 0:
            continue
        if c == limit:
            break
        near = (labels < 0) & (np.linalg.norm(points - points[i], axis=1) <= radius)
        labels[near] = c
        c += 1
    return labels


def radius(points: np.ndarray) -> float:
    """How close two end points must be to count as one: 1e-4 of the spread of all the end points, and at least
    1e-6 of their size (runs that converge to one point differ by about tol / λ, far less)."""
    if not len(points):
        return 0.0
    lo, hi = points.min(axis=0), points.max(axis=0)
    spread = float(np.max(hi / 2 - lo / 2)) * 2  # halves: hi - lo could overflow
    return max(1e-4 * spread, 1e-6 * (1.0 + float(np.max(np.abs(points)))))


def basin_map(expr: Expression, axes: list[Axis], s: Settings, *, on_step: Callable | None = None,
              stop: Callable[[], bool] | None = None) -> BasinMap:
    grids = np.meshgrid(*[a.values for a in axes], indexing="ij")
    X0 = np.stack([g.ravel() for g in grids], axis=1)
    N = len(X0)
    b = advance(expr.value_and_grad, X0, [s] * N, on_step=on_step, stop=stop, record=False)
    labels = np.full(N, NOT_CONVERGED)
    labels[b.status == "diverged"] = DIVERGED
    labels[b.status == "interrupted"] = INTERRUPTED
    done = np.flatnonzero(b.status == "converged")
    groups = cluster(b.x[done], b.f[done], radius(b.x[done]))
    basins = []
    for c in range(groups.max(initial=-1) + 1):
        members = done[groups == c]
        best = members[np.argmin(b.grad_norm[members])]
        kind, lam = classify_point(expr.hessian(b.x[best]))
        basins.append((members, Basin(b.x[best].tolist(), float(b.f[best]), kind, lam, len(members),
                                      len(members) / N, float(np.median(b.steps[members])))))
    basins.sort(key=lambda mb: -mb[1].starts)
    for i, (members, _) in enumerate(basins):
        labels[members] = i
    return BasinMap(expr.text, list(expr.variables), list(axes), s, [bs for _, bs in basins],
                    labels.reshape([a.count for a in axes]), N, int(np.sum(labels == NOT_CONVERGED)),
                    int(np.sum(labels == DIVERGED)), int(np.sum(groups < 0)), bool(b.interrupted))
