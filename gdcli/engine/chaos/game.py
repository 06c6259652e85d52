"""The chaos game: many SGD chains in parallel, binned chunk by chunk into a fixed-size density image."""

from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np

from gdcli.engine.chaos.problem import Maps

JIT_MIN_POINTS = 150_000_000  # below this, loading numba (~0.6 s a command) costs more than its loop saves
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


def index_dtype(n_maps: int):
    """The smallest unsigned dtype for map indices: uint8 up to 256 maps, uint16 beyond (MAX_MAPS = 65536)."""
    return np.uint8 if n_maps <= 256 else np.uint16


class _Draws:
    """The chains' random map indices, drawn a block of rows at a time (one row per step), handed out row by row.

    Both kernels take their rows from here, so a seed gives the same steps whichever kernel runs them."""

    def __init__(self, rng: np.random.Generator, n_maps: int, chains: int, rows: int):
        self.rng, self.n, self.c, self.rows = rng, n_maps, chains, rows
        self.small = index_dtype(n_maps)
        self.block, self.pos = None, rows

    def take(self, k: int) -> np.ndarray:
        """The next min(k, rest of the block) rows, shape (rows, chains)."""
        if self.pos == self.rows:
            # drawn as bytes (cheap); the NumPy kernel casts each row once, as np.take is faster with intp
            self.block = self.rng.integers(0, self.n, size=(self.rows, self.c), dtype=self.small)
            self.pos = 0
        k = min(k, self.rows - self.pos)
        self.pos += k
        return self.block[self.pos - k:self.pos]


class _Chains:
    """The state of c chains and the scratch arrays of one step, allocated once."""

    def __init__(self, maps: Maps, start, chains: int, draws: _Draws):
        self.m, self.c, self.draws = maps, chains, draws
        self.w0 = np.full(chains, float(start[0]))
        self.w1 = np.full(chains, float(start[1]))
        self.t, self.g, self.u = np.empty(chains), np.empty(chains), np.empty(chains)
        self.idx = np.empty(chains, np.intp)

    def step(self) -> None:
        """w ← A_S w + b_S for a fresh random mini-batch S in every chain."""
        m, idx, t, g, u, w0, w1 = self.m, self.idx, self.t, self.g, self.u, self.w0, self.w1
        idx[...] = self.draws.take(1)[0]
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
    """Maps iterates to flat bin indices of a (ny+2)×(nx+2) grid whose border collects everything outside; one
    more bin past the grid (`pad`) takes the padding of a partial row, so the grid's sum is the points binned."""

    def __init__(self, window: Window, resolution: int, chains: int):
        self.window = window
        self.ny, self.nx = grid_shape(window, resolution)
        self.sx = self.nx / (window.w1[1] - window.w1[0])
        self.sy = self.ny / (window.w2[1] - window.w2[0])
        self.ox = 1.0 - window.w1[0] * self.sx  # +1: the window starts at bin 1, bin 0 is the border
        self.oy = 1.0 - window.w2[0] * self.sy
        self.fx, self.fy = np.empty(chains), np.empty(chains)
        self.iy = np.empty(chains, np.intp)
        self.pad = (self.ny + 2) * (self.nx + 2)
        self.counts = np.zeros(self.pad + 1, np.int64)

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
        return self.counts[:self.pad].reshape(self.ny + 2, self.nx + 2)[1:-1, 1:-1].copy()

    def binned(self) -> int:
        """The points in the grid, inside the window or on its border (not padding, not NaNs)."""
        return int(self.counts[:self.pad].sum())


@contextmanager
def ctrl_c_held():
    """A Ctrl-C in the block is held until it ends, then handled as it would have been: it cannot land between
    adding rows to the counts and marking them added (which would lose them or count them twice). A handler, not a
    signal mask: the kernel may hand SIGINT to any thread (BLAS and a progress bar's refresh make some), and Python
    acts on it in this one."""
    # Nothing to hold: no KeyboardInterrupt reaches another thread; an ignored Ctrl-C stays ignored (and so does a
    # fork made in the block, which inherits the handler); a handler set outside Python could not be put back.
    current = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or current in (None, signal.SIG_IGN):
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        try:
            signal.signal(signal.SIGINT, previous)
        except BaseException:  # another signal's handler ran first and raised (the swap did not happen): swap, go on
            signal.signal(signal.SIGINT, previous)
            raise
        if held and callable(previous):
            previous(signal.SIGINT, None)  # Python's own raises KeyboardInterrupt; a worker's records the stop
        elif held and previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


def kernel_for(kernel: str, points: int) -> str:
    """'numpy' or 'numba' for a run of `points` points in all. 'auto' takes numba where it is installed and the run is
    long enough to repay loading it (JIT_MIN_POINTS); asking for 'numba' without it installed is an ImportError."""
    import importlib.util

    have = importlib.util.find_spec("numba") is not None
    if kernel == "numba" and not have:
        raise ImportError("the numba kernel needs numba: pip install 'gdcli[fast]'")
    if kernel == "auto":
        return "numba" if have and points >= JIT_MIN_POINTS else "numpy"
    return kernel


def run_chaos(maps: Maps, start, points: int, **kwargs) -> Density:
    """See _run_chaos; overflow of a diverging chain is detected (nonfinite=True), not warned about."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _run_chaos(maps, start, points, **kwargs)


def _run_chaos(maps: Maps, start, points: int, *, burn_in: int, chains: int, resolution: int,
               window: Window | None = None, seed: int = 0, kernel: str = "numpy",
               on_progress: Callable[[int], None] | None = None) -> Density:
    """Iterate `chains` SGD chains from `start`; after `burn_in` steps bin every iterate until `points` are binned.

    kernel 'numpy' steps all chains with a dozen array operations per step; 'numba' runs jit.advance, one compiled
    loop per block of steps, on the same random rows (the same histogram). Memory is O(chains + resolution² +
    CHUNK), independent of `points`. Ctrl-C stops the run and keeps what was binned (interrupted=True).
    """
    c = max(1, min(chains, points)) if points > 0 else max(1, chains)
    rows = max(1, CHUNK // c)
    draws = _Draws(np.random.default_rng(seed), len(maps.a00), c, rows)
    state = _Chains(maps, start, c, draws)
    advance = idle = None
    if kernel == "numba":
        from gdcli.engine.chaos.jit import advance

        idle = _Binner(Window((0.0, 1.0), (0.0, 1.0)), 8, 1)  # what the burn-in passes: it bins nothing
    lohi = np.array([np.inf, -np.inf, np.inf, -np.inf])  # min w0, max w0, min w1, max w1 of the binned iterates
    done, interrupted, nonfinite = 0, False, False
    began = time.perf_counter()
    binner = None
    flat, row = None, 0

    def emit(w0, w1, n):  # the NumPy binning of one step's first n iterates, flushed every `rows` steps
        nonlocal row, done, nonfinite
        binner.bin(w0, w1, flat[row, :n])
        if n < c:
            flat[row, n:] = binner.pad
        np.minimum(lohi[0::2], (w0[:n].min(), w1[:n].min()), out=lohi[0::2])
        np.maximum(lohi[1::2], (w0[:n].max(), w1[:n].max()), out=lohi[1::2])
        row += 1
        done += n
        if row == rows:
            flush()
            if on_progress:
                on_progress(done)

    def flush():  # the rows binned since the last flush into the counts, and forgotten, as one step
        nonlocal row, nonfinite
        with ctrl_c_held():
            if row and not binner.flush(flat[:row].ravel()):
                nonfinite = True
            row = 0

    def compiled(idx, binned: bool, last: int) -> int:  # jit.advance over these rows; the NaNs it met
        b = binner or idle
        return advance(idx, state.w0, state.w1, maps.a00, maps.a01, maps.a11, maps.b0, maps.b1, b.sx, b.ox, b.sy,
                       b.oy, b.nx, b.ny, b.counts, lohi, binned, last)

    try:
        left = burn_in
        while left > 0:
            if advance is None:
                state.step()
                left -= 1
            else:
                idx = draws.take(left)
                compiled(idx, False, c)
                left -= len(idx)
        pilot = []
        if window is None:
            # a pilot stretch fixes the window; its iterates are kept and binned below like any others
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
        binner = _Binner(window, resolution, c)
        flat = np.empty((rows, c), np.intp)
        for p0, p1 in pilot:
            if done < points:
                emit(p0, p1, min(c, points - done))
        if advance is None:
            while done < points and not nonfinite:
                state.step()
                emit(state.w0, state.w1, min(c, points - done))
        else:
            flush()
            while done < points and not nonfinite:
                need = -(-(points - done) // c)  # steps still to take
                idx = draws.take(need)
                last = points - done - (need - 1) * c if len(idx) == need else c
                nonfinite = compiled(idx, True, last) > 0
                done += (len(idx) - 1) * c + last
                if on_progress:
                    on_progress(done)
        flush()
        if on_progress:
            on_progress(done)
    except KeyboardInterrupt:
        interrupted = True
        if binner is not None:  # the points are those in the counts (`done` may be a row or a block apart)
            flush()
            done = binner.binned()
    except FloatingPointError:
        nonfinite = True
    seconds = time.perf_counter() - began
    if binner is None:
        window = window or Window((0.0, 1.0), (0.0, 1.0))
        binner = _Binner(window, resolution, c)
    counts = binner.image()
    lo, hi = lohi[0::2], lohi[1::2]
    finite = bool(np.isfinite(lohi).all())
    bbox = Window((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))) if done and finite else None
    nonfinite = nonfinite or (done > 0 and not finite)
    return Density(counts, window, done, int(counts.sum()), bbox, c, burn_in, seconds, interrupted, nonfinite)
