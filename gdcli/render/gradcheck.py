"""Tables, CSV and the log-log plot for `gradcheck` results."""

from __future__ import annotations

import io
import math

from rich.table import Table

from gdcli.render.output import fmt, pyplot

VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "non-differentiable": "bold yellow"}


def _err(x) -> str:
    if x is None or not math.isfinite(x):
        return "—"  # undefined: f not finite at a perturbed point
    return "0" if x == 0 else f"{x:.2e}"


def render_gradcheck(r, console) -> None:
    point = ", ".join(f"{v}={fmt(x)}" for v, x in zip(r.variables, r.point)) if len(r.variables) <= 8 else f"{len(r.point)} coordinates"
    console.print(f"gradcheck of {r.subject} at ({point}): analytic = {r.analytic_source}, numeric = {r.method} "
                  f"differences in {r.dtype}")
    t = Table(title_justify="left")
    for col, just in (("variable", "left"), ("analytic", "right"), ("numeric", "right"), ("abs error", "right"),
                      ("rel error", "right"), ("", "center")):
        t.add_column(col, justify=just)
    shown = r.components if len(r.components) <= 40 else sorted(r.components, key=lambda c: -c.rel_error)[:40]
    for c in shown:
        mark = "[yellow]kink[/]" if c.kink and not c.ok else ("[green]✓[/]" if c.ok else "[red]✗[/]")
        if c.kink and c.ok:
            mark = "[green]✓[/] [yellow]kink[/]"
        t.add_row(c.variable, fmt(c.analytic, 10), fmt(c.numeric, 10) if math.isfinite(c.numeric) else "—", _err(c.abs_error), _err(c.rel_error), mark)
    console.print(t)
    if len(shown) < len(r.components):
        console.print(f"(the {len(shown)} largest relative errors of {len(r.components)} components)")
    console.print(f"relative error = |a − n| / max(|a|, |n|, floor), floor = {r.floor:.3g}; tol = {r.tol:.3g}; "
                  f"h = {fmt(min(c.h for c in r.components)) if r.components else '—'}; "
                  f"round-off in the quotient ≈ eps·max(1, |f|)/h = {r.roundoff:.2g}")
    slipped = [c for c in r.components if c.step_error > 1e-6]
    if slipped:
        c = max(slipped, key=lambda c: c.step_error)
        at = fmt(r.point[r.variables.index(c.variable)])
        console.print(f"[yellow]h = {c.h:.3g} is below what {c.variable} = {at} can resolve in {r.dtype}: "
                      f"x + h − x is {c.step_error:.0%} off h[/]")
    by_name = {c.variable: c for c in r.components}
    for k in r.kinks:
        if k.arguments:
            args = (f" (its argument{'s' * (len(k.arguments) != 1)} {', '.join(k.arguments)} = "
                    + ", ".join(fmt(v) for v in k.values) + ") within one step,")
        else:  # an infinite derivative at the point itself (sqrt, log at 0): no branch argument to show
            args = " at the point,"
        bent = [v for v in k.components if by_name[v].kink]
        smooth = [v for v in k.components if not by_name[v].kink]
        if bent:
            console.print(f"[yellow]non-differentiable:[/] {k.function}{args} along {', '.join(bent)}")
        if smooth:
            console.print(f"kink: {k.function}{args} but f is differentiable along {', '.join(smooth)}: "
                          "its one-sided derivatives agree, and the numeric value is their limit")
    for c in r.components:
        if c.one_sided is not None and c.kink:
            console.print(f"  one-sided derivatives along {c.variable}: left {fmt(c.one_sided[0], 8)}, "
                          f"right {fmt(c.one_sided[1], 8)}")
        if c.note and not c.ok:
            console.print(f"  {c.variable}: {c.note} (a failure)")
    style = VERDICT_STYLE[r.verdict]
    if r.verdict == "pass":
        line = f"PASS: largest relative error {r.max_relative_error:.2e} ≤ tol {r.tol:.0e}"
    elif r.verdict == "fail":
        line = (f"FAIL: {', '.join(r.failing)} — largest relative error {r.max_relative_error:.3g} at {r.worst} "
                f"> tol {r.tol:.0e}")
    else:
        line = "NON-DIFFERENTIABLE POINT: the gradient is not defined here, so no failure is reported" + (
            " (--strict: counted as a failure)" if r.strict else "")
    console.print(f"[{style}]{line}[/]")
    if r.sweep is not None:
        render_sweep(r.sweep, console)


def render_sweep(s, console) -> None:
    t = Table(title="error ‖numeric − analytic‖∞ against the step h", title_justify="left")
    for col in ("h", "forward", "÷ at h/2", "central", "÷ at h/2"):
        t.add_column(col, justify="right")
    for row in s.rows:
        cells = [f"{row.h:.0e}"]
        for m in ("forward", "central"):
            mark = {"best": " ◀", "round-off": " *"}.get(row.regimes[m], "  ")
            ratio = row.halving_ratios[m]
            cells += [_err(row.errors[m]) + mark, "—" if ratio is None else f"{ratio:.2f}"]
        t.add_row(*cells)
    console.print(t)
    console.print("◀ the best step; * below it round-off (eps/h) dominates; ÷ at h/2 = error(h) / error(h/2)")
    if any(not math.isfinite(e) for row in s.rows for e in row.errors.values()):
        console.print("— no error: at these steps a difference quotient is undefined (f is not finite at x ± h)")
    for m, expected in (("forward", 1), ("central", 2)):
        order, rng, best = s.orders[m], s.fit_range[m], s.best_h[m]
        if order is None:
            fit = "no truncation range to fit (its truncation error is at round-off level)"
        else:
            fit = f"fitted order {order:.2f} (expected {expected}) over h = {rng[0]:.0e} … {rng[1]:.0e}"
        console.print(f"{m}: {fit}; round-off takes over below h ≈ {best:.0e}" if best else f"{m}: {fit}")
    if s.interrupted:
        console.print("[yellow]interrupted: the sweep holds only the steps done so far[/]")


def sweep_csv(s) -> str:
    buf = io.StringIO()
    buf.write("h,forward_error,forward_halving_ratio,forward_regime,central_error,central_halving_ratio,central_regime\n")
    for row in s.rows:
        cells = [repr(row.h)]
        for m in ("forward", "central"):
            ratio = row.halving_ratios[m]
            cells += [repr(row.errors[m]), "" if ratio is None else repr(ratio), row.regimes[m]]
        buf.write(",".join(cells) + "\n")
    return buf.getvalue()


def sweep_figure(r):
    """Log-log error against h, forward and central, with the fitted slopes and where round-off takes over."""
    import numpy as np

    plt = pyplot()
    s = r.sweep
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    hs = np.array([row.h for row in s.rows])
    for m, color in (("forward", "tab:blue"), ("central", "tab:orange")):
        errs = np.array([row.errors[m] for row in s.rows])
        ok = errs > 0
        order = s.orders[m]
        label = m + (f" (order {order:.2f})" if order is not None else "")
        ax.loglog(hs[ok], errs[ok], "o-", color=color, label=label)
        if s.best_h[m]:
            ax.axvline(s.best_h[m], color=color, ls=":", lw=1)
    ax.set_xlabel("step h")
    ax.set_ylabel("‖numeric − analytic‖∞")
    ax.set_title(f"gradcheck sweep: {r.subject}"[:80])
    ax.invert_xaxis()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(title="dotted: round-off takes over")
    return fig
