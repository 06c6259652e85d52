"""`fit` on networks and real data: the layers, train/test metrics, the confusion matrix, the train/test and
Fig. 2.11 curves, and decision regions."""

from __future__ import annotations

from rich.table import Table

from gdcli.render.output import fmt, num, pyplot, save_figure


def feature_list(features) -> str:
    return ", ".join(features) if len(features) <= 8 else f"{features[0]} … {features[-1]} ({len(features)})"


def render_network(r, console) -> None:
    n = r.network
    console.print(f"layers: {' → '.join(map(str, n['sizes']))}"
                  + (f"   activation: {n['activation']}" if n["activation"] else "")
                  + f"   parameters: {n['parameters']}   initialisation: {n['init']} (seed {r.seed})")


def has_metrics_table(r) -> bool:
    """A hold-out, a network or more than two classes: the one-line training-error summary is not enough."""
    confusion = (r.metrics or {}).get("confusion")
    return bool(r.metrics) and bool(r.test_rows or r.network or confusion and len(confusion["classes"]) > 2)


def render_metrics(r, console) -> None:
    m = r.metrics
    t = Table(title="metrics (end of training)", title_justify="left")
    t.add_column("")
    t.add_column("loss", justify="right")
    if m["train_accuracy"] is not None:
        t.add_column("accuracy", justify="right")
    for part, rows in (("train", r.rows), ("test", r.test_rows)):
        if m[f"{part}_loss"] is None:
            continue
        row = [f"{part} ({rows} rows)", num(m[f"{part}_loss"], 8)]
        if m["train_accuracy"] is not None:
            row.append(f"{m[f'{part}_accuracy']:.2%}")
        t.add_row(*row)
    console.print(t)
    c = m.get("confusion")
    if c and len(c["classes"]) <= 20:
        t = Table(title=f"confusion matrix, {c['on']} rows (true ↓, predicted →)",
                  title_justify="left")
        t.add_column("true \\ pred", justify="right")
        for cls in c["classes"]:
            t.add_column(fmt(cls), justify="right")
        for i, (cls, counts) in enumerate(zip(c["classes"], c["matrix"])):
            t.add_row(fmt(cls), *[f"[bold]{v}[/bold]" if i == j else str(v) if v else "·" for j, v in enumerate(counts)])
        console.print(t)


HISTORY_COLUMNS = (("train_accuracy", "train acc"), ("test_loss", "test loss"), ("test_accuracy", "test acc"))


def history_cells(rec: dict) -> list[str]:
    cells = []
    for key, _ in HISTORY_COLUMNS:
        if key in rec:
            cells.append(f"{rec[key]:.2%}" if key.endswith("accuracy") else num(rec[key], 8))
    return cells + [f"{rec['seconds']:.3g}"]


def plot_curves(r, path):
    """Loss (and accuracy) per epoch, train against test; a sweep: loss against wall time, one curve per size."""
    plt = pyplot()
    accuracy = r.metrics is not None and r.metrics.get("train_accuracy") is not None and not r.sweep
    fig, axes = plt.subplots(1, 2 if accuracy else 1, figsize=(11 if accuracy else 6, 4), squeeze=False)
    ax = axes[0][0]
    if r.sweep:  # Fig. 2.11
        for row in r.sweep:
            h = row.history
            n = row.updates_per_epoch
            label = f"m = {'full' if row.batch_size is None else row.batch_size} ({n} update{'s' * (n != 1)}/epoch)"
            line, = ax.plot([x["seconds"] for x in h], [x["loss"] for x in h], marker=".", markersize=3, label=label)
            ax.plot(h[-1]["seconds"], h[-1]["loss"], "o", color=line.get_color())  # where the run ended
        ax.set_xlabel("wall-clock time (s)")
        ax.set_title(f"loss against time by mini-batch size (cf. Fig. 2.11)\n{r.model}, {r.optimizer} lr={fmt(r.lr)}",
                     fontsize=10)
        losses = [x["loss"] for row in r.sweep for x in row.history]
    else:
        epochs = [h["epoch"] for h in r.history]
        losses = [h["loss"] for h in r.history]
        ax.plot(epochs, losses, label="train")
        if "test_loss" in r.history[0]:
            test = [h["test_loss"] for h in r.history]
            ax.plot(epochs, test, label="test", linestyle="--")
            losses += test
        ax.set_xlabel("epoch")
        ax.set_title(f"fit: {r.model}", fontsize=10)
    if losses and min(losses) > 0 and max(losses) / min(losses) > 20:
        ax.set_yscale("log")
    ax.set_ylabel(r.loss_function)
    if r.sweep or "test_loss" in r.history[0]:
        ax.legend()
    if accuracy:
        ax = axes[0][1]
        epochs = [h["epoch"] for h in r.history]
        ax.plot(epochs, [h["train_accuracy"] for h in r.history], label="train")
        if "test_accuracy" in r.history[0]:
            ax.plot(epochs, [h["test_accuracy"] for h in r.history], label="test", linestyle="--")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("accuracy", fontsize=10)
        ax.legend(loc="lower right")
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)


def plot_regions(r, path):
    """Two features: the predicted class over the plane, the boundary between classes, and the data."""
    import numpy as np

    plt = pyplot()
    d = r._plot
    k = len(d["classes"])
    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20")
    fig, ax = plt.subplots(figsize=(6, 5))
    levels = np.arange(-0.5, k, 1.0)
    ax.contourf(d["g1"], d["g2"], d["index"], levels=levels, colors=[cmap(i) for i in range(k)], alpha=0.25)
    ax.contour(d["g1"], d["g2"], d["index"], levels=levels[1:-1], colors="black", linewidths=1.2)
    index = np.searchsorted(np.asarray(d["classes"]), d["y"])
    for i, cls in enumerate(d["classes"]):
        sel = index == i
        ax.scatter(d["x1"][sel], d["x2"][sel], s=12, color=cmap(i), edgecolors="black", linewidths=0.3,
                   label=f"class {fmt(cls)}")
    ax.set_xlabel(r.features[0])
    ax.set_ylabel(r.features[1])
    acc = r.metrics.get("train_accuracy") if r.metrics else None
    ax.set_title(f"decision regions: {r.model}" + (f" (train accuracy {acc:.1%})" if acc is not None else ""),
                 fontsize=9)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the axes, never over the data
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
