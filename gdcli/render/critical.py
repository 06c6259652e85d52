"""The table and the picture for `critical` results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

from gdcli.render.output import elided, fmt, fmt_vec, pyplot, save_figure

STYLE = {"minimum": "green", "maximum": "red", "saddle": "yellow", "degenerate": "cyan", "kink": "magenta"}
MARKER = {"minimum": ("v", "tab:green"), "maximum": ("^", "tab:red"), "saddle": ("X", "tab:orange"),
          "degenerate": ("o", "tab:cyan"), "kink": ("D", "tab:purple")}


def describe(p) -> str:
    """`minimum`; for a degenerate point or a kink, also how f compares nearby and what bends there."""
    nearby = {"minimum": "f is lowest here nearby", "maximum": "f is highest here nearby",
              "neither": "f is both higher and lower nearby"}.get(p.local)
    if p.kink is None:
        return p.classification + (f" ({nearby})" if nearby else "")
    funcs, slopes = p.kink["functions"], p.kink.get("slopes")
    parts = [f"kink of {', '.join(funcs)}" if funcs else "kink: ∇f is not defined here"]
    if slopes is not None:
        parts.append(f"one-sided slopes {fmt(slopes[0], 4)}, {fmt(slopes[1], 4)}")
    if nearby:
        parts.append(nearby)
    return "; ".join(parts)


def render_critical(r, console) -> None:
    where = f" in {', '.join(r.domain)}" if r.domain else ""
    console.print(f"critical points of f = {r.expression}{where}   (method: {r.method})")
    if r.points:
        t = Table(title_justify="left")
        for col in ("#", "point", "f", "class", "Hessian eigenvalues", "found"):
            t.add_column(col, justify="right" if col in ("#", "f") else "left")
        for i in elided(len(r.points), 30, 10):
            if i is None:
                t.add_row("…", "…", "…", "…", "…", "…")
                continue
            p = r.points[i]
            coords = ", ".join(f"{v}={fmt(x, 10)}" for v, x in zip(r.variables, p.point))
            if p.coordinates and any(c != fmt(x, 10) for c, x in zip(p.coordinates, p.point)):
                coords += "  (" + ", ".join(p.coordinates) + ")"
            style = STYLE.get(p.classification, "white")
            eig = "—" if p.eigenvalues is None else fmt_vec(p.eigenvalues, 6)
            t.add_row(str(i + 1), coords, fmt(p.value, 10), f"[{style}]{describe(p)}[/{style}]", eig,
                      "exactly" if p.exact else "numerically")
        console.print(t)
        if len(r.points) > 41:
            console.print(f"{len(r.points)} critical points; --json lists every one")
    elif not r.families:
        console.print("no critical points" + (" were found" if not r.complete else "") + where)
    for fam in r.families:
        console.print(f"[yellow]infinitely many critical points: {fam}[/yellow]")
    if any("(n ∈ ℤ)" in fam for fam in r.families) and not r.domain:
        names = ",".join(f"{v}=A:B" for v in r.variables)
        console.print(f"[yellow]give --domain {names} to list those in a box one by one[/yellow]")
    if r.complete:
        console.print("[green]complete: ∇f = 0 was solved in closed form; every critical point"
                      + (" in the box" if r.domain else "") + " is listed[/green]")
    else:
        console.print("[yellow]not known to be complete[/yellow]")
    for w in r.warnings:
        console.print(f"[yellow]warning: {w}[/yellow]")


def _window(r, box, n):
    lo, hi = np.full(n, -3.0), np.full(n, 3.0)
    if r.points:
        P = np.asarray([p.point for p in r.points], dtype=float)
        margin = max(1.0, 0.3 * float(np.max(P.max(0) - P.min(0))))  # one margin for every axis: no slivers
        lo, hi = P.min(0) - margin, P.max(0) + margin
    if box is not None:
        for i, iv in enumerate(box.intervals):
            if np.isfinite(iv.lo) and np.isfinite(iv.hi):
                lo[i], hi[i] = iv.lo, iv.hi
    return lo, hi


def plot_critical(r, expr, box, path) -> Path:
    """1-D: the curve with the points marked; 2-D: filled contours with the points marked."""
    plt = pyplot()
    n = len(r.variables)
    lo, hi = _window(r, box, n)
    fig, ax = plt.subplots(figsize=(7, 5))
    if n == 1:
        xs = np.linspace(lo[0], hi[0], 800)
        ax.plot(xs, expr.f(xs[:, None]), color="black", lw=1.6, label=f"f = {r.expression}")
        ax.set_xlabel(r.variables[0])
        ax.set_ylabel("f")
    else:
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 250), np.linspace(lo[1], hi[1], 250))
        Z = expr.f(np.stack([gx, gy], axis=-1).reshape(-1, 2)).reshape(gx.shape)
        Z = np.where(np.isfinite(Z), Z, np.nan)
        cs = ax.contourf(gx, gy, Z, levels=30, cmap="viridis")
        ax.contour(gx, gy, Z, levels=30, colors="white", linewidths=0.3, alpha=0.5)
        fig.colorbar(cs, ax=ax, label="f")
        ax.set_xlabel(r.variables[0])
        ax.set_ylabel(r.variables[1])
    shown = set()
    for p in r.points:
        marker, colour = MARKER[p.classification]
        xy = (p.point[0], p.value) if n == 1 else tuple(p.point)
        name = p.classification + (f" ({p.local})" if p.local else "")
        label = name if name not in shown else None
        shown.add(name)
        ax.plot(*xy, marker=marker, color=colour, ms=10, mec="black", ls="none", label=label)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(f"critical points of {r.expression}" + ("" if r.complete else " (numeric search: may miss some)"))
    ax.grid(alpha=0.3)
    out = save_figure(fig, path)
    plt.close(fig)
    return out
