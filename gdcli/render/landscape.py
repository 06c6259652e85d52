"""`fit --landscape`: the loss around the trained parameters in three panels (Li et al. 2018; seed 002)."""

from __future__ import annotations

import numpy as np

from gdcli.render.output import fmt, pyplot, save_figure


def plot_landscape(r, path):
    """(a) 1-D slice along d1, (b) 2-D slice along d1, d2 with the projected training path, (c) the line from
    θ0 to θ*."""
    s = r.landscape
    plt = pyplot()
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")
    a.plot(s.alphas, s.slice1, color="C0")
    a.plot([0], [s.slice1[len(s.alphas) // 2]], "o", color="C3", label="θ* (trained)")
    a.set_xlabel("α (along d1)")
    a.set_ylabel(f"training loss ({r.loss_function})")
    a.set_title("(a) 1-D slice: L(θ* + α·d1)", fontsize=10)
    a.legend(fontsize=8)
    grid = s.grid
    positive = np.all(grid > 0) and grid.max() / grid.min() > 30
    levels = np.geomspace(grid.min(), grid.max(), 25) if positive else 25
    filled = b.contourf(s.alphas, s.alphas, grid, levels=levels, cmap="viridis",
                        norm=_log_norm() if positive else None)
    b.contour(s.alphas, s.alphas, grid, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
    fig.colorbar(filled, ax=b, label="loss on the plane", format="%.3g")
    p = s.path
    inside = np.all(np.abs(p) <= s.span, axis=1)
    b.plot(p[inside, 0], p[inside, 1], "-", color="red", linewidth=1.2, label="training path (projected)")
    b.plot(0, 0, "*", color="red", markersize=12, markeredgecolor="black", label="θ* (end)", zorder=3)
    b.plot(p[0, 0], p[0, 1], "s", color="orange", markeredgecolor="black", markersize=5, zorder=4,
           label=f"start, at ({fmt(p[0, 0], 2)}, {fmt(p[0, 1], 2)})" + ("" if inside[0] else ": outside"))
    b.set_xlim(-s.span, s.span)
    b.set_ylim(-s.span, s.span)
    b.set_aspect("equal")
    b.set_xlabel("α (d1)")
    b.set_ylabel("β (d2)")
    b.set_title(f"(b) 2-D slice: the plane holds {s.path_in_plane:.1%} of the path", fontsize=10)
    b.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=3)
    c.plot(s.ts, s.line, color="C2")
    c.axvline(0, color="grey", linewidth=0.6, linestyle=":")
    c.axvline(1, color="grey", linewidth=0.6, linestyle=":")
    c.plot([0, 1], [np.interp(0, s.ts, s.line), np.interp(1, s.ts, s.line)], "o", color="C3")
    c.set_xlabel("t:  θ = (1 − t)·θ0 + t·θ*")
    c.set_ylabel("training loss")
    c.set_title("(c) from the initial (t = 0) to the trained (t = 1) parameters", fontsize=10)
    if np.all(s.line > 0) and s.line.max() / s.line.min() > 30:
        c.set_yscale("log")
    fig.suptitle(f"loss landscape of {r.model} (directions: {s.normalisation}; seed {r.seed}; span ±{fmt(s.span)})",
                 fontsize=10)
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)


def _log_norm():
    from matplotlib.colors import LogNorm

    return LogNorm()
