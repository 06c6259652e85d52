"""What every picture shares: windows with equal axes, f on a grid, contour levels, and paths that stay visible.

Numbers in, matplotlib axes out; nothing here imports matplotlib itself (the callers' figures bring it).
"""

from __future__ import annotations

import numpy as np

# (line style, marker) per path: overlapping paths stay distinguishable by both, not by colour alone.
PATH_STYLES = (("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ("-", "v"), ("--", "P"), ("-.", "X"), (":", "*"))
START = dict(marker="o", mfc="white", ms=9, mew=1.6, ls="none")
END = dict(marker="s", ms=7, mew=1.0, mec="black", ls="none")
MINIMUM = dict(marker="*", color="gold", mec="black", ms=15, mew=0.8, ls="none")
MAX_ASPECT = 20.0  # equal axes unless one side would be this many times the other (a sliver shows nothing)


def square_window(lo, hi, max_ratio: float = MAX_ASPECT):
    """Widen the shorter side so both axes span the same length; (lo, hi, equal). Circles stay circles."""
    lo, hi = np.asarray(lo, dtype=float).copy(), np.asarray(hi, dtype=float).copy()
    span = hi - lo
    if not np.all(span > 0) or span.max() / span.min() > max_ratio:
        return lo, hi, False
    mid, half = (lo + hi) / 2, span.max() / 2
    return mid - half, mid + half, True


def padded_window(points, pad: float = 0.15, least: float = 0.5):
    """The box around some 2-D points with a margin: at least `least` each side, so one point gets a window."""
    P = np.asarray(points, dtype=float).reshape(-1, 2)
    lo, hi = P.min(axis=0), P.max(axis=0)
    margin = np.maximum((hi - lo) * pad, least * np.maximum(1.0, np.abs(P).max(axis=0) * 1e-9))
    return lo - margin, hi + margin


def frame_box(ax, lo, hi, equal: bool, names) -> None:
    """The axes' limits, equal aspect when asked, and the two parameters' names."""
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    if equal:
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])


def norms(v) -> np.ndarray:
    """Euclidean norms along the last axis without overflow (a gradient of 1e300 has norm 1e300, not inf)."""
    v = np.asarray(v, dtype=float)
    big = np.max(np.abs(v), axis=-1, keepdims=True)
    safe = np.where(big > 0, big, 1.0)
    with np.errstate(invalid="ignore"):
        return (big * np.sqrt(np.sum((v / safe) ** 2, axis=-1, keepdims=True)))[..., 0]


def grid_values(expr, lo, hi, n: int = 200, inside=None):
    """f on an n×n grid of the box [lo, hi]: (X, Y, Z); NaN where f is not finite or outside `inside`."""
    X, Y = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
    P = np.stack([X, Y], axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        Z = np.asarray(expr.f(P), dtype=float).reshape(X.shape)
    if inside is not None:
        Z = np.where(inside(P).reshape(X.shape), Z, np.nan)
    return X, Y, np.where(np.isfinite(Z), Z, np.nan)


def contour_levels(Z, count: int = 25, levels=None):
    """Levels that show the bowl: given ones, or quantiles packed towards the low values; None if f is flat."""
    if levels is not None:
        return np.asarray(sorted(levels), dtype=float)
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        return None
    out = np.unique(np.quantile(finite, np.linspace(0, 1, count) ** 2))
    return out if out.size > 1 else None


def draw_path(ax, path, i: int, label: str, color=None):
    """One path of iterates: its own line style, marker and width (earlier paths wider, so later ones drawn on
    top of them leave an edge showing), a hollow circle at the start and a square at the end."""
    ls, marker = PATH_STYLES[i % len(PATH_STYLES)]
    color = color or f"C{i % 10}"
    p = np.asarray(path, dtype=float)
    p = p[np.all(np.isfinite(p), axis=1)]
    if not len(p):
        return None
    every = max(1, len(p) // 40)
    (line,) = ax.plot(p[:, 0], p[:, 1], ls=ls, marker=marker, ms=4, markevery=every, lw=max(0.9, 2.8 - 0.5 * i),
                      color=color, label=label, zorder=3 + 0.01 * i, alpha=0.9)
    ax.plot(*p[0], mec=color, zorder=5, **START)
    ax.plot(*p[-1], color=color, zorder=5, **END)
    return line


def marker_legend(ax, minimum: bool = False, **kwargs):
    """The legend with entries for the start and end markers (and the minimum's star) after the paths."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], mec="0.3", **START), Line2D([], [], color="0.6", **END)]
    labels += ["start", "end"]
    if minimum:
        handles.append(Line2D([], [], **MINIMUM))
        labels.append("minimum")
    return ax.legend(handles, labels, **{"fontsize": 8, "loc": "best", "framealpha": 0.85, **kwargs})


def known_minimum(expr, descent):
    """The minimiser of a quadratic with a positive-definite Hessian: x* = x0 − H⁻¹∇f(x0); None otherwise."""
    c = getattr(descent, "curvature", None)
    if expr is None or c is None or not c.exact or not c.eigenvalues or min(c.eigenvalues) <= 0:
        return None
    x0 = np.asarray(descent.start, dtype=float)
    with np.errstate(all="ignore"):
        x = x0 - np.linalg.solve(np.atleast_2d(expr.hessian(x0)), np.atleast_1d(expr.grad(x0)))
    return x if np.all(np.isfinite(x)) else None


def symlog_axis(ax, which: str, linthresh: float, largest: float, most: int = 7) -> None:
    """A symmetric log scale whose ticks never collide: one tick per decade, or every s-th decade so that at
    most `most` ticks stand on each side of zero, written as ±10^k."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    linthresh = float(linthresh)
    getattr(ax, f"set_{which}scale")("symlog", linthresh=linthresh)
    axis = getattr(ax, f"{which}axis")
    lo = int(np.floor(np.log10(linthresh)))
    hi = int(np.ceil(np.log10(max(largest, linthresh * 10))))
    stride = max(1, int(np.ceil((hi - lo + 1) / most)))
    powers = list(range(hi, lo - 1, -stride))[::-1]
    ticks = [-(10.0 ** k) for k in reversed(powers)] + [0.0] + [10.0 ** k for k in powers]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())

    def label(v, _pos):
        if v == 0:
            return "0"
        k = int(round(np.log10(abs(v))))
        return f"${'-' if v < 0 else ''}10^{{{k}}}$"

    axis.set_major_formatter(FuncFormatter(label))


def until_it_leaves(track, lo, hi):
    """A path up to and including its first point outside the box [lo, hi] (or not finite), and whether it left:
    a path that leaves is drawn only that far, so its swings outside do not paint over the others."""
    p = np.asarray(track, dtype=float)
    outside = np.flatnonzero(~np.all(np.isfinite(p) & (p >= lo) & (p <= hi), axis=1))
    return (p[: outside[0] + 1], True) if outside.size else (p, False)


def exit_point(point, lo, hi):
    """Where a ▲ marks a path leaving the box: its first point outside, pulled back onto the frame."""
    return np.clip(np.nan_to_num(np.asarray(point, dtype=float), nan=hi[0], posinf=hi[0], neginf=lo[0]), lo, hi)


def exit_marker(ax, point, lo, hi, color) -> None:
    ax.plot(*exit_point(point, lo, hi), marker="^", color=color, ms=9, mec="black", zorder=6, clip_on=False)
