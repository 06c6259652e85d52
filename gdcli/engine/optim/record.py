"""What a run keeps of its iterates: memory that does not grow with the number of steps.

A run of 10^7 steps keeps the rows the table and JSON show (the first and last HEAD/TAIL, every N-th with
`every`, all of them only with `all_rows`), a thinned path for pictures (at most PATH_POINTS, the stride doubling
when it fills), and what the statistics need: the first FIRST and the last LAST iterates (the observed step ratio
reads the first and last steps, the oscillation test the last ones), and the Newton damping as running totals.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

FIRST = 12  # iterates the per-direction ratio reads (regime.gd_regime's window of 10 step pairs, plus one)
LAST = 22  # iterates the oscillation test reads (its window of 20 step pairs, plus one)
PATH_POINTS = 2048


@dataclass(frozen=True)
class Keep:
    """Which rows of a run to keep: the first `head` and the last `tail`, and `every` N-th or all of them."""

    every: int | None = None
    all_rows: bool = False
    head: int = 64
    tail: int = 64

    def wants(self, k: int) -> bool:
        return self.all_rows or k < self.head or (self.every is not None and k % self.every == 0)


class Path(NamedTuple):
    """Iterates spread evenly over a run (at most PATH_POINTS and the last one), for pictures."""

    k: np.ndarray  # (m,)
    x: np.ndarray  # (m, n)
    f: np.ndarray  # (m,)

    @staticmethod
    def of(steps) -> "Path":
        return Path(np.array([s.k for s in steps]), np.array([s.x for s in steps], dtype=float),
                    np.array([s.f for s in steps], dtype=float))


@dataclass(frozen=True)
class Trace:
    """The iterates the statistics read: the first ones, the last ones, and how many there were in all."""

    first: np.ndarray  # (<= FIRST, n)
    last: np.ndarray  # (<= LAST, n)
    count: int

    @staticmethod
    def of(xs) -> "Trace":
        """From a whole history (the reference the streaming statistics are tested against)."""
        xs = np.asarray(xs, dtype=float)
        return Trace(xs[:FIRST], xs[-LAST:], len(xs))

    @staticmethod
    def kept(first, last, last_step) -> "Trace":
        """From the first and last iterates a run kept, up to its last Step: the finite ones only (a diverged
        run's last iterate may not be; it is the only one that can be, since the loop stops there)."""
        n = len(last_step.x)

        def finite(xs):
            xs = np.array(xs, dtype=float).reshape(len(xs), n)
            return xs[np.all(np.isfinite(xs), axis=1)]

        return Trace(finite(first), finite(last), last_step.k + 1 - (not np.all(np.isfinite(last_step.x))))


@dataclass(frozen=True)
class Damping:
    """Newton steps whose Hessian was not positive definite and was shifted to H + mu I."""

    steps: int
    first_step: int
    max_mu: float


class Recorder:
    """Feed it every Step of one run in order; `rows()`, `path()`, `trace()` and `damping()` at the end."""

    def __init__(self, keep: Keep):
        self.keep = keep
        self._rows: list = []
        self._tail: deque = deque(maxlen=keep.tail)
        self._path: list = []
        self._stride = 1
        self._first: list = []
        self._last: deque = deque(maxlen=LAST)
        self._mus = [0, 0, 0.0]  # count, first k, largest mu
        self.last_step = None

    def add(self, step) -> None:
        k = step.k
        keep = self.keep
        if k < keep.head or keep.all_rows or (keep.every is not None and k % keep.every == 0):  # keep.wants(k)
            self._rows.append(step)
        self._tail.append(step)
        if k % self._stride == 0:
            self._path.append(step)
            if len(self._path) >= PATH_POINTS:
                self._path = self._path[::2]
                self._stride *= 2
        if k < FIRST:
            self._first.append(step.x)
        self._last.append(step.x)
        if step.damping:
            m = self._mus
            if not m[0]:
                m[1] = k
            m[0] += 1
            m[2] = max(m[2], step.damping)
        self.last_step = step

    def rows(self) -> tuple:
        """The kept rows in order of k, ending with the last step."""
        rows = []
        for step in heapq.merge(self._rows, self._tail, key=lambda s: s.k):
            if not rows or step.k != rows[-1].k:  # a wanted row among the last ones is in both lists
                rows.append(step)
        if rows and rows[-1] is not self.last_step:
            rows.append(self.last_step)
        return tuple(rows)

    def path(self) -> Path:
        path = list(self._path)
        if path and path[-1] is not self.last_step:
            path.append(self.last_step)
        return Path.of(path)

    def trace(self) -> Trace:
        last = self.last_step
        return Trace.kept(self._first, self._last, last)

    def damping(self) -> Damping | None:
        count, first, mu = self._mus
        return Damping(count, first, mu) if count else None
