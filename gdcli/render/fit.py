"""Tables, loss-curve and data+fit plots, and the history CSV for `fit` results."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from gdcli.render.output import elided, fmt, num, save_figure, write_atomic

STATUS_STYLE = {"done": "green", "diverged": "red", "interrupted": "yellow"}


def render_fit(r, console) -> None:
    m = "all rows" if r.batch_size is None else str(r.batch_size)
    console.print(f"data: {r.source} ({r.rows} rows; features {', '.join(r.features)}; target {r.target})")
    console.print(f"model: {r.model}   loss: {r.loss_function}   gradient: {r.gradient}   "
                  + (f"optimizer: {r.optimizer} step size={fmt(r.step_size)}" if r.step_size is not None
                     else f"optimizer: {r.optimizer} lr={fmt(r.lr)}"))
    per = "tries" if r.step_size is not None else "updates"
    console.print(f"batch size: {m}   {per} per epoch: {r.updates_per_epoch}   epochs: {r.epochs}")
    t = Table(title="parameters", title_justify="left")
    t.add_column("parameter")
    t.add_column("start", justify="right")
    t.add_column("trained", justify="right")
    if r.closed_form:
        t.add_column("closed form", justify="right")
    if r.true_params:
        t.add_column("true", justify="right")
    for name, value in r.params.items():
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
    if r.classification:
        c = r.classification
        colour = "green" if c["separated"] else "yellow"
        console.print(f"training errors: {c['errors']} of {c['rows']} (accuracy {c['accuracy']:.1%}): "
                      f"[{colour}]{c['message']}[/{colour}]")
    h = Table(title="loss by epoch", title_justify="left")
    h.add_column("epoch", justify="right")
    h.add_column("loss", justify="right")
    for rec in (None if i is None else r.history[i] for i in elided(len(r.history), 5, 5)):
        h.add_row(*(["…", "…"] if rec is None else [str(rec["epoch"]), num(rec["loss"], 10)]))
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
    lines = ["epoch,loss"] + [f"{h['epoch']},{h['loss']!r}" for h in r.history]
    return "\n".join(lines) + "\n"


def plot_loss(r, path: Path) -> Path:
    from gdcli.render.output import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    if r.sweep:  # Fig. 2.11: the loss reached against the time it took, one point per batch size
        for row in r.sweep:
            ax.scatter(row.seconds, row.loss)
            ax.annotate(f"m={'full' if row.batch_size is None else row.batch_size}", (row.seconds, row.loss))
        ax.set_xlabel("wall time (s)")
        ax.set_ylabel(f"{r.loss_function} after {r.epochs} epochs")
    else:
        epochs = [h["epoch"] for h in r.history]
        losses = [h["loss"] for h in r.history]
        ax.plot(epochs, losses)
        if losses and min(losses) > 0:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(r.loss_function)
    ax.set_title(f"fit: {r.model}")
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)


def plot_data_fit(r, path: Path) -> Path | None:
    if r._plot is None:
        return None
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
