"""Tables and the overlay plot for `taylor` results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

from gdcli.render.output import fmt, fmt_vec, pyplot, save_figure


def _point(variables, point) -> str:
    return ", ".join(f"{v}={fmt(x)}" for v, x in zip(variables, point))


def render_taylor(r, console) -> None:
    console.print(f"Taylor polynomial of order {r.order} of f = {r.expression} at ({_point(r.variables, r.point)})")
    console.print(f"in δ:      P(δ) = {r.polynomial}")
    if r.polynomial_at != r.polynomial:
        console.print(f"in x − a:  P = {r.polynomial_at}")
    if r.approximations is None:
        return
    t = Table(title=f"each order at δ = {fmt_vec(r.step, 10)} against the truth f(x+δ) = {fmt(r.truth, 12)}",
              title_justify="left")
    for col in ("order", "term added", "P_k(δ)", "error f − P_k", "relative error"):
        t.add_column(col, justify="right")
    for a in r.approximations:
        rel = abs(a.error) / abs(r.truth) if r.truth else None
        t.add_row(str(a.order), fmt(a.term, 10), fmt(a.value, 12), fmt(a.error, 4), fmt(rel, 3))
    console.print(t)


def plot_taylor(r, expr, path) -> Path:
    """f and P_0..P_K on one axis: over x for one variable, along the line a + tδ for several."""
    plt = pyplot()
    a = np.asarray(r.point, dtype=float)
    if len(r.variables) == 1:
        half = max(1.5, 3 * abs(r.step[0])) if r.step else 1.5
        t = np.linspace(a[0] - half, a[0] + half, 400)
        X, xs, xlabel = t[:, None], t, r.variables[0]
    else:
        d = np.asarray(r.step, dtype=float)
        xs = np.linspace(-2.0, 2.0, 400)
        X, xlabel = a + xs[:, None] * d, f"t  (points a + t·δ, δ = {fmt_vec(d)})"
    from gdcli.engine.calculus.taylor import evaluate_orders

    truth = expr.f(X)
    P = evaluate_orders(r, X)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(P)))
    for k, (row, colour) in enumerate(zip(P, colours)):
        shown = len(P) <= 10 or k % max(1, len(P) // 8) == 0 or k == len(P) - 1  # a legend of ≤ ~10 entries
        ax.plot(xs, row, color=colour, lw=1.2, ls="--", label=f"order {k}" if shown else None)
    ax.plot(xs, truth, color="black", lw=2.2, label=f"f = {r.expression}")
    finite = truth[np.isfinite(truth)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.25 * (hi - lo) if hi > lo else 1.0
        ax.set_ylim(lo - pad, hi + pad)  # the high orders run off; keep f in view
    x0 = a[0] if len(r.variables) == 1 else 0.0
    ax.axvline(x0, color="grey", lw=0.8, ls=":")
    ax.plot([x0], [expr.f(a)], "o", color="black")
    if r.step is not None:
        x1 = x0 + (r.step[0] if len(r.variables) == 1 else 1.0)
        ax.axvline(x1, color="tab:red", lw=0.8, ls=":", label="x + δ")
    ax.set_xlabel(xlabel)
    ax.set_title(f"Taylor polynomials of {r.expression} at ({_point(r.variables, r.point)})")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))  # beside the axes, off the curves
    ax.grid(alpha=0.3)
    out = save_figure(fig, path)
    plt.close(fig)
    return out
