"""Tables and JSON for `descend`: elided iterate tables, the sweep summary and the curvature prediction."""

from __future__ import annotations


from rich.table import Table

from gdcli.render.output import elided, fmt, fmt_vec, jsonable, num

STATUS_STYLE = {"converged": "green", "threshold": "green", "max-steps": "yellow", "diverged": "red",
                "diverging": "red", "stationary": "yellow", "interrupted": "magenta"}
MANY_RUNS = 12  # a larger sweep prints its summary table only
SUMMARY_ROWS = 100  # ... and a larger one still a count of its statuses
HEAD, TAIL = 4, 3  # rows shown before and after the `…`, as Table 2.1 of the seed shows k = 0..3, …, 40


def shown_rows(ks: list[int], every: int | None = None, all_rows: bool = False, head: int = HEAD,
               tail: int = TAIL) -> list[int | None]:
    """Positions of the rows to print out of the kept rows with iterate numbers `ks` (the last one is always
    shown); None marks an elided stretch (`…`), also where the run kept no rows between two shown ones."""
    n = len(ks)
    if all_rows:
        picked = list(range(n))
    elif every:
        picked = [i for i, k in enumerate(ks) if k % every == 0 or i == n - 1]
    else:
        picked = [i for i in elided(n, head, tail) if i is not None]
    out: list[int | None] = []
    for i in picked:
        if out and ks[i] > ks[out[-1]] + (every or 1):
            out.append(None)
        out.append(i)
    return out


def status_text(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def run_label(run) -> str:
    s = run.settings
    return f"{s.optimizer}{' + armijo' if s.line_search == 'armijo' else ''}, lr = {fmt(s.lr)}"


def iterate_table(result, run, every=None, all_rows=False) -> Table:
    variables = result.variables
    h = run.history
    t = Table()
    t.add_column("k", justify="right")
    wide = len(variables) > 4
    for v in (["x"] if wide else variables):
        t.add_column(v, justify="right")
    t.add_column("f", justify="right")
    t.add_column("‖∇f‖", justify="right")
    line_search = run.settings.line_search != "none"
    damped = run.damping is not None
    if line_search:
        t.add_column("step α", justify="right")
    if damped:
        t.add_column("damping μ", justify="right")
    for i in shown_rows([s.k for s in h], every, all_rows):
        if i is None:
            t.add_row("…", *["…"] * (len(t.columns) - 1))
            continue
        s = h[i]
        point = [fmt_vec(s.x)] if wide else [num(v) for v in s.x]
        row = [str(s.k), *point, num(s.f), num(s.grad_norm)]
        if line_search:
            row.append("—" if s.step_size is None else num(s.step_size))
        if damped:
            row.append("—" if s.damping is None else num(s.damping))
        t.add_row(*row)
    return t


def run_notes(result, run) -> list[str]:
    notes = []
    if run.divergence is not None:
        d = run.divergence
        value = "f is not a finite number" if d.value is None else f"f = {fmt(d.value)}"
        notes.append(f"[red]{run.status}[/] at step {d.step}: {value} ({d.reason})")
    if run.stationary is not None:
        notes.append(f"[yellow]stationary[/] at k = {run.steps}: ∇f = 0 there, but the Hessian shows a "
                     f"{run.stationary}, not a minimum")
    if run.status == "interrupted":
        notes.append(f"[magenta]interrupted[/] at step {run.steps}; the rows above are what was computed")
    if run.oscillation is not None and run.status != "diverging":
        o = run.oscillation
        names = ", ".join(result.variables[i] for i in o.variables) or "the iterate"
        notes.append(f"[yellow]oscillating[/]: {names} keeps flipping sign around the minimum "
                     f"({o.reversals} of the last {o.window} steps reversed direction)")
    if run.damping is not None:
        d = run.damping
        # d.first_step is the row k whose damping column shows the first μ: the step from x_{k-1} into x_k.
        notes.append(f"[yellow]newton[/]: the Hessian was not positive definite at {d.steps} step(s) (first on the "
                     f"step from k = {d.first_step - 1} to k = {d.first_step}); it was damped to H + μI "
                     f"(largest μ = {num(d.max_mu)})")
    return notes


def _swept(result) -> list[str]:
    """The hyper-parameters besides lr that vary over the sweep (momentum, beta1, beta2)."""
    from gdcli.engine.optim.stability import swept

    return [h for h in swept([r.settings for r in result.runs]) if h != "lr"]


def _with_swept(run, names) -> str:
    return run_label(run) + "".join(f", {n} = {fmt(getattr(run.settings, n))}" for n in names)


def summary_table(result) -> Table:
    extra = _swept(result)
    t = Table(title="sweep summary", title_justify="left")
    for col in ("#", "optimizer", "lr", *extra, "status", "steps", "final f", "‖∇f‖", "final point"):
        t.add_column(col, justify="left" if col in ("optimizer", "status", "final point") else "right",
                     no_wrap=col in ("status", "optimizer"))
    for i, run in enumerate(result.runs):
        f = run.final
        t.add_row(str(i), run.optimizer + ("+armijo" if run.settings.line_search == "armijo" else ""),
                  fmt(run.lr), *(fmt(getattr(run.settings, n)) for n in extra), status_text(run.status),
                  str(run.steps), num(f.value, 4), num(f.grad_norm, 4),
                  "(" + ", ".join(num(v, 4) for v in f.point) + ")")
    return t


def words(regime: str) -> str:
    return regime.replace("-", " ")  # lets a narrow column wrap `oscillating converging` instead of cutting it


def regime_table(result) -> Table | None:
    runs = [r for r in result.runs if r.regime is not None]
    if not runs:
        return None
    c = result.curvature
    multi = len(c.eigenvalues) > 1
    t = Table(title=f"what curvature predicts for plain GD ({c.scope})", title_justify="left")
    for col in ("lr", *(["λ"] if multi else []), "lr·λ", "predicted", "|1−lr·λ|", "ratio seen", "observed", "agrees"):
        t.add_column(col, justify="right" if col not in ("predicted", "observed", "agrees") else "left")
    mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: "—"}
    for run in runs:
        r = run.regime
        for d in r.directions:
            t.add_row(fmt(run.lr), *([fmt(d.eigenvalue)] if multi else []), fmt(d.lr_lambda), words(d.predicted),
                      fmt(d.contraction), "—" if d.observed_ratio is None else fmt(d.observed_ratio),
                      words(d.observed) if d.observed else ("too few steps" if run.steps < 2 else "not excited"), mark[d.agrees])
        if multi:
            t.add_row(fmt(run.lr), "overall", "", words(r.predicted), "", "", words(r.observed) if r.observed else "too few steps", mark[r.agrees])
    return t


def render_descend(result, console, every=None, all_rows=False) -> None:
    console.print(f"descending f = {result.expression} from ({', '.join(f'{v}={fmt(x)}' for v, x in zip(result.variables, result.start))})")
    many = len(result.runs) > MANY_RUNS and not every and not all_rows
    for run in [] if many else result.runs:
        console.print(f"[bold]{run_label(run)}[/]: {status_text(run.status)} at k = {run.steps}")
        console.print(iterate_table(result, run, every, all_rows))
        for note in run_notes(result, run):
            console.print(note)
    if 1 < len(result.runs) <= SUMMARY_ROWS:
        console.print(summary_table(result))
    if many:
        counts = {}
        for run in result.runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        finite = [r for r in result.runs if r.final.value is not None]
        best = min(finite, key=lambda r: r.final.value) if finite else None
        console.print(f"{len(result.runs):,} runs: " + ", ".join(f"{n:,} {status_text(st)}" for st, n in counts.items())
                      + ("" if best is None else f"; the lowest final f = {num(best.final.value)} ({_with_swept(best, _swept(result))})"))
        shown = "iterate and regime tables" + ("" if len(result.runs) <= SUMMARY_ROWS else " and the summary table")
        console.print(f"the {shown} are shown for sweeps of up to {MANY_RUNS if len(result.runs) <= SUMMARY_ROWS else SUMMARY_ROWS} "
                      "runs (--json and --csv hold every run)")
    table = None if many else regime_table(result)
    if table is not None:
        c = result.curvature
        stable = "none (no positive eigenvalue)" if c.max_stable_lr is None else fmt(c.max_stable_lr)
        scope = ("exact: f is quadratic, so its Hessian is the same everywhere" if c.exact
                 else "local: the Hessian at the start; f is not quadratic")
        console.print(f"Hessian eigenvalues at the start: {', '.join(fmt(v) for v in c.eigenvalues)}; "
                      f"largest stable learning rate 2/λmax = {stable} ({scope})")
        console.print(table)
    if result.interrupted:
        console.print("[magenta]interrupted[/]: the remaining runs were not started")


def render_stability(sm, console) -> None:
    p = sm.prediction
    console.print(f"stability map: {sm.optimizer} over {sm.x_name} × {sm.y_name} "
                  f"({len(sm.x_values)} × {len(sm.y_values)} runs): {int(sm.converged.sum())} converged, "
                  f"{int(sm.diverged.sum())} diverged")
    if p is not None:
        verdict = "[green]as predicted[/]" if not p.disagree else f"[red]{p.disagree} cells disagree[/]"
        console.print(f"curvature's prediction ({p.rule}): {p.agree} cells agree, {verdict}, "
                      f"{p.undecided} too close to the boundary to tell in the steps given")


def stability_document(sm) -> dict:
    return {"x": sm.x_name, "y": sm.y_name, "x_values": jsonable(sm.x_values), "y_values": jsonable(sm.y_values),
            "converged": int(sm.converged.sum()), "diverged": int(sm.diverged.sum()),
            "cells": int(sm.converged.size), "prediction": jsonable(sm.prediction)}


# -- JSON -----------------------------------------------------------------------------------------------

def step_document(s) -> dict:
    doc = {"k": s.k, "point": jsonable(s.x), "value": jsonable(s.f), "grad_norm": jsonable(s.grad_norm)}
    if s.step_size is not None:
        doc["step_size"] = s.step_size
    if s.damping is not None:
        doc["damping"] = s.damping
    return doc


def run_document(result, run, every=None) -> dict:
    ks = [s.k for s in run.history]
    rows = [i for i in (shown_rows(ks, every) if every else range(len(ks))) if i is not None]
    s = run.settings
    return {
        "optimizer": s.optimizer, "lr": s.lr, "line_search": s.line_search, "status": run.status, "steps": run.steps,
        "final": jsonable(run.final), "diverged": jsonable(run.divergence), "stationary": run.stationary,
        "oscillating": None if run.oscillation is None else {
            **jsonable(run.oscillation), "variables": [result.variables[i] for i in run.oscillation.variables]},
        "damping": jsonable(run.damping), "regime": jsonable(run.regime),
        "settings": jsonable(s),
        "history": [step_document(run.history[i]) for i in rows],
    }


def descend_document(result, every=None) -> dict:
    return {
        "expression": result.expression, "variables": result.variables, "start": result.start,
        "interrupted": result.interrupted,
        "regime_prediction": None if result.curvature is None else {**jsonable(result.curvature), "scope": result.curvature.scope},
        "runs": [run_document(result, run, every) for run in result.runs],
    }
