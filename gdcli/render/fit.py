"""Tables, loss-curve and data+fit plots, and the history CSV for `fit` results."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from gdcli.render import learn
from gdcli.render.output import elided, fmt, num, save_figure, write_atomic

STATUS_STYLE = {"done": "green", "diverged": "red", "interrupted": "yellow"}


def render_fit(r, console) -> None:
    m = "all rows" if r.batch_size is None else str(r.batch_size)
    held = f" + {r.test_rows} held out" if r.test_rows else ""
    console.print(f"data: {r.source} ({r.rows} rows{held}; features {learn.feature_list(r.features)}; "
                  f"target {r.target})")
    console.print(f"model: {r.model}   loss: {r.loss_function}   gradient: {r.gradient}   "
                  + (f"optimizer: {r.optimizer} step size={fmt(r.step_size)}" if r.step_size is not None
                     else f"optimizer: {r.optimizer} lr={fmt(r.lr)}"))
    per = "tries" if r.step_size is not None else "updates"
    console.print(f"batch size: {m}   {per} per epoch: {r.updates_per_epoch}   epochs: {r.epochs}")
    if r.network:
        learn.render_network(r, console)
    t = Table(title="parameters", title_justify="left")
    t.add_column("parameter")
    t.add_column("start", justify="right")
    t.add_column("trained", justify="right")
    if r.closed_form:
        t.add_column("closed form", justify="right")
    if r.true_params:
        t.add_column("true", justify="right")
    names = list(r.params)
    for name in (None if i is None else names[i] for i in elided(len(names), 8, 4)):
        if name is None:
            t.add_row("…", "…", "…", *["…"] * (bool(r.closed_form) + bool(r.true_params)))
            continue
        value = r.params[name]
        row = [name, fmt(r.initial_params[name]), num(value, 8)]
        if r.closed_form:
            row.append(fmt(r.closed_form["params"][name], 8))
        if r.true_params:
            row.append(fmt(r.true_params[name], 8))
        t.add_row(*row)
    console.print(t)
    if r.generator:
        console.print(f"true function: y = {r.generator}")
        if r.model_misfit:
            console.print(f"[yellow]the model cannot represent the true function: at its best it is off by "
                          f"{fmt(r.model_misfit)} (RMS) before any noise; more training will not help[/yellow]")
    style = STATUS_STYLE.get(r.status, "white")
    console.print(f"final loss: {num(r.loss, 10)}   status: [{style}]{r.status}[/{style}]   time: {r.seconds:.3g} s")
    if r.grad_norm is not None:
        console.print(f"‖∇L‖ at the trained parameters: {num(r.grad_norm, 6)}")
        if r.grad_norm == 0 and r.loss > 0:
            console.print("[yellow]the gradient is exactly 0 although the loss is not: gradient descent cannot move "
                          "from here (a step function such as heaviside or sign has derivative 0 wherever it has "
                          "one)[/yellow]")
    if r.closed_form:
        c = r.closed_form
        console.print(f"closed form ({c['method']}): loss {fmt(c['loss'], 10)}; "
                      f"‖θ − θ*‖ = {num(c['param_distance'])}, loss − loss* = {num(c['loss_gap'])}")
    if learn.has_metrics_table(r):
        learn.render_metrics(r, console)
    if r.classification:
        c = r.classification
        colour = "green" if c["separated"] else "yellow"
        console.print(f"training errors: {c['errors']} of {c['rows']} (accuracy {c['accuracy']:.1%}): "
                      f"[{colour}]{c['message']}[/{colour}]")
    h = Table(title="loss by epoch", title_justify="left")
    h.add_column("epoch", justify="right")
    h.add_column("loss", justify="right")
    for key, title in learn.HISTORY_COLUMNS:
        if key in r.history[0]:
            h.add_column(title, justify="right")
    h.add_column("time (s)", justify="right")
    width = len(learn.history_cells(r.history[0])) + 2
    for rec in (None if i is None else r.history[i] for i in elided(len(r.history), 5, 5)):
        h.add_row(*(["…"] * width if rec is None
                    else [str(rec["epoch"]), num(rec["loss"], 10), *learn.history_cells(rec)]))
    console.print(h)
    if r.sweep:
        s = Table(title="mini-batch study (cf. Fig. 2.11)", title_justify="left")
        for col in ("batch size", "updates/epoch", "final loss", "wall time (s)", "status"):
            s.add_column(col, justify="right")
        for row in r.sweep:
            s.add_row("full" if row.batch_size is None else str(row.batch_size), str(row.updates_per_epoch),
                      num(row.loss, 8), f"{row.seconds:.3g}", row.status)
        console.print(s)


def history_csv(r) -> str:
    keys = list(r.history[0])
    lines = [",".join(keys)] + [",".join(repr(h[k]) for k in keys) for h in r.history]
    return "\n".join(lines) + "\n"


def plot_loss(r, path: Path) -> Path:
    return learn.plot_curves(r, path)


def plot_data_fit(r, path: Path) -> Path | None:
    if r._plot is None:
        return None
    if r._plot.get("kind") == "regions":
        return learn.plot_regions(r, path)
    from gdcli.render.output import pyplot

    d = r._plot
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(d["x"], d["y"], s=6, alpha=0.5, label="data")
    ax.plot(d["grid"], d["curve"], color="C1", label="fitted")
    if d["truth"] is not None:
        ax.plot(d["grid"], d["truth"], color="C2", linestyle="--", label="true")
    ax.set_xlabel(r.features[0])
    ax.set_ylabel(r.target)
    ax.legend()
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)


def write_artifacts(r, out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    paths = [write_atomic(out_dir / "fit_history.csv", history_csv(r)), plot_loss(r, out_dir / "fit_loss.png")]
    fitted = plot_data_fit(r, out_dir / "fit_data.png")
    return paths + ([fitted] if fitted else [])
