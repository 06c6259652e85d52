"""`gdcli fit`: fit a model to data by GD, mini-batches or SGD, and compare with the closed form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from gdcli.cli import common


@dataclass
class FitOptions:
    data: Any = None
    generate: Optional[str] = None
    noise: float = 0.0
    n: int = 100
    x_dist: str = "normal:0,10"
    classes: Optional[int] = None
    x: Any = None
    y: Optional[str] = None
    model: str = "linear"
    params: Any = None
    loss: Optional[str] = None
    reg: float = 0.0
    gradient: str = "manual"
    optimizer: str = "gd"
    lr: float = 0.01
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    step_size: Optional[float] = None
    batch_size: Any = None
    epochs: int = 100
    init: Any = None
    seed: int = 0
    plot: Any = None
    save_params: Any = None
    json: bool = False


OPTIONS = FitOptions  # the options dataclass the YAML runner builds for this command


def batch_sizes(value) -> list[int | None]:
    """`--batch-size 32`, `full`, or a sweep `1,10,100,full` (None means every row)."""
    from gdcli.errors import UsageError

    if value is None:
        return [None]
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    sizes = []
    for item in items:
        text = str(item).strip().lower()
        if text in ("full", "all"):
            sizes.append(None)
            continue
        try:
            m = int(text)
        except ValueError:
            raise UsageError(f"--batch-size: expected a whole number or 'full'; got {item!r}") from None
        if m < 1:
            raise UsageError("--batch-size must be at least 1")
        sizes.append(m)
    if not sizes:
        raise UsageError("--batch-size: empty")
    return sizes


def compute(opts: FitOptions, show_progress: bool = True):
    from gdcli.engine.data import generate_data, load_data, select
    from gdcli.engine.fit import fit
    from gdcli.engine.models import build_problem
    from gdcli.engine.train import TrainSpec, check_spec
    from gdcli.errors import UsageError
    from gdcli.render.progress import progress

    if (opts.data is None) == (opts.generate is None):
        raise UsageError("give exactly one of --data FILE or --generate EXPR")
    if opts.epochs < 0:
        raise UsageError("--epochs must be >= 0")
    sizes = batch_sizes(opts.batch_size)
    spec = TrainSpec(optimizer=opts.optimizer, lr=float(opts.lr), epochs=int(opts.epochs), batch_size=sizes[0],
                     gradient=opts.gradient, seed=int(opts.seed), momentum=float(opts.momentum),
                     beta1=float(opts.beta1), beta2=float(opts.beta2), eps=float(opts.eps),
                     step_size=None if opts.step_size is None else float(opts.step_size))
    check_spec(spec)  # refuse bad options before reading a large file
    if opts.classes is not None and opts.generate is None:
        raise UsageError("--classes makes class labels for --generate; a data file brings its own")
    if opts.data is not None:
        data = load_data(opts.data)
    else:
        data = generate_data(opts.generate, int(opts.n), float(opts.noise), opts.x_dist, int(opts.seed),
                             classes=None if opts.classes is None else int(opts.classes))
    features, target = select(data, opts.x, opts.y)
    problem = build_problem(opts.model, data, features, target, opts.loss, float(opts.reg), opts.params)
    total = (spec.epochs + 1) * len(sizes)
    with progress("fit: epochs", total, enabled=show_progress) as bar:
        result = fit(problem, data, spec, init=opts.init, batch_sizes=sizes if len(sizes) > 1 else None,
                     tick=lambda: bar.update(1))
    # Written even after Ctrl-C: the parameters reached so far are the point of keeping going.
    if opts.save_params is not None:
        save_params(result, opts.save_params)
    if opts.plot is not None:
        from gdcli.render.fit import plot_data_fit, plot_loss

        path = Path(opts.plot)
        plot_loss(result, path)
        plot_data_fit(result, path.with_name(path.stem + "_data" + (path.suffix or ".png")))
    return result


def save_params(result, path) -> Path:
    import json

    from gdcli.render.output import jsonable, write_atomic

    doc = {"model": result.model, "params": result.params, "loss": result.loss, "status": result.status}
    return write_atomic(path, json.dumps(jsonable(doc), indent=2) + "\n")


document = common.document  # the result dataclass as JSON


def render(result, console) -> None:
    from gdcli.render.fit import render_fit

    render_fit(result, console)


def artifacts(result, opts: FitOptions, out_dir) -> list[Path]:
    """The history CSV, the loss curve and (one feature) the data with the fitted curve, under out_dir."""
    from gdcli.render.fit import write_artifacts

    return write_artifacts(result, Path(out_dir))


def fit(
    data: Annotated[Optional[Path], typer.Option(help="CSV with a header row, .npy (columns x1.., y) or .npz.", show_default=False)] = None,
    generate: Annotated[Optional[str], typer.Option(help="Make data: y = EXPR(x) + noise, e.g. \"1.5*x + 2.73\".", show_default=False)] = None,
    noise: Annotated[Optional[float], typer.Option(help="Standard deviation of the Gaussian noise added by --generate (default 0).", show_default=False)] = None,
    n: Annotated[Optional[int], typer.Option("--n", help="Rows to generate (default 100).", show_default=False)] = None,
    x_dist: Annotated[Optional[str], typer.Option(help="Inputs for --generate: normal:MEAN,SD or uniform:A,B (default normal:0,10).", show_default=False)] = None,
    classes: Annotated[Optional[int], typer.Option(help="With --generate: labels 0..K-1, the K equal-count bins of EXPR(x) + noise (x1 - x2: separable; x1*x2 on uniform:-1,1: XOR-like).", show_default=False)] = None,
    x: Annotated[Optional[str], typer.Option("--x", help="Feature columns, e.g. x1,x2 (default: every column but the target).", show_default=False)] = None,
    y: Annotated[Optional[str], typer.Option("--y", help="Target column (default: the last).", show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option(help="An expression in columns and parameters (\"w*x + b\"), or linear, poly:K, perceptron, logistic, svm.", show_default=False)] = None,
    params: Annotated[Optional[str], typer.Option(help="The parameters, in order (default: the model's names that are not columns).", show_default=False)] = None,
    loss: Annotated[Optional[str], typer.Option(help="mse, sse, mae, hinge, multiclass-hinge, logistic, cross-entropy or perceptron.", show_default=False)] = None,
    reg: Annotated[Optional[float], typer.Option(help="L2 weight: adds reg·Σθ² over every parameter but intercepts.", show_default=False)] = None,
    gradient: Annotated[Optional[str], typer.Option(help="manual (symbolic chain rule), autograd (torch backward), module (nn.Module + torch.optim).", show_default=False)] = None,
    optimizer: Annotated[Optional[str], typer.Option(help="gd, momentum, nesterov, adagrad, rmsprop, adam, newton; or derivative-free (seed 002, --gradient manual): random-search (try θ = step·N(0,I), keep the best) or random-local-search (try θ + step·N(0,I), keep it if the loss falls). These make ⌈rows/batch-size⌉ tries per epoch, one per update GD would make, each scored on all rows.", show_default=False)] = None,
    lr: Annotated[Optional[float], typer.Option(help="Learning rate (default 0.01).", show_default=False)] = None,
    momentum: common.Momentum = None,
    beta1: common.Beta1 = None,
    beta2: common.Beta2 = None,
    eps: common.Eps = None,
    step_size: Annotated[Optional[float], typer.Option(help="random-search: scale of the random tries (default 1); random-local-search: scale of the moves (default 0.1).", show_default=False)] = None,
    batch_size: Annotated[Optional[str], typer.Option(help="Rows per update: full (default), 1 for SGD, or a sweep 1,10,100,full.", show_default=False)] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Passes over the data (default 100).", show_default=False)] = None,
    init: Annotated[Optional[str], typer.Option(help="Start: random (default, seeded), zeros, or w=1.5,b=1.", show_default=False)] = None,
    seed: common.Seed = None,
    plot: Annotated[Optional[Path], typer.Option(help="Write the loss curve to this PNG (and the data with the fit beside it as NAME_data.png).", show_default=False)] = None,
    save_params: Annotated[Optional[Path], typer.Option(help="Write the trained parameters to this JSON file.", show_default=False)] = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Fit a model to data with gradient descent, mini-batches or SGD, checked against the closed form.

    Example:

        gdcli fit --generate "1.5*x + 2.73" --noise 0.5 --n 100 --model "w*x + b" --lr 0.005 --epochs 2000

        gdcli fit --generate "x1 - x2" --classes 3 --model svm --optimizer random-local-search --epochs 500
    """
    result = common.run(FitOptions, "fit", config, locals(), compute, document, render)
    if result is not None and result.status == "interrupted":
        raise typer.Exit(130)
