"""Pictures for `grad` and `hessian`: the tangent and its prediction, −∇f on the surface, the gradient field over
the contours (Figs 2.2, 3.4, 3.5, 3.7), and f beside its first- and second-order Taylor models."""

from __future__ import annotations

import numpy as np

from gdcli.render.output import fmt, fmt_vec, pyplot
from gdcli.render.plotting import contour_levels, grid_values, norms, square_window

POINT = dict(marker="o", color="crimson", mec="black", ms=8, ls="none", zorder=6)


def _norm(v) -> float:
    return float(norms(v))


def _radius(point, step=None) -> float:
    """Half the window's side around the point: room for the origin nearby and for the step δ."""
    x = np.asarray(point, dtype=float)
    r = max(1.0, 1.2 * float(_norm(x)))
    if step is not None:
        d = float(_norm(step))
        r = 4 * d if d > 0 else r  # the step sets the scale: the prediction is about small steps
    return r


def _curve(expr, x0: float, r: float, n: int = 600):
    xs = np.linspace(x0 - r, x0 + r, n)
    with np.errstate(all="ignore"):
        ys = np.asarray(expr.f(xs[:, None]), dtype=float)
    return xs, np.where(np.isfinite(ys), ys, np.nan)


def unit_of(values) -> float:
    """1, or the power of ten that f's values are drawn in when they are too small for an axis (below 1e-200
    matplotlib collapses the axis to ±0.05); the label then says "f (× 1e-300)"."""
    v = np.abs(np.asarray(values, dtype=float))
    v = v[np.isfinite(v) & (v > 0)]
    return 10.0 ** np.floor(np.log10(v.max())) if v.size and v.max() < 1e-200 else 1.0


def _f_label(unit: float) -> str:
    return "f" if unit == 1.0 else f"f (× {unit:.0e})"


def _ylim_from(ax, *arrays) -> None:
    """Vertical limits from the curve f (a model's parabola may run far off; it is clipped, f is not)."""
    v = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    v = v[np.isfinite(v)]
    if v.size:
        lo, hi = float(v.min()), float(v.max())
        pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1e-300)
        ax.set_ylim(lo - pad, hi + pad)


def tangent_axes(ax, r, expr) -> None:
    """One variable: f with the tangent at x0; with a step, the predicted and the actual change (Figs 2.2, 3.4)."""
    x0, f0, slope = float(r.point[0]), float(r.value), float(r.gradient[0])
    delta = None if r.step is None else float(r.step.delta[0])
    xs, ys = _curve(expr, x0, _radius(r.point, None if delta is None else [delta]))
    u = unit_of(ys)
    ax.plot(xs, ys / u, color="C0", lw=1.8, label=f"f = {r.expression}"[:60])
    ax.plot(xs, (f0 + slope * (xs - x0)) / u, color="C1", ls="--", lw=1.3, gid="tangent",
            label=f"tangent at {r.variables[0]} = {fmt(x0)}, slope {fmt(slope)}")
    ax.plot(x0, f0 / u, **POINT)
    if delta is not None:
        s = r.step
        x1 = x0 + delta
        ax.plot([x1, x1], [f0 / u, s.predicted_value / u], color="C1", lw=3, alpha=0.7, solid_capstyle="butt",
                gid="predicted", label=f"predicted change ∇f·δ = {fmt(s.predicted_change)}")
        ax.plot([x1, x1], [f0 / u, s.actual_value / u], color="C2", lw=1.4, gid="actual",
                label=f"actual change f(x+δ) − f(x) = {fmt(s.actual_change)}")
        ax.plot([x0, x1], [f0 / u, f0 / u], color="0.4", lw=0.8, ls=":", label=f"δ = {fmt(delta)}")
        ax.plot(x1, s.actual_value / u, marker="o", color="C2", mec="black", ls="none", zorder=6)
        ax.plot(x1, s.predicted_value / u, marker="D", color="C1", mec="black", ls="none", zorder=6)
    _ylim_from(ax, ys / u)
    ax.set_xlabel(r.variables[0])
    ax.set_ylabel(_f_label(u))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def _box(r, step=None):
    rad = _radius(r.point, step)
    x = np.asarray(r.point, dtype=float)
    lo, hi, _ = square_window(x - rad, x + rad)
    return lo, hi


def surface_axes(ax, r, expr) -> None:
    """The surface z = f with the point and the −∇f arrow on it (Fig 3.5): moving by −t∇f changes f by −t‖∇f‖²."""
    lo, hi = _box(r)
    X, Y, Z = grid_values(expr, lo, hi, n=60)
    ax.plot_surface(X, Y, np.ma.masked_invalid(Z), cmap="viridis", alpha=0.75, linewidth=0, antialiased=True)
    x0, f0, g = np.asarray(r.point, dtype=float), float(r.value), np.asarray(r.gradient, dtype=float)
    ax.plot([x0[0]], [x0[1]], [f0], **POINT)
    norm = float(_norm(g))
    if norm > 0:
        t = 0.3 * (hi[0] - lo[0]) / norm
        tip = np.array([x0[0] - t * g[0], x0[1] - t * g[1], f0 - t * norm * norm])
        _arrow3d(ax, np.array([x0[0], x0[1], f0]), tip, Z, hi[0] - lo[0])
    ax.set_xlabel(r.variables[0])
    ax.set_ylabel(r.variables[1])
    ax.set_zlabel("f")
    ax.set_title("surface with −∇f at the point", fontsize=10)


def _arrow3d(ax, tail, tip, Z, width) -> None:
    """An arrow on the surface; its head is drawn in the box's proportions (z in f's range, x and y in the
    window's), so it keeps its shape whether f spans 1 or 1e300. mplot3d's quiver shapes heads in data units."""
    zr = np.nanmax(Z) - np.nanmin(Z) if np.isfinite(Z).any() else 1.0
    scale = np.array([width, width, zr if zr > 0 else 1.0])
    shaft = (tip - tail) / scale
    length = float(norms(shaft))
    ax.plot(*np.column_stack([tail, tip]), color="crimson", lw=2.4, zorder=10, gid="minus-gradient")
    side = np.cross(shaft, [0.0, 0.0, 1.0])
    side = side / norms(side) if norms(side) > 0 else np.array([1.0, 0.0, 0.0])
    back = shaft / length
    for sign in (1, -1):
        wing = tip - 0.22 * length * (np.cos(0.45) * back + sign * np.sin(0.45) * side) * scale
        ax.plot(*np.column_stack([tip, wing]), color="crimson", lw=2.4, zorder=10)


def field_axes(fig, ax, r, expr, levels=None) -> None:
    """Filled contours with the gradient field as arrows, the point and its gradient (Fig 3.7)."""
    lo, hi = _box(r)
    X, Y, Z = grid_values(expr, lo, hi, n=200)
    lv = contour_levels(Z, 20, levels)
    if lv is not None:
        # given levels leave values outside them: extend the colours, unless ±1 vanishes beside them (1e300)
        extend = "both" if levels is not None and lv[0] - 1 < lv[0] and lv[-1] + 1 > lv[-1] else "neither"
        filled = ax.contourf(X, Y, Z, levels=lv, cmap="viridis", extend=extend)
        fig.colorbar(filled, ax=ax, shrink=0.85, label="f")
        if levels is not None:
            lines = ax.contour(X, Y, Z, levels=lv, colors="white", linewidths=0.9)
            ax.clabel(lines, fmt=lambda v: fmt(v, 4), fontsize=8)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 15), np.linspace(lo[1], hi[1], 15))
    pts = np.stack([gx, gy], axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        G = np.asarray(expr.grad(pts), dtype=float)
    size = norms(G)
    ok = np.isfinite(size) & (size > 0)
    U, V = (G[ok] / size[ok, None]).T
    ax.quiver(pts[ok, 0], pts[ok, 1], U, V, color="white", alpha=0.8, pivot="middle", scale=22, width=0.004,
              gid="field")
    x0, g = np.asarray(r.point, dtype=float), np.asarray(r.gradient, dtype=float)
    ax.plot(*x0, **POINT)
    norm = float(_norm(g))
    if norm > 0:
        L = 0.2 * (hi[0] - lo[0])
        ax.annotate("", x0 + L * g / norm, x0, arrowprops=dict(arrowstyle="-|>", color="crimson", lw=2.4),
                    zorder=7, gid="gradient")
    ax.plot([], [], color="crimson", lw=2.4, label=f"∇f at the point = {fmt_vec(g, 4)}")
    ax.plot([], [], marker=r"$\rightarrow$", color="0.5", ms=12, ls="none", label="direction of ∇f (the field)")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(r.variables[0])
    ax.set_ylabel(r.variables[1])
    ax.set_title("contours and the gradient field", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1, framealpha=0.9)


def grad_figure(r, expr, levels=None):
    if len(r.variables) == 3:
        from gdcli.render.level_surface import level_surface_figure

        return level_surface_figure(r, expr, levels)
    plt = pyplot()
    if len(r.variables) == 1:
        fig, ax = plt.subplots(figsize=(8.4, 4.4))
        tangent_axes(ax, r, expr)
        ax.set_title(f"f = {r.expression}"[:80], fontsize=10)
        fig.tight_layout()
        return fig
    fig = plt.figure(figsize=(12.5, 5.6))
    surface_axes(fig.add_subplot(1, 2, 1, projection="3d"), r, expr)
    field_axes(fig, fig.add_subplot(1, 2, 2), r, expr, levels)
    fig.suptitle(f"f = {r.expression} at {fmt_vec(r.point)}"[:100], fontsize=11)
    fig.tight_layout()
    return fig


# -- hessian: f beside its Taylor models -------------------------------------------------------------------

def taylor_models(r):
    """The first- and second-order models around x0 as functions of points (..., n)."""
    x0, f0 = np.asarray(r.point, dtype=float), float(r.value)
    g, H = np.asarray(r.gradient, dtype=float), np.asarray(r.hessian, dtype=float)

    def first(p):
        return f0 + (np.asarray(p, dtype=float) - x0) @ g

    def second(p):
        d = np.asarray(p, dtype=float) - x0
        return first(p) + 0.5 * np.einsum("...i,ij,...j->...", d, H, d)

    return first, second


def _taylor_curves(ax, r, expr, P, ts, at, xlabel) -> None:
    """f and both models at the points P (m, n), drawn against ts (m,); the point x0 sits at ts = at."""
    first, second = taylor_models(r)
    with np.errstate(all="ignore"):
        fy = np.asarray(expr.f(P), dtype=float)
    fy = np.where(np.isfinite(fy), fy, np.nan)
    u = unit_of(fy)
    ax.plot(ts, fy / u, color="C0", lw=2.0, label="f")
    ax.plot(ts, first(P) / u, color="C1", ls="--", lw=1.3, gid="first-order", label="first order: f + ∇f·δ")
    ax.plot(ts, second(P) / u, color="C3", ls="-.", lw=1.5, gid="second-order", label="second order: + ½ δᵀHδ")
    ax.plot(at, float(r.value) / u, **POINT)
    _ylim_from(ax, fy / u)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_f_label(u))
    ax.legend(fontsize=8, loc="best", framealpha=0.9)


def hessian_figure(r, expr, levels=None):
    plt = pyplot()
    n = len(r.variables)
    step = None if r.taylor is None else r.taylor.delta
    x0 = np.asarray(r.point, dtype=float)
    if n == 1:
        fig, ax = plt.subplots(figsize=(6.8, 4.6))
        rad = _radius(r.point, step)
        xs = np.linspace(x0[0] - rad, x0[0] + rad, 600)
        _taylor_curves(ax, r, expr, xs[:, None], xs, x0[0], r.variables[0])
        ax.set_title(f"f = {r.expression} and its Taylor models at {r.variables[0]} = {fmt(x0[0])}"[:90], fontsize=10)
        fig.tight_layout()
        return fig
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))
    lo, hi = _box(r, step)
    X, Y, Z = grid_values(expr, lo, hi, n=200)
    _, second = taylor_models(r)
    Q = second(np.stack([X, Y], axis=-1))
    lv = contour_levels(Z, 15, levels)
    if lv is not None:
        cf = left.contour(X, Y, Z, levels=lv, cmap="viridis", linewidths=1.2)
        left.contour(X, Y, Q, levels=lv, colors="crimson", linestyles="--", linewidths=0.9)
        left.clabel(cf, cf.levels[::2], fmt=lambda v: fmt(v, 2), fontsize=7)
    left.plot(*x0, **POINT)
    lam, V = np.linalg.eigh(np.asarray(r.hessian, dtype=float))
    L = 0.25 * (hi[0] - lo[0])
    for k in range(2):
        left.plot(*np.column_stack([x0 - L * V[:, k], x0 + L * V[:, k]]), color="0.2", lw=1, ls=":")
    left.plot([], [], color="C0", lw=1.2, label="f")
    left.plot([], [], color="crimson", ls="--", lw=0.9, label="second-order model (same levels)")
    left.plot([], [], color="0.2", ls=":", lw=1, label="eigenvectors of H, λ = " + ", ".join(fmt(v, 4) for v in lam))
    left.set_xlim(lo[0], hi[0])
    left.set_ylim(lo[1], hi[1])
    left.set_aspect("equal", adjustable="box")
    left.set_xlabel(r.variables[0])
    left.set_ylabel(r.variables[1])
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), framealpha=0.9)
    left.set_title("contours of f against the quadratic model", fontsize=10)
    g = np.asarray(r.gradient, dtype=float)
    if step is not None and _norm(step) > 0:
        u, along = np.asarray(step, dtype=float) / _norm(step), "the step δ"
    elif _norm(g) > 0:
        u, along = g / _norm(g), "∇f"
    else:
        u, along = V[:, 0], f"the eigenvector of λ = {fmt(lam[0], 4)}"
    ts = np.linspace(-(hi[0] - lo[0]) / 2, (hi[0] - lo[0]) / 2, 600)
    _taylor_curves(right, r, expr, x0 + ts[:, None] * u, ts, 0.0, f"t along {along}: x = x0 + t·{fmt_vec(u, 3)}")
    right.set_title(f"f and its models along {along}", fontsize=10)
    fig.suptitle(f"f = {r.expression} at {fmt_vec(x0)}"[:100], fontsize=11)
    fig.tight_layout()
    return fig
