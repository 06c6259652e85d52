"""The chaos game: many SGD chains in parallel, binned chunk by chunk into a fixed-size density image."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from gdcli.engine.chaos.problem import Maps

CHUNK = 1 << 21  # points binned per np.bincount: big enough to amortise its (nx+2)(ny+2) output, small in memory
PILOT = 1 << 15  # points that fix the window when none is given
MARGIN = 0.05


@dataclass(frozen=True)
class Window:
    """The rectangle [w1_min, w1_max] × [w2_min, w2_max] the image covers."""

    w1: tuple[float, float]
    w2: tuple[float, float]


@dataclass(frozen=True)
class Density:
    """A 2-D histogram of the iterates: counts[row, col] with rows along w2 (bottom first) and columns along w1."""

    counts: np.ndarray
    window: Window
    points: int  # iterates generated and binned (after burn-in)
    inside: int  # of which inside the window
    bbox: Window | None  # the smallest box holding every iterate
    chains: int
    burn_in: int
    seconds: float
    interrupted: bool
    nonfinite: bool  # some iterate overflowed: the run diverged


def parse_window(text: str) -> Window:
    """'x0:x1,y0:y1' -> Window; ValueError with a reason on bad input."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2:
        raise ValueError("expected x0:x1,y0:y1")
    spans = []
    for p in parts:
        ends = p.split(":")
        if len(ends) != 2:
            raise ValueError(f"'{p}' is not a range a:b")
        a, b = float(ends[0]), float(ends[1])
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise ValueError(f"'{p}' needs finite ends with a < b")
        spans.append((a, b))
    return Window(*spans)


def grid_shape(window: Window, resolution: int) -> tuple[int, int]:
    """(ny, nx): `resolution` pixels along the longer side, square pixels."""
    dx, dy = window.w1[1] - window.w1[0], window.w2[1] - window.w2[0]
    if dx >= dy:
        return max(1, round(resolution * dy / dx)), resolution
    return resolution, max(1, round(resolution * dx / dy))


def _padded(lo, hi, margin=MARGIN):
    span = hi - lo
    pad = margin * span if span > 0 else max(1e-9, 1e-6 * abs(lo))
    return (float(lo - pad), float(hi + pad))


def widened(w: Window, least: float = 0.1) -> Window:
    """A window with no degenerate side: a side thinner than `least` of the other grows to that (the iterates
    of two samples sit on a line or a point); a point attractor gets a box of `least` × max(1, |w|) per side."""
    (a0, a1), (b0, b1) = w.w1, w.w2
    scale = max(1.0, abs(a0), abs(a1), abs(b0), abs(b1))
    big = max(a1 - a0, b1 - b0)
    side = least * scale if big <= 1e-5 * scale else least * big

    def grow(lo, hi):
        if hi - lo >= side:
            return (lo, hi)
        mid = (lo + hi) / 2
        return (mid - side / 2, mid + side / 2)

    return Window(grow(a0, a1), grow(b0, b1))


class _Chains:
    """The state of c chains and the scratch arrays of one step, allocated once."""

    def __init__(self, maps: Maps, start, chains: int, rng: np.random.Generator):
        self.m, self.c, self.rng = maps, chains, rng
        self.w0 = np.full(chains, float(start[0]))
        self.w1 = np.full(chains, float(start[1]))
        self.t, self.g, self.u = np.empty(chains), np.empty(chains), np.empty(chains)
        self.idx = np.empty(chains, np.intp)
        self.n_maps = len(maps.a00)
        self.small = np.uint8 if self.n_maps <= 256 else np.uint16

    def step(self) -> None:
        """w ← A_S w + b_S for a fresh random mini-batch S in every chain."""
        m, idx, t, g, u, w0, w1 = self.m, self.idx, self.t, self.g, self.u, self.w0, self.w1
        # draw as bytes (cheap), then cast once: np.take is several times faster with intp indices
        idx[...] = self.rng.integers(0, self.n_maps, size=self.c, dtype=self.small)
        np.take(m.a01, idx, out=g)
        np.take(m.a00, idx, out=t)
        t *= w0
        np.multiply(g, w1, out=u)
        t += u
        np.take(m.b0, idx, out=u)
        t += u  # t = a00 w1 + a01 w2 + b0, the new w1
        g *= w0
        np.take(m.a11, idx, out=u)
        w1 *= u
        w1 += g
        np.take(m.b1, idx, out=u)
        w1 += u
        self.w0, self.t = t, w0


class _Binner:
    """Maps iterates to flat bin indices of a (ny+2)×(nx+2) grid whose border collects everything outside."""

    def __init__(self, window: Window, resolution: int, chains: int):
        self.window = window
        self.ny, self.nx = grid_shape(window, resolution)
        self.sx = self.nx / (window.w1[1] - window.w1[0])
        self.sy = self.ny / (window.w2[1] - window.w2[0])
        self.ox = 1.0 - window.w1[0] * self.sx  # +1: the window starts at bin 1, bin 0 is the border
        self.oy = 1.0 - window.w2[0] * self.sy
        self.fx, self.fy = np.empty(chains), np.empty(chains)
        self.iy = np.empty(chains, np.intp)
        self.counts = np.zeros((self.ny + 2) * (self.nx + 2), np.int64)

    def bin(self, w0, w1, out) -> None:
        n = len(out)
        fx, fy, iy = self.fx[:n], self.fy[:n], self.iy[:n]
        np.multiply(w0[:n], self.sx, out=fx)
        fx += self.ox
        # clipping (not masking) sends outside points to the border bins in one pass; casting then floors
        np.clip(fx, 0.0, self.nx + 1.5, out=fx)
        np.multiply(w1[:n], self.sy, out=fy)
        fy += self.oy
        np.clip(fy, 0.0, self.ny + 1.5, out=fy)
        out[...] = fx
        iy[...] = fy
        iy *= self.nx + 2
        out += iy

    def flush(self, flat) -> bool:
        """Add a buffer of flat indices to the counts; False if some were garbage (a NaN iterate)."""
        if len(flat) == 0:
            return True
        ok = bool(flat.min() >= 0)
        if not ok:
            flat = flat[flat >= 0]
        self.counts += np.bincount(flat, minlength=len(self.counts))
        return ok

    def image(self) -> np.ndarray:
        return self.counts.reshape(self.ny + 2, self.nx + 2)[1:-1, 1:-1].copy()


def run_chaos(maps: Maps, start, points: int, **kwargs) -> Density:
    """See _run_chaos; overflow of a diverging chain is detected (nonfinite=True), not warned about."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _run_chaos(maps, start, points, **kwargs)


def _run_chaos(maps: Maps, start, points: int, *, burn_in: int, chains: int, resolution: int,
               window: Window | None = None, seed: int = 0,
               on_progress: Callable[[int], None] | None = None) -> Density:
    """Iterate `chains` SGD chains from `start`; after `burn_in` steps bin every iterate until `points` are binned.

    Memory is O(chains + resolution² + CHUNK), independent of `points`. Ctrl-C stops the run and keeps what was
    binned (interrupted=True).
    """
    rng = np.random.default_rng(seed)
    c = max(1, min(chains, points)) if points > 0 else max(1, chains)
    state = _Chains(maps, start, c, rng)
    lo = np.full(2, np.inf)
    hi = np.full(2, -np.inf)
    done, interrupted, nonfinite = 0, False, False
    began = time.perf_counter()
    binner = None
    try:
        for _ in range(burn_in):
            state.step()
        if window is None:
            # a pilot stretch fixes the window; its iterates are kept and binned below like any others
            pilot = []
            for _ in range(max(1, min(points, PILOT) // c)):
                state.step()
                pilot.append((state.w0.copy(), state.w1.copy()))
            p0 = np.concatenate([p[0] for p in pilot])
            p1 = np.concatenate([p[1] for p in pilot])
            finite = np.isfinite(p0) & np.isfinite(p1)
            if not finite.any():
                raise FloatingPointError
            window = widened(Window(_padded(p0[finite].min(), p0[finite].max()),
                                    _padded(p1[finite].min(), p1[finite].max())))
        else:
            pilot = []
        binner = _Binner(window, resolution, c)
        rows = max(1, CHUNK // c)
        flat = np.empty((rows, c), np.intp)
        row = 0

        def emit(w0, w1, n):
            nonlocal row, done, nonfinite
            binner.bin(w0, w1, flat[row, :n])
            if n < c:
                flat[row, n:] = 0  # bin 0 is a border bin: padding lands outside the image
            np.minimum(lo, (w0[:n].min(), w1[:n].min()), out=lo)
            np.maximum(hi, (w0[:n].max(), w1[:n].max()), out=hi)
            row += 1
            done += n
            if row == rows:
                row = 0
                if not binner.flush(flat.ravel()):
                    nonfinite = True
                if on_progress:
                    on_progress(done)

        for p0, p1 in pilot:
            if done < points:
                emit(p0, p1, min(c, points - done))
        while done < points and not nonfinite:
            state.step()
            emit(state.w0, state.w1, min(c, points - done))
        if row and not binner.flush(flat[:row].ravel()):
            nonfinite = True
        if on_progress:
            on_progress(done)
    except KeyboardInterrupt:
        interrupted = True
        if binner is not None and row:
            binner.flush(flat[:row].ravel())
    except FloatingPointError:
        nonfinite = True
    seconds = time.perf_counter() - began
    if binner is None:
        window = window or Window((0.0, 1.0), (0.0, 1.0))
        binner = _Binner(window, resolution, c)
    counts = binner.image()
    bbox = Window((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))) if done and np.isfinite(lo).all() and np.isfinite(hi).all() else None
    nonfinite = nonfinite or (done > 0 and not (np.isfinite(lo).all() and np.isfinite(hi).all()))
    return Density(counts, window, done, int(counts.sum()), bbox, c, burn_in, seconds, interrupted, nonfinite)
