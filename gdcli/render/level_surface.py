"""`grad --plot` for a function of three variables: the level surface through the point, drawn as its contour
lines on stacked slices, with ∇f at the point and at points of the surface, normal to it (Figs 3.8, 3.9)."""

from __future__ import annotations

import numpy as np

from gdcli.render.output import fmt, fmt_vec, pyplot
from gdcli.render.plotting import norms, square_window

GRID = 48  # samples of f per axis: 48³ ≈ 110,000 evaluations in one vectorised call
SLICES = 9  # slices per direction that carry the surface's contour lines
ARROWS = 24  # gradient arrows on the surface besides the point's


def _box(point):
    """A cube around the point and the origin with room on every side (level surfaces often centre on 0)."""
    p = np.asarray(point, dtype=float)
    rad = max(1.0, 1.2 * float(norms(p)))
    lo, hi, _ = square_window(np.minimum(p - rad, -rad), np.maximum(p + rad, rad))
    return lo, hi


def _crossings(axes, F, c, rng) -> np.ndarray:
    """Up to ARROWS points where f crosses the level c between neighbouring samples along the first axis."""
    a, b = F[:-1], F[1:]
    i, j, k = np.nonzero(np.isfinite(a) & np.isfinite(b) & ((a - c) * (b - c) < 0))
    if i.size == 0:
        return np.empty((0, 3))
    pick = rng.choice(i.size, size=min(ARROWS, i.size), replace=False)
    i, j, k = i[pick], j[pick], k[pick]
    t = (c - a[i, j, k]) / (b[i, j, k] - a[i, j, k])
    x = axes[0][i] + t * (axes[0][1] - axes[0][0])
    return np.column_stack([x, axes[1][j], axes[2][k]])


def _lines(a, b, V, c):
    """The contour lines V = c of a slice sampled at a (first index) × b (second): (u along a, v along b) each."""
    import contourpy  # matplotlib's own contouring library

    gen = contourpy.contour_generator(x=b, y=a, z=np.ma.masked_invalid(V), line_type="Separate")
    return [(line[:, 1], line[:, 0]) for line in gen.lines(c)]


def level_surface_figure(r, expr, levels=None):
    """The level surfaces f = c (c = f at the point, or the given levels) in the cube around the point."""
    plt = pyplot()
    lo, hi = _box(r.point)
    axes = [np.linspace(lo[d], hi[d], GRID) for d in range(3)]
    P = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    with np.errstate(all="ignore"):
        F = np.asarray(expr.f(P.reshape(-1, 3)), dtype=float).reshape(P.shape[:3])
    F = np.where(np.isfinite(F), F, np.nan)
    values = [float(r.value)] if levels is None else list(levels)
    fig = plt.figure(figsize=(8.4, 7.6))
    ax = fig.add_subplot(projection="3d")
    rng = np.random.default_rng(0)
    span = float(hi[0] - lo[0])
    at = np.linspace(0, GRID - 1, SLICES + 2).round().astype(int)[1:-1]  # inner slices: the cube's faces stay clear
    for n, c in enumerate(values):
        colour = f"C{n % 10}"
        if not (np.nanmin(F) < c < np.nanmax(F)):
            continue  # the level is not reached in the cube: nothing to draw
        for s in at:  # the surface's contour lines on slices across x and across z: a wire frame of it
            for u, v in _lines(axes[1], axes[2], F[s], c):
                ax.plot(np.full_like(u, axes[0][s]), u, v, color=colour, lw=0.9)
            for u, v in _lines(axes[0], axes[1], F[:, :, s], c):
                ax.plot(u, v, np.full_like(u, axes[2][s]), color=colour, lw=0.9)
        P = _crossings(axes, F, c, rng)
        if len(P):
            with np.errstate(all="ignore"):
                G = np.asarray(expr.grad(P), dtype=float)
            size = norms(G)
            ok = np.isfinite(size) & (size > 0)
            U = G[ok] / size[ok, None] * 0.09 * span
            ax.quiver(*P[ok].T, *U.T, color="0.35", linewidth=1.0, arrow_length_ratio=0.3, gid="field")
        ax.plot([], [], color=colour, lw=1.2, label=f"level surface f = {fmt(c, 5)}")
    p, g = np.asarray(r.point, dtype=float), np.asarray(r.gradient, dtype=float)
    ax.scatter(*p, color="crimson", edgecolor="black", s=50, depthshade=False, zorder=10)
    norm = float(norms(g))
    if norm > 0:
        d = g / norm * 0.2 * span
        ax.quiver(*p, *d, color="crimson", linewidth=2.4, arrow_length_ratio=0.25, gid="gradient")
    ax.plot([], [], color="crimson", lw=2.4, label=f"∇f at {fmt_vec(p)} = {fmt_vec(g, 4)}")
    ax.plot([], [], color="0.35", lw=1.0, label="∇f on the surface: normal to it")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_zlim(lo[2], hi[2])
    ax.set_box_aspect((1, 1, 1))
    ax.set_xlabel(r.variables[0])
    ax.set_ylabel(r.variables[1])
    ax.set_zlabel(r.variables[2])
    ax.set_title(f"f = {r.expression}: the level surface through the point"[:100], fontsize=11)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="lower center", ncol=2, framealpha=0.9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
