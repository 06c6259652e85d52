"""Tables for `grad` and `hessian` results."""

from __future__ import annotations

from rich.table import Table

from gdcli.render.output import fmt, fmt_vec


def _point(variables, point) -> str:
    return ", ".join(f"{v}={fmt(x)}" for v, x in zip(variables, point))


def render_grad(r, console) -> None:
    t = Table(title=f"∇f at ({_point(r.variables, r.point)})   f = {r.expression}", title_justify="left")
    t.add_column("variable")
    t.add_column("∂f/∂variable (formula)")
    t.add_column("value", justify="right")
    if r.methods:
        for m in r.methods:
            t.add_column(m, justify="right")
    for i, v in enumerate(r.variables):
        row = [v, r.partials[i], fmt(r.gradient[i], 10)]
        if r.methods:
            row += [fmt(r.methods[m][i], 12) for m in r.methods]
        t.add_row(*row)
    console.print(t)
    console.print(f"f = {fmt(r.value, 10)}")
    console.print(f"∇f = {fmt_vec(r.gradient, 10)}   ‖∇f‖ = {fmt(r.norm, 10)}")
    if r.failed:
        why = "; ".join(f"{m}: {reason}" for m, reason in r.failed.items())
        console.print(f"largest disagreement between methods: [red]none measurable, a method failed[/] ({why})")
    elif r.max_disagreement is not None:
        console.print(f"largest disagreement between methods (relative): {r.max_disagreement:.3g}")
    render_kinks(r, console)
    if r.directional_derivative is not None:
        console.print(f"directional derivative along {fmt_vec(r.direction)}: {fmt(r.directional_derivative, 10)}")
    if r.step is not None:
        s = r.step
        t = Table(title=f"step δ = {fmt_vec(s.delta)}", title_justify="left")
        t.add_column("")
        t.add_column("change in f", justify="right")
        t.add_column("f(x+δ)", justify="right")
        t.add_row("predicted, ∇f·δ (first order)", fmt(s.predicted_change, 10), fmt(s.predicted_value, 10))
        t.add_row("actual, f(x+δ) − f(x)", fmt(s.actual_change, 10), fmt(s.actual_value, 10))
        t.add_row("error of the prediction", fmt(s.actual_change - s.predicted_change, 4), "")
        console.print(t)


def render_kinks(r, console) -> None:
    """Kinks at the point: the one-sided derivatives, and what the number shown means there."""
    for k in r.kinks or []:
        console.print(f"[yellow]kink[/]: {k.function} switches branch at this point")
    for o in r.one_sided or []:
        if not o.continuous:
            console.print(f"  along {o.variable}: f jumps here, so it has no derivative along {o.variable}")
        elif o.differentiable:
            console.print(f"  along {o.variable}: the one-sided derivatives agree ({fmt(o.right, 8)}): "
                          "f is differentiable here despite the kink")
        else:
            lo, hi = sorted((o.left, o.right))
            console.print(f"  along {o.variable}: left derivative {fmt(o.left, 8)}, right derivative {fmt(o.right, 8)}; "
                          f"f is not differentiable along {o.variable} (one-sided interval [{fmt(lo, 8)}, {fmt(hi, 8)}])")
    if r.convention:
        console.print(f"  {r.convention}")
    for note in r.notes:
        console.print(f"note: {note}")


def _exact_text(e: str, v: float) -> str:
    return "" if e == fmt(v, 10) or len(e) > 24 else f" = {e}"


def _matrix_table(title, variables, rows) -> Table:
    t = Table(title=title, title_justify="left")
    t.add_column("")
    for v in variables:
        t.add_column(v, justify="right")
    for v, row in zip(variables, rows):
        t.add_row(v, *row)
    return t


def render_hessian(r, console) -> None:
    console.print(f"Hessian of {r.expression} at ({_point(r.variables, r.point)})")
    console.print(_matrix_table(None, r.variables, [[fmt(x, 10) for x in row] for row in r.hessian]))
    console.print(_matrix_table("formulas" + (" (away from the kinks)" if r.kinks else ""), r.variables,
                                r.hessian_symbolic))
    exact = r.eigenvalues_exact
    lams = ", ".join(f"{fmt(v, 10)}" + (_exact_text(exact[i], v) if exact else "") for i, v in enumerate(r.eigenvalues))
    console.print(f"eigenvalues (ascending): {lams}")
    color = {"positive-definite": "green", "negative-definite": "green", "indefinite": "yellow"}.get(r.definiteness, "cyan")
    how = (" (decided exactly, in rational arithmetic)" if r.definiteness_exact else
           f" (floating point: |λ| ≤ {r.definiteness_tolerance:.3g} counts as 0)")
    console.print(f"definiteness: [{color}]{r.definiteness}[/]{how}")
    if r.kinks:
        console.print(f"[bold]{r.classification}[/]")
    elif r.critical:
        console.print(f"critical point (∇f = 0): [bold]{r.classification}[/]")
    else:
        console.print(f"not a critical point: ∇f = {fmt_vec(r.gradient)}")
    if r.taylor is not None:
        tl = r.taylor
        t = Table(title=f"Taylor predictions for δ = {fmt_vec(tl.delta)}", title_justify="left")
        for col in ("", "f(x+δ)", "error (actual − prediction)"):
            t.add_column(col, justify="right" if col else "left")
        t.add_row("actual", fmt(tl.actual, 12), "")
        t.add_row("first order: f + ∇f·δ", fmt(tl.first_order, 12), fmt(tl.error_first, 4))
        t.add_row("second order: + ½ δᵀHδ", fmt(tl.second_order, 12), fmt(tl.error_second, 4))
        console.print(t)
    render_kinks(r, console)
