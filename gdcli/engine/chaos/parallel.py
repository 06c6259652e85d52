"""The chaos game on every core: the chains split over forked worker processes, their histograms summed.

Processes, with either kernel: the NumPy one (a dozen array operations per step, about a third of the speed of a
C loop on one core) or the numba one (`jit.advance`, the optional `fast` extra: step and binning fused into one
compiled loop, about 0.9 of C per core). numba's wheels are 63 MB to download and 195 MB installed (llvmlite 0.50.0:
179 MB, numba 0.68.1: 16 MB), and loading it costs about 0.6 s a command (and 100 MB of memory), so it is an extra, and `auto`
takes it only for runs long enough to repay that (game.JIT_MIN_POINTS); benchmarks/README.md has the figures.

The window is fixed first (by a pilot run in the parent when none is given), so every worker bins into the same
grid; each worker draws from its own stream of one SeedSequence, so a run is reproducible for a given number
of workers (and the same for either kernel). Memory stays bounded: each worker holds its chains, one histogram
and one chunk of indices.
"""

from __future__ import annotations

import os
import queue
import signal
import time
from typing import Callable

import numpy as np

from gdcli.engine.chaos.game import PILOT, Density, Window, ctrl_c_held, index_dtype, run_chaos
from gdcli.engine.chaos.problem import Maps

# below this a worker's start-up (a fork, ~20-50 ms) costs more than it saves
MIN_POINTS = {"numpy": 4_000_000, "numba": 16_000_000}


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _worker(i, out, progress, maps, start, points, kwargs):
    stop = []

    def note_stop(signum, frame):  # the terminal's Ctrl-C and the parent's forward: the run stops at its next chunk
        stop.append(signum)

    def on_progress(n):  # only here, between chunks, does a stop interrupt the run: no point is lost or sent twice
        progress[i] = n
        if stop and n < points:
            raise KeyboardInterrupt

    # a run started to ignore Ctrl-C (`&` in a script without job control) still ignores it
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, note_stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent across the fork
    out.put((i, run_chaos(maps, start, points, on_progress=on_progress, **kwargs)))


def _receive(out, results: dict, started: list) -> bool:
    """Wait up to 0.2 s for one worker's result; False when none can come (no worker alive, nothing queued)."""
    try:
        i, d = out.get(timeout=0.2)
    except queue.Empty:
        return any(p.is_alive() for p in started) or not out.empty()
    results[i] = d
    return True


def _merge(parts: list[Density], window: Window, seconds: float, chains: int, lost: bool = False) -> Density:
    boxes = [p.bbox for p in parts if p.bbox is not None]
    bbox = Window((min(b.w1[0] for b in boxes), max(b.w1[1] for b in boxes)),
                  (min(b.w2[0] for b in boxes), max(b.w2[1] for b in boxes))) if boxes else None
    return Density(sum(p.counts for p in parts), window, sum(p.points for p in parts), sum(p.inside for p in parts),
                   bbox, chains, parts[0].burn_in, seconds, lost or any(p.interrupted for p in parts),
                   any(p.nonfinite for p in parts))


def run_chaos_parallel(maps: Maps, start, points: int, *, workers: int, burn_in: int, chains: int, resolution: int,
                       window: Window | None = None, seed: int = 0, kernel: str = "numpy",
                       on_progress: Callable[[int], None] | None = None) -> Density:
    """run_chaos with the chains and points split over `workers` processes (one process: run_chaos itself)."""
    import multiprocessing as mp

    kwargs = dict(burn_in=burn_in, resolution=resolution, kernel=kernel)
    # a daemon process (a Dask worker under its nanny) may not start processes: it runs the chains itself
    if workers <= 1 or points < MIN_POINTS[kernel] or chains < 2 * workers or mp.current_process().daemon:
        return run_chaos(maps, start, points, chains=chains, window=window, seed=seed, on_progress=on_progress,
                         **kwargs)

    began = time.perf_counter()
    parts = []
    if window is None:  # a short run in the parent fixes the grid every worker bins into (the window one process
        # would choose: the same chains and seed); its points count too
        pilot = run_chaos(maps, start, PILOT, chains=chains, seed=seed, **kwargs)
        if pilot.nonfinite or pilot.interrupted:
            return pilot
        window = pilot.window
        parts.append(pilot)
    rest = points - sum(p.points for p in parts)
    if kernel == "numba":
        from gdcli.engine.chaos.jit import warm

        warm(index_dtype(len(maps.a00)))  # compiled (or loaded) once here, inherited by every fork
    ctx = mp.get_context("fork")
    out, progress = ctx.Queue(), ctx.Array("q", workers)
    seeds = np.random.SeedSequence(seed).spawn(workers)
    shares = [rest // workers + (i < rest % workers) for i in range(workers)]
    procs = [ctx.Process(target=_worker, args=(i, out, progress, maps, start, shares[i],
                                               dict(kwargs, chains=max(1, chains // workers), window=window,
                                                    seed=seeds[i])), daemon=True)
             for i in range(workers)]
    results: dict[int, Density] = {}
    started = []
    try:
        # SIGINT stays blocked across the forks, so that a Ctrl-C cannot reach a worker before its handler is set;
        # and held in this process (a BLAS thread may take it), so that it cannot land between a worker's start
        # and its record in `started`, which would leave that worker unstopped
        with ctrl_c_held():
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                for p in procs:
                    p.start()
                    started.append(p)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        # a Ctrl-C that came meanwhile was raised as the hold ended, with every worker recorded
        while len(results) < len(started):
            if not _receive(out, results, started):
                raise RuntimeError("a fractal worker process died")
            if on_progress:
                on_progress(sum(progress[:]) + sum(p.points for p in parts))
    except KeyboardInterrupt:  # stop the workers at their next chunk; they send what they binned
        for p in started:
            if p.is_alive():
                os.kill(p.pid, signal.SIGINT)
        # a worker that died (killed, out of memory) sends nothing: wait for the others, not for it (the run is
        # then short of its points: interrupted)
        while len(results) < len(started) and _receive(out, results, started):
            pass
        if not parts and not results:
            raise
    finally:
        for p in started:
            p.join(timeout=5)
    done = [results[i] for i in sorted(results)]
    return _merge(parts + done, window, time.perf_counter() - began, sum(d.chains for d in done) or chains,
                  lost=len(results) < len(started))
