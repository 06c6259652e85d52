"""The SGD fractal as a PNG grid of density panels, a Rich summary and a Unicode-block preview."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from rich.table import Table

from gdcli.render.output import fmt, fmt_vec

SHADES = " ·░▒▓█"


def _box(w) -> str:
    if w is None:
        return "—"
    return f"w1 ∈ [{fmt(w.w1[0], 5)}, {fmt(w.w1[1], 5)}], w2 ∈ [{fmt(w.w2[0], 5)}, {fmt(w.w2[1], 5)}]"


def _shade(counts: np.ndarray, log_density: bool) -> np.ndarray:
    z = counts.astype(float)
    return np.log1p(z) if log_density else z


def preview(counts: np.ndarray, width: int = 64) -> list[str]:
    """The density in shades of Unicode blocks, w2 upwards; a terminal cell is about twice as tall as wide."""
    ny, nx = counts.shape
    width = max(1, min(width, nx))
    height = max(1, min(ny, round(width * ny / nx / 2)))
    ey = np.linspace(0, ny, height + 1).astype(int)
    ex = np.linspace(0, nx, width + 1).astype(int)
    cells = np.add.reduceat(np.add.reduceat(counts, ey[:-1], axis=0), ex[:-1], axis=1)
    nonzero = cells[cells > 0]
    if nonzero.size == 0:
        return [" " * width] * height
    # shades by quantiles of the occupied cells: a fractal's counts span decades, so a linear or log scale saturates
    edges = np.quantile(nonzero, [0.3, 0.55, 0.8, 0.95])
    levels = np.where(cells > 0, 1 + np.searchsorted(edges, cells, side="right"), 0)
    levels = np.minimum(levels, len(SHADES) - 1)
    return ["".join(SHADES[v] for v in row) for row in levels[::-1]]


def figure(result, colormap: str = "Blues", log_density: bool = True):
    """A grid of panels, one per learning rate: the density image, the lines x_i·w = y_i and the minimum."""
    from gdcli.render.output import pyplot

    plt = pyplot()
    n = len(result.panels)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    # about one screen pixel per histogram bin (save_figure uses 120 dpi), within a sane figure size
    inches = min(max(5.0, result.resolution / 100), 12.0 if n == 1 else 6.0)
    fig, axes = plt.subplots(rows, cols, figsize=(inches * cols, inches * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, p in zip(axes.ravel(), result.panels):
        ax.set_title(f"lr = {fmt(p.lr)}" + ("" if p.status == "ok" else f" ({p.status})"))
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        d = p._density
        if d is None:
            msg = f"diverged at step {p.diverged_at}" if p.diverged_at else p.status
            if p.expanding:
                msg += "\n" + "; ".join(f"sample {e['samples']}: eigenvalue {fmt(e['eigenvalue'], 4)}" for e in p.expanding[:3])
            ax.text(0.5, 0.5, msg, ha="center", va="center", transform=ax.transAxes, color="firebrick")
            continue
        w = d.window
        extent = (w.w1[0], w.w1[1], w.w2[0], w.w2[1])
        z = _shade(d.counts, log_density)
        z = np.ma.masked_where(d.counts == 0, z)  # empty pixels stay white, as the seed's figure
        image = ax.imshow(z, origin="lower", extent=extent, cmap=colormap, aspect="equal", interpolation="nearest",
                          vmin=0, vmax=float(z.max()) if z.count() else 1.0)
        from mpl_toolkits.axes_grid1 import make_axes_locatable

        bar = make_axes_locatable(ax).append_axes("right", size="4%", pad=0.08)  # as tall as the image
        fig.colorbar(image, cax=bar,
                     label="log(1 + iterates per pixel)" if log_density else "iterates per pixel")
        bar.yaxis.label.set_size(8)
        lo, hi = _limits(w, p._path)
        xs = np.array([lo[0], hi[0]])
        for i, line in enumerate(result.lines):
            (a, b), c = line.x, line.y
            label = "x_i·w = y_i (one sample fitted)" if i == 0 else None
            if abs(b) > 1e-12:
                ax.plot(xs, (c - a * xs) / b, lw=0.6, ls="--", color="0.45", label=label)
            else:
                ax.axvline(c / a, lw=0.6, ls="--", color="0.45", label=label)
        if p._path is not None:
            path = p._path
            ax.plot(path[:, 0], path[:, 1], color="darkorange", lw=0.8, marker=".", ms=2, alpha=0.9, gid="trajectory",
                    label=f"SGD from {fmt_vec(path[0], 4)}, {len(path) - 1:,} steps")
            ax.plot(*path[0], marker="o", mfc="white", mec="darkorange", mew=1.5, ms=8, ls="none")
        ax.plot(*result.minimum, marker="+", color="crimson", ms=11, mew=1.6, ls="none", label="minimum w*")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, framealpha=0.9)
    fig.suptitle(f"SGD iterates (density), {result.points:,} points per panel; minimum {fmt_vec(result.minimum)}", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))  # room between panels for each colour bar's label, and above for the title
    return fig


def _limits(w, path):
    """The panel's box: the density's window, grown to hold a drawn trajectory."""
    lo, hi = np.array([w.w1[0], w.w2[0]]), np.array([w.w1[1], w.w2[1]])
    if path is not None:
        pts = path[np.all(np.isfinite(path), axis=1)]
        if len(pts):
            lo, hi = np.minimum(lo, pts.min(axis=0)), np.maximum(hi, pts.max(axis=0))
            pad = 0.03 * (hi - lo)
            lo, hi = lo - pad, hi + pad
    return lo, hi


def write_image(result, path, colormap: str = "Blues", log_density: bool = True) -> Path:
    from gdcli.render.output import pyplot, save_figure

    fig = figure(result, colormap, log_density)
    try:
        return save_figure(fig, path)
    finally:
        pyplot().close(fig)


def render_fractal(r, console) -> None:
    console.print(f"minimum (normal equations XᵀX w = Xᵀy): w* = ({r.minimum_exact[0]}, {r.minimum_exact[1]}) "
                  f"= {fmt_vec(r.minimum)}")
    t = Table(title="lines where one sample is fitted exactly (x_i·w = y_i)", title_justify="left")
    t.add_column("sample", justify="right")
    t.add_column("x_i")
    t.add_column("y_i", justify="right")
    t.add_column("line")
    for line in r.lines[:12]:
        t.add_row(str(line.sample), fmt_vec(line.x), fmt(line.y), line.equation)
    console.print(t)
    if len(r.lines) > 12:
        console.print(f"… and {len(r.lines) - 12} more lines")
    t = Table(title=f"SGD runs (batch size {r.batch_size}, seed {r.seed})", title_justify="left")
    for col in ("lr", "status", "points", "bounding box of the iterates", "points/s", "kernel"):
        t.add_column(col, justify="right" if col in ("lr", "points", "points/s") else "left")
    for p in r.panels:
        status = {"ok": "[green]ok[/]", "diverged": "[red]diverged[/]"}.get(p.status, f"[yellow]{p.status}[/]")
        t.add_row(fmt(p.lr), status, f"{p.points:,}", _box(p.bbox), f"{p.points_per_second:,.0f}" if p.points else "—", p.kernel or "—")
    console.print(t)
    for p in r.panels:
        if p.expanding:
            worst = max(p.expanding, key=lambda e: abs(e["eigenvalue"]))
            where = (f"; a chain was 10⁶ away at step {p.diverged_at}" if p.diverged_at
                     else "; it grows slowly: no chain was 10⁶ away within 20,000 steps")
            console.print(f"[red]lr {fmt(p.lr)} diverges[/]: the step on sample(s) {worst['samples']} has eigenvalue "
                          f"{fmt(worst['eigenvalue'], 4)} (lr·‖x_i‖² > 2), so it expands; stopped early{where}")
    if r.image:
        console.print(f"image: {r.image}   window: {_box(r.panels[0].window) if len(r.panels) == 1 else 'per panel'}")
    if console.is_terminal:
        for p in r.panels[:4]:
            if p._density is not None and p.points:
                console.print(f"lr {fmt(p.lr)}:")
                for line in preview(p._density.counts):
                    console.print(line, style="blue", markup=False, highlight=False)
    if r.interrupted:
        console.print("[yellow]interrupted[/]: the image holds the points computed so far")
