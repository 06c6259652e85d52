"""The `convex` picture: the curve with a chord A, B and the points C, D at α (Fig 3.16) or a tangent (Fig 3.17)
in 1-D, filled contours with the witness in 2-D."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdcli.render.output import fmt, pyplot
from gdcli.render.plotting import frame_box, grid_values, square_window


@dataclass(frozen=True)
class Chord:
    """The chord from x = a to x = b with C = αA + (1−α)B on it and D = (same x, f) on the curve."""

    a: float
    b: float
    alpha: float


def chord_points(f, chord: Chord) -> dict[str, tuple[float, float]]:
    a, b, t = chord.a, chord.b, chord.alpha
    fa, fb = float(f(a)), float(f(b))
    xc = t * a + (1 - t) * b
    return {"A": (a, fa), "B": (b, fb), "C": (xc, t * fa + (1 - t) * fb), "D": (xc, float(f(xc)))}


def _window(domain, w, n, extra=()):
    pts = [np.atleast_1d(np.asarray(p, dtype=float)) for p in extra]
    if w is not None:
        pts += [np.asarray(w.a), np.asarray(w.b)] if w.kind == "jensen" else [np.asarray(w.point)]
    lo, hi = np.full(n, -3.0), np.full(n, 3.0)
    if pts:
        P = np.asarray(pts, dtype=float)
        span = max(1.0, float(np.max(P.max(0) - P.min(0))))
        lo, hi = P.min(0) - 0.15 * span, P.max(0) + 0.15 * span
    for i, iv in enumerate(domain.intervals):
        lo[i] = max(lo[i], iv.lo) if iv.lo > -np.inf else lo[i]
        hi[i] = min(hi[i], iv.hi) if iv.hi < np.inf else hi[i]
        if iv.lo > -np.inf and hi[i] <= iv.lo:
            hi[i] = iv.lo + 3.0
        if iv.hi < np.inf and lo[i] >= iv.hi:
            lo[i] = iv.hi - 3.0
    return lo, hi


def _points(ax, named: dict, color="black") -> None:
    """Labelled points; each label sits on the side away from the others, so no label covers a point."""
    centre = np.mean([p for p in named.values()], axis=0)
    for name, (px, py) in named.items():
        ax.plot(px, py, "o", color=color, mec="black", zorder=6, gid=f"point-{name}")
        dx = 8 if px >= centre[0] else -14
        dy = 8 if py >= centre[1] else -14
        ax.annotate(name, (px, py), textcoords="offset points", xytext=(dx, dy), fontsize=11, fontweight="bold")


def _chord(ax, f, chord: Chord) -> str:
    pts = chord_points(f, chord)
    (a, fa), (b, fb), (xc, yc), (_, yd) = pts["A"], pts["B"], pts["C"], pts["D"]
    ax.plot([a, b], [fa, fb], "--", color="0.35", lw=1.4, gid="chord", label="chord AB")
    ax.plot([xc, xc], [yc, yd], ":", color="crimson", lw=1.2)
    _points(ax, pts)
    where = "above" if yc > yd else ("below" if yc < yd else "on")
    return (f"C = {fmt(chord.alpha)}A + {fmt(1 - chord.alpha)}B lies {where} D "
            f"(C: {fmt(yc, 5)}, D: {fmt(yd, 5)})")


def _tangent(ax, f, df, x0: float, xs, ys, name: str = "A") -> str:
    y0, slope = float(f(x0)), float(df(x0))
    line = y0 + slope * (xs - x0)
    ax.plot(xs, line, "-.", color="C2", lw=1.4, gid="tangent", label=f"tangent at {fmt(x0)}, slope {fmt(slope)}")
    ax.plot(x0, y0, "o", color="C2", mec="black", zorder=6)
    ax.annotate(name, (x0, y0), textcoords="offset points", xytext=(-14, 8), fontsize=11, fontweight="bold")
    gap = ys - line
    ok = np.isfinite(gap)
    below = ok & (gap < -1e-9 * np.maximum(1.0, np.abs(line)))
    if not below.any():
        return "the curve lies above the tangent on this window"
    ax.fill_between(xs, ys, line, where=below, color="crimson", alpha=0.25, label="curve below the tangent")
    return f"the curve dips below the tangent (farthest at x = {fmt(xs[below][np.argmin(gap[below])], 4)} here)"


def convex_figure(r, expr, domain, chord: Chord | None = None, tangent: float | None = None):
    """1-D: the curve with the witness secant, or a chosen chord and/or tangent; 2-D: contours with the witness."""
    plt = pyplot()
    w = r.witness or r.not_concave_witness
    n = len(r.variables)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    extra = ([chord.a, chord.b] if chord else []) + ([tangent] if tangent is not None else [])
    lo, hi = _window(domain, None if extra else w, n, extra)
    title = f"{r.expression}: {r.verdict}"
    if n == 1:
        xs = np.linspace(lo[0], hi[0], 600)
        with np.errstate(all="ignore"):
            ys = np.asarray(expr.f(xs[:, None]), dtype=float)
        ys = np.where(domain.contains(expr, xs[:, None]) & np.isfinite(ys), ys, np.nan)
        ax.plot(xs, ys, color="C0", lw=2, label=f"f = {r.expression}"[:50])

        def f(x):
            return float(expr.f(np.array([[x]]))[0])

        notes = []
        if chord is not None:
            notes.append(_chord(ax, f, chord))
        if tangent is not None:
            notes.append(_tangent(ax, f, lambda x: float(expr.grad(np.array([[x]]))[0, 0]), tangent, xs, ys,
                                  "T" if chord is not None else "A"))
        if not extra and w is not None and w.kind == "jensen":
            notes.append(_chord(ax, f, Chord(w.a[0], w.b[0], w.alpha)))
        fin = ys[np.isfinite(ys)]
        if fin.size:
            pad = 0.1 * (fin.max() - fin.min() or 1.0)
            ax.set_ylim(fin.min() - pad, fin.max() + pad)
        ax.set_xlim(lo[0], hi[0])
        ax.set_xlabel(r.variables[0])
        ax.set_ylabel("f")
        if notes:
            title += "\n" + "\n".join(notes)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    else:
        lo, hi, equal = square_window(lo, hi)
        X, Y, Z = grid_values(expr, lo, hi, inside=lambda P: domain.contains(expr, P))
        if np.isfinite(Z).any():
            cs = ax.contourf(X, Y, Z, levels=30, cmap="viridis")
            fig.colorbar(cs, ax=ax, label="f")
        if w is not None and w.kind == "jensen":
            ax.plot([w.a[0], w.b[0]], [w.a[1], w.b[1]], "w--", gid="chord")
            for name, p in (("A", w.a), ("B", w.b), ("C", w.mix)):
                ax.plot(*p, "o", color="crimson", mec="white", zorder=6)
                ax.annotate(name, p, color="white", textcoords="offset points", xytext=(6, 6), fontweight="bold")
        elif w is not None:
            ax.plot(*w.point, "o", color="crimson", mec="white", zorder=6)
            ax.annotate("", np.asarray(w.point) + np.asarray(w.eigenvector) * 0.15 * float(np.max(hi - lo)), w.point,
                        arrowprops=dict(arrowstyle="-|>", color="crimson", lw=2))
        frame_box(ax, lo, hi, equal, r.variables)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
