"""The SGD fractal: one chaos game per learning rate over the problem's affine maps, with each panel's status."""

from __future__ import annotations

from dataclasses import dataclass

from gdcli.engine.chaos.game import index_dtype, kernel_for
from gdcli.engine.chaos.problem import (Line, Problem, auto_burn_in, auto_chains, diverging_step, sgd_maps,
                                        trajectory)

MAX_TRAJECTORY = 100_000  # steps of the drawn trajectory: a picture cannot show more


@dataclass(frozen=True)
class Panel:
    """One learning rate: its status, the iterates' density, window, bounding box and speed."""

    lr: float
    status: str  # ok, diverged, interrupted or skipped (an earlier panel was interrupted)
    points: int
    inside: int
    window: object
    bbox: object
    burn_in: int
    chains: int
    seconds: float
    points_per_second: float
    kernel: str | None  # the loop that ran it: numpy or numba (None: not run)
    expanding: tuple[dict, ...]
    diverged_at: int | None
    _density: object = None  # the Density (its counts are for images, not JSON)
    _path: object = None  # one SGD trajectory from the chosen start, rows w_0 .. w_T (for the picture)


@dataclass(frozen=True)
class FractalResult:
    """The SGD fractal of a two-weight least-squares problem for one or more learning rates."""

    minimum: tuple[float, float]
    minimum_exact: tuple[str, str]
    lines: tuple[Line, ...]
    lr: tuple[float, ...]
    points: int
    batch_size: int
    seed: int
    resolution: int
    window: tuple
    panels: tuple[Panel, ...]
    points_per_second: float
    interrupted: bool
    image: str | None = None
    start: tuple[float, float] | None = None  # where the drawn trajectory starts (--start)
    trajectory_steps: int | None = None  # its length: the burn-in, the steps a chain takes to forget its start


def fractal(prob: Problem, lrs, points: int, *, burn_in: int | None = None, batch_size: int = 1, seed: int = 0,
            resolution: int = 1000, window=None, chains: int | None = None, on_progress=None,
            start=None, workers: int = 1, kernel: str = "auto") -> FractalResult:
    """Run SGD (one chaos game per learning rate) and histogram its iterates; expanding steps stop before running.

    With `start`, each panel also keeps one SGD trajectory from there, as long as its burn-in (at most
    MAX_TRAJECTORY steps): the approach to the attractor (Fig 2.16).

    on_progress(panel_index, points_done) is called now and then. `workers` > 1 splits the chains of a large
    run over that many processes (parallel.run_chaos_parallel). `kernel` is numpy, numba or auto (game.kernel_for:
    numba for long runs where it is installed); both give the same histogram.
    """
    from gdcli.engine.chaos.parallel import run_chaos_parallel

    panels, interrupted = [], False
    maps_all = [sgd_maps(prob, lr, batch_size) for lr in lrs]  # every lr checked before any work starts
    loop = kernel_for(kernel, points * sum(not m.expanding for m in maps_all))  # the points of the panels that run
    if loop == "numba":  # loaded (or compiled) before any panel's clock starts, once for all of them
        from gdcli.engine.chaos.jit import warm

        for m in maps_all:
            warm(index_dtype(len(m.a00)))
    for k, maps in enumerate(maps_all):
        if interrupted:
            panels.append(Panel(maps.lr, "skipped", 0, 0, window, None, 0, 0, 0.0, 0.0, None, maps.expanding, None))
            continue
        if maps.expanding:
            # |eigenvalue| > 1 along some x_i: that sample's steps overshoot more than they correct
            at = diverging_step(maps, prob.minimum, seed)
            panels.append(Panel(maps.lr, "diverged", 0, 0, window, None, 0, 0, 0.0, 0.0, None, maps.expanding, at))
            continue
        b = auto_burn_in(maps) if burn_in is None else int(burn_in)
        c = chains or auto_chains(points, b)
        d = run_chaos_parallel(maps, prob.minimum, points, workers=workers, burn_in=b, chains=c, resolution=resolution,
                               window=window, seed=seed + k, kernel=loop,
                               on_progress=(lambda n, k=k: on_progress(k, n)) if on_progress else None)
        status = "diverged" if d.nonfinite else ("interrupted" if d.interrupted else "ok")
        interrupted = interrupted or d.interrupted
        path = None if start is None else trajectory(maps, start, min(b, MAX_TRAJECTORY), seed + k)
        panels.append(Panel(maps.lr, status, d.points, d.inside, d.window, d.bbox, d.burn_in, d.chains, d.seconds,
                            d.points / d.seconds if d.seconds > 0 else 0.0, loop, maps.expanding, None, d, path))
    total = sum(p.points for p in panels)
    secs = sum(p.seconds for p in panels)
    return FractalResult(prob.minimum, prob.minimum_exact, prob.lines, tuple(float(lr) for lr in lrs), int(points),
                         batch_size, seed, resolution, tuple(p.window for p in panels), tuple(panels),
                         total / secs if secs > 0 else 0.0, interrupted, start=None if start is None else
                         (float(start[0]), float(start[1])),
                         trajectory_steps=max((len(p._path) - 1 for p in panels if p._path is not None), default=None))
