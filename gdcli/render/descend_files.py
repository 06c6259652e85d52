"""Files for `descend`: the iterates as CSV, and loss curves with the paths over the contours as a picture."""

from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

import numpy as np

from gdcli.render.output import atomic_open, pyplot, save_figure, write_atomic
from gdcli.render.plotting import (MINIMUM, contour_levels, draw_path, exit_marker, frame_box, grid_values,
                                   known_minimum, marker_legend, padded_window, square_window, symlog_axis,
                                   until_it_leaves)


def _cell(v) -> str:
    if v is None:
        return ""
    v = float(v)
    return repr(v) if math.isfinite(v) else ""  # a non-finite number is an empty cell, never `nan`


HEADER = ["run", "optimizer", "lr", "k"]
TAIL = ["f", "grad_norm", "step_size", "damping"]


def csv_row(i: int, settings, s) -> list:
    return [i, settings.optimizer, repr(settings.lr), s.k, *(_cell(v) for v in s.x), _cell(s.f),
            _cell(s.grad_norm), _cell(s.step_size), _cell(s.damping)]


def write_csv(result, path) -> Path:
    """The rows each run kept (every iterate when it kept them all; `stream_csv` writes every one as it goes)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*HEADER, *result.variables, *TAIL])
    for i, run in enumerate(result.runs):
        w.writerows(csv_row(i, run.settings, s) for s in run.history)
    return write_atomic(path, buf.getvalue())


@contextlib.contextmanager
def stream_csv(path, variables, settings):
    """Yield `write(i, step)`, which appends run i's iterate to the CSV as the run goes; the file appears under
    its name when the block ends (with what was written, also after Ctrl-C)."""
    with atomic_open(path, "w") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([*HEADER, *variables, *TAIL])
        yield lambda i, step: w.writerow(csv_row(i, settings[i], step))


def _label(run) -> str:
    return f"{run.optimizer}{'+armijo' if run.settings.line_search == 'armijo' else ''} lr={run.lr:g}"


# The result is read only through these helpers, so a different storage of the runs changes them alone.
def runs_of(result):
    return list(result.runs)


def ks(run) -> np.ndarray:
    return run.path.k  # the thinned path (record.Path): at most PATH_POINTS iterates spread over the run


def fs(run) -> np.ndarray:
    return np.asarray(run.path.f, dtype=float)


def xs(run) -> np.ndarray:
    return np.asarray(run.path.x, dtype=float).reshape(len(run.path.k), -1)


def escapes(run) -> bool:
    """A run that leaves the region the others stay in: diverged, seen diverging, or ending at twice its f(x_0)."""
    if run.status == "diverged" or getattr(run.regime, "observed", None) == "diverging":
        return True
    f = fs(run)
    return bool(f.size > 1 and (not np.isfinite(f[-1]) or f[-1] - f[0] > max(abs(f[0]), 1e-300)))


def faint(run) -> bool:
    """A run that keeps zig-zagging at the same size (lr = 2/λ): its band would hide the runs it crosses."""
    return run.oscillation is not None and run.status != "converged" and not escapes(run)


def _loss_panel(ax, result, leaving) -> None:
    """f(x_k) against k; the axis spans what the staying runs use, and a ▲ marks where a leaving run exits."""
    runs = runs_of(result)
    staying = [f[np.isfinite(f)] for r, f in ((r, fs(r)) for r in runs) if not leaving[id(r)]]
    every = [f[np.isfinite(f)] for f in map(fs, runs)]
    scope = np.concatenate(staying if any(v.size for v in staying) else every) if runs else np.empty(0)
    # a log axis when f ≥ 0 spans decades; an f that reaches exactly 0 is left off it, not a reason to drop it
    scope = scope[scope > 0] if scope.size and np.all(scope >= 0) else scope
    log = bool(scope.size and np.all(scope > 0) and scope.max() / scope.min() > 100)
    for i, run in enumerate(runs):
        k, f = ks(run), fs(run)
        ok = np.isfinite(f) & ((f > 0) if log else True)
        ax.plot(k[ok], f[ok], label=_label(run), lw=1.4, color=f"C{i % 10}", ls=("-", "--", "-.", ":")[i % 4])
    if log:
        ax.set_yscale("log")
    if scope.size and any(leaving.values()) and len(scope) and any(v.size for v in staying):
        lo, hi = float(scope.min()), float(scope.max())
        top = hi * 3 if log else hi + 0.1 * max(hi - lo, abs(hi), 1e-300)
        bottom = lo / 3 if log else lo - 0.1 * max(hi - lo, abs(lo), 1e-300)
        ax.set_ylim(bottom, top)
        for i, run in enumerate(runs):
            k, f = ks(run), fs(run)
            out = np.flatnonzero(~np.isfinite(f) | (f > top))
            if leaving[id(run)] and out.size:
                ax.plot(k[out[0]], top, marker="^", color=f"C{i % 10}", ms=9, mec="black", clip_on=False, zorder=6)
        ax.plot([], [], marker="^", color="0.6", mec="black", ls="none", label="leaves the axis here")
    ax.set_xlabel("k")
    ax.set_ylabel("f(x_k)")
    ax.legend(fontsize=8, loc="best", framealpha=0.85)


def _sequence_panel(ax, result, runs, title) -> None:
    """x_k against k for some runs of a one-variable sweep (Fig 2.7, or the runs that leave: Fig 2.8)."""
    for i, run in runs:
        x, k = xs(run)[:, 0], ks(run)
        ok = np.isfinite(x)
        # an oscillating run's zig-zag is drawn faint, so it does not hide the runs it crosses
        ax.plot(k[ok], x[ok], label=_label(run), lw=1.0, marker=".", ms=3, color=f"C{i % 10}",
                ls=("-", "--", "-.", ":")[i % 4], alpha=0.45 if faint(run) and len(runs) > 1 else 1.0)
    ax.axhline(0, color="0.6", lw=0.5)
    finite = np.concatenate([np.abs(xs(r)[:, 0]) for _, r in runs])
    finite = finite[np.isfinite(finite)]
    start = max(abs(float(result.start[0])), 1e-12)
    if finite.size and finite.max() > 1e3 * start:
        symlog_axis(ax, "y", start, float(finite.max()))  # x_k over decades: still readable, ticks apart
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("k")
    ax.set_ylabel(f"{result.variables[0]}_k")
    ax.legend(fontsize=8, loc="best", framealpha=0.85)


def _paths_panel(fig, ax, result, expr, leaving) -> None:
    """The paths over the contours of f, on equal axes, with start, end and (for a quadratic) the minimum."""
    runs = runs_of(result)
    paths = [xs(r) for r in runs]
    lo, hi = contour_backdrop(ax, result, expr, leaving)
    for i, (p, run) in enumerate(zip(paths, runs)):
        if leaving[id(run)]:
            p, left = until_it_leaves(p, lo, hi)
            if left:
                exit_marker(ax, p[-1], lo, hi, f"C{i % 10}")
        draw_path(ax, p, i, _label(run) + (" (▲ leaves the window)" if leaving[id(run)] else ""))
    marker_legend(ax, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def staying_points(result, leaving) -> np.ndarray:
    """The finite iterates of the runs that stay (all runs if none does), without a diverging path's far points."""
    paths = [xs(r) for r in runs_of(result) if not leaving[id(r)]] or [xs(r) for r in runs_of(result)]
    pts = np.concatenate([p[np.all(np.isfinite(p), axis=1)] for p in paths])
    near = pts[np.all(np.abs(pts) < 1e6, axis=1)]  # a diverging path's far points would shrink the others
    return near if len(near) else pts  # ... unless every point is far out (a start at 1e7 is no divergence)


def contour_backdrop(ax, result, expr, leaving, n: int = 200):
    """The window around the staying paths (and a quadratic's minimum, starred), squared for equal axes, with the
    contours of f; returns the window (lo, hi)."""
    pts = staying_points(result, leaving)
    best = known_minimum(expr, result)
    lo, hi = padded_window(pts if best is None else np.vstack([pts, best]))
    lo, hi, equal = square_window(lo, hi)
    if expr is not None:
        X, Y, Z = grid_values(expr, lo, hi, n)
        levels = contour_levels(Z)
        if levels is not None:
            ax.contour(X, Y, Z, levels=levels, linewidths=0.6, cmap="viridis", zorder=1)
    if best is not None:
        ax.plot(*best, zorder=6, label="minimum", **MINIMUM)
    frame_box(ax, lo, hi, equal, result.variables)
    return lo, hi


def figure(result, expr=None):
    """f(x_k) against k for every run; beside it the x_k sequences for one variable (the runs that leave in
    their own panel), or the paths over the contours of f for two."""
    plt = pyplot()
    runs = runs_of(result)
    n = len(result.variables)
    leaving = {id(r): escapes(r) for r in runs}
    split = n == 1 and any(leaving.values()) and not all(leaving.values())
    panels = 1 + (n in (1, 2)) + split
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels + (1.6 if n == 2 else 0), 4.5), squeeze=False)
    axes = axes[0]
    _loss_panel(axes[0], result, leaving)
    fig.suptitle(f"f = {result.expression}"[:100], fontsize=11)
    if n == 1:
        indexed = list(enumerate(runs))
        if split:
            _sequence_panel(axes[1], result, [(i, r) for i, r in indexed if not leaving[id(r)]], "runs that stay")
            _sequence_panel(axes[2], result, [(i, r) for i, r in indexed if leaving[id(r)]],
                            "runs that leave (their own scale)")
        else:
            _sequence_panel(axes[1], result, indexed, "")
    elif n == 2:
        _paths_panel(fig, axes[1], result, expr, leaving)
    fig.tight_layout()
    return fig


def plot(result, path, expr=None) -> Path:
    plt = pyplot()
    fig = figure(result, expr)
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
