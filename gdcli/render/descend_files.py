"""Files for `descend`: the iterates as CSV, and loss curves with the paths over the contours as PNG."""

from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

import numpy as np

from gdcli.render.output import atomic_open, pyplot, save_figure, write_atomic


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


def plot(result, path, expr=None) -> Path:
    """f(x_k) against k for every run (log scale when all f > 0 and they span decades); beside it the
    x_k sequences for one variable, or the paths over the contours of f for two."""
    plt = pyplot()
    n = len(result.variables)
    side = n in (1, 2)
    fig, axes = plt.subplots(1, 2 if side else 1, figsize=(11 if side else 6, 4.5))
    axes = np.atleast_1d(axes)
    ax = axes[0]
    values = []
    for run in result.runs:
        k, f = run.path.k, run.path.f
        ok = np.isfinite(f)
        ax.plot(k[ok], f[ok], label=_label(run), lw=1.2)
        values.append(f[ok])
    allf = np.concatenate(values) if values else np.empty(0)
    if allf.size and np.all(allf > 0) and allf.max() / allf.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("f(x_k)")
    ax.set_title(f"f = {result.expression}")
    ax.legend(fontsize=8)
    if n == 1:
        ax2 = axes[1]
        for run in result.runs:
            xs = run.path.x[:, 0]
            ok = np.isfinite(xs)
            ax2.plot(run.path.k[ok], xs[ok], label=_label(run), lw=1.0, marker=".", ms=2)
        ax2.axhline(0, color="0.6", lw=0.5)
        start = max(abs(float(result.runs[0].path.x[0, 0])), 1e-12)
        finite = [abs(float(v)) for run in result.runs for v in run.path.x[:, 0] if np.isfinite(v)]
        if finite and max(finite) > 1e3 * start:
            # A diverging run would flatten every other sequence to a line at 0; symlog keeps both readable.
            ax2.set_yscale("symlog", linthresh=start)
        ax2.set_xlabel("k")
        ax2.set_ylabel(f"{result.variables[0]}_k")
        ax2.legend(fontsize=8)
    elif n == 2:
        ax2 = axes[1]
        paths = [run.path.x for run in result.runs]
        pts = np.concatenate([p[np.all(np.isfinite(p), axis=1)] for p in paths])
        near = pts[np.all(np.abs(pts) < 1e6, axis=1)]  # a diverging path's far points would shrink the others
        pts = near if len(near) else pts  # ... unless every point is far out (a start at 1e7 is no divergence)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = np.maximum((hi - lo) * 0.15, 0.5)
        lo, hi = lo - pad, hi + pad
        if expr is not None:
            g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
            Z = expr.f(np.stack([g0, g1], axis=-1))
            Z = np.where(np.isfinite(Z), Z, np.nan)
            finite = Z[np.isfinite(Z)]
            if finite.size:
                levels = np.unique(np.quantile(finite, np.linspace(0, 1, 25) ** 2))
                if levels.size > 1:
                    ax2.contour(g0, g1, Z, levels=levels, linewidths=0.6, cmap="viridis")
        for p, run in zip(paths, result.runs):
            ax2.plot(p[:, 0], p[:, 1], marker=".", ms=3, lw=0.9, label=_label(run))
        ax2.set_xlim(lo[0], hi[0])
        ax2.set_ylim(lo[1], hi[1])
        ax2.set_xlabel(result.variables[0])
        ax2.set_ylabel(result.variables[1])
        ax2.legend(fontsize=8)
    fig.tight_layout()
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
