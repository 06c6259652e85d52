"""Maps for `descend`: the basin map of a grid of starts, and the stability map of a two-parameter sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

from gdcli.render.output import fmt, num, pyplot, save_figure

KIND_STYLE = {"minimum": "green", "maximum": "red", "saddle": "yellow", "degenerate": "magenta"}
OTHER = {-1: ("did not converge", "0.8"), -2: ("diverged", "black"), -3: ("interrupted", "white")}


def _point(p) -> str:
    return "(" + ", ".join(num(v, 5) for v in p) + ")"


def render_basins(m, console) -> None:
    s = m.settings
    grid = " × ".join(f"{a.name} ∈ [{fmt(a.lo)}, {fmt(a.hi)}] ({a.count})" for a in m.axes)
    console.print(f"basin map of f = {m.expression}: {m.starts:,} starts on {grid}; "
                  f"{s.optimizer}, lr = {fmt(s.lr)}, at most {s.steps:,} steps, tol {s.tol:g}")
    t = Table(title="where the starts ended", title_justify="left")
    for col in ("#", "end point", "f", "kind", "Hessian eigenvalues", "starts", "share", "median steps"):
        t.add_column(col, justify="left" if col in ("end point", "kind", "Hessian eigenvalues") else "right")
    for i, b in enumerate(m.basins):
        t.add_row(str(i), _point(b.point), num(b.value, 5), f"[{KIND_STYLE[b.kind]}]{b.kind}[/]",
                  ", ".join(num(v, 4) for v in b.eigenvalues), f"{b.starts:,}", f"{100 * b.share:.1f}%",
                  fmt(b.median_steps))
    console.print(t)
    if not m.basins:
        console.print("no start converged")
    for count, words in ((m.not_converged, f"[yellow]did not converge[/] in {s.steps:,} steps"),
                         (m.diverged, "[red]diverged[/]"),
                         (m.unclustered, f"converged to points beyond the first {len(m.basins)} distinct ones "
                                         "(a continuum of critical points?)")):
        if count:
            console.print(f"{count:,} starts ({100 * count / m.starts:.1f}%) {words}")
    if m.interrupted:
        console.print("[magenta]interrupted[/]: the starts still running are counted as interrupted")


def _colors(m):
    from matplotlib.colors import ListedColormap

    palette = pyplot().get_cmap("tab10" if len(m.basins) <= 10 else "tab20")
    colors = [OTHER[c][1] for c in (-3, -2, -1)] + [palette(i % palette.N) for i in range(len(m.basins))]
    return ListedColormap(colors), -3.5, len(m.basins) - 0.5


def basin_plot(m, path, expr) -> Path:
    """Each start coloured by the basin it reached (grey: did not converge, black: diverged), the end points
    marked; for one variable, f above the strip of starts."""
    plt = pyplot()
    cmap, lo, hi = _colors(m)
    labels = np.asarray(m.labels)
    if len(m.axes) == 2:
        fig, ax = plt.subplots(figsize=(7.5, 6.5))
        ax_x, ax_y = m.axes
        dx = (ax_x.hi - ax_x.lo) / max(ax_x.count - 1, 1) / 2
        dy = (ax_y.hi - ax_y.lo) / max(ax_y.count - 1, 1) / 2
        extent = (ax_x.lo - dx, ax_x.hi + dx, ax_y.lo - dy, ax_y.hi + dy)
        ax.imshow(labels.T, origin="lower", extent=extent, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest",
                  aspect="equal")
        gx, gy = np.meshgrid(np.linspace(extent[0], extent[1], 200), np.linspace(extent[2], extent[3], 200))
        Z = expr.f(np.stack([gx, gy], axis=-1))
        finite = Z[np.isfinite(Z)]
        if finite.size:
            levels = np.unique(np.quantile(finite, np.linspace(0, 1, 20) ** 2))
            if levels.size > 1:
                ax.contour(gx, gy, np.where(np.isfinite(Z), Z, np.nan), levels=levels, colors="white",
                           linewidths=0.5, alpha=0.6)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel(ax_x.name)
        ax.set_ylabel(ax_y.name)
        for i, b in enumerate(m.basins):
            ax.plot(*b.point[:2], marker="*", ms=16, color=cmap(i + 3), mec="black", mew=1.0,
                    label=f"{i}: {b.kind} {_point(b.point)}, {100 * b.share:.1f}% of starts")
    else:
        fig, (ax, strip) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True, gridspec_kw={"height_ratios": [4, 1]})
        (a,) = m.axes
        fine = np.linspace(a.lo, a.hi, 600)
        ax.plot(fine, expr.f(fine[:, None]), color="0.2", lw=1.2)
        for i, b in enumerate(m.basins):
            ax.plot(b.point[0], b.value, marker="*", ms=16, color=cmap(i + 3), mec="black", mew=1.0,
                    label=f"{i}: {b.kind} at {a.name} = {num(b.point[0], 5)}, {100 * b.share:.1f}% of starts")
        ax.set_ylabel("f")
        d = (a.hi - a.lo) / max(a.count - 1, 1) / 2
        strip.imshow(labels[None, :], extent=(a.lo - d, a.hi + d, 0, 1), cmap=cmap, vmin=lo, vmax=hi,
                     aspect="auto", interpolation="nearest")
        strip.set_yticks([])
        strip.set_xlabel(f"start {a.name}")
    for code in (-1, -2, -3):
        if np.any(labels == code):
            ax.plot([], [], "s", color=OTHER[code][1], mec="0.3", label=f"start {OTHER[code][0]}")
    s = m.settings
    ax.set_title(f"basins of f = {m.expression}\n{s.optimizer}, lr = {fmt(s.lr)}, {m.starts:,} starts, "
                 f"≤ {s.steps:,} steps")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.tight_layout()
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)


def stability_plot(sm, path) -> Path:
    """Two panels over the (hyper-parameter x, hyper-parameter y) grid: the final loss (log scale) and the
    steps to converge; diverged cells are marked ×, and the boundary curvature predicts is drawn when known."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    X, Y = np.meshgrid(sm.x_values, sm.y_values, indexing="ij")
    loss = np.where(sm.diverged | ~np.isfinite(sm.final_value), np.nan, sm.final_value)
    positive = loss[np.isfinite(loss) & (loss > 0)]
    floor = positive.min() if positive.size else 1e-300
    panels = [(np.log10(np.maximum(loss, floor)), "log10 final f", "viridis"),
              (np.where(sm.converged, sm.steps, np.nan), "steps to converge (blank: did not)", "magma_r")]
    for ax, (Z, title, cmap) in zip(axes, panels):
        shown = np.ma.masked_invalid(Z)
        if shown.count():
            mesh = ax.pcolormesh(X, Y, shown, shading="nearest", cmap=cmap)
            fig.colorbar(mesh, ax=ax)
        ax.scatter(X[sm.diverged], Y[sm.diverged], marker="x", s=14, color="red", lw=0.8, label="diverged")
        if sm.boundary is not None:
            bx, by = sm.boundary
            ax.plot(bx, by, color="white", lw=2.2)
            ax.plot(bx, by, color="black", lw=1.0, ls="--", label=sm.boundary_label)
        ax.set_xlim(X.min(), X.max())
        ax.set_ylim(Y.min(), Y.max())
        ax.set_xlabel(sm.x_name)
        ax.set_ylabel(sm.y_name)
        ax.set_title(title)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"{sm.optimizer} on f = {sm.expression}: outcome over {sm.x_name} × {sm.y_name}")
    fig.tight_layout()
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
