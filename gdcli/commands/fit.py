"""`gdcli fit`: fit a model to data by GD, mini-batches or SGD, and compare with the closed form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional


from gdcli.commands import common


@dataclass
class FitOptions:
    data: Any = None
    labels: Any = None
    generate: Optional[str] = None
    noise: float | str = 0.0  # an SD (Gaussian), normal:SD or uniform:A,B
    n: int = 100
    x_dist: str = "normal:0,10"
    classes: Optional[int] = None
    x: Any = None
    y: Optional[str] = None
    model: str = "linear"
    activation: Optional[str] = None  # relu (the options of gradient training default to None: see TRAINING)
    task: Optional[str] = None
    subset: Any = None
    test_split: Optional[float] = None
    scale: str = "none"
    params: Any = None
    loss: Optional[str] = None
    reg: Optional[float] = None
    gradient: Optional[str] = None
    optimizer: Optional[str] = None
    lr: Optional[float] = None  # default 0.01; 1 (the full Newton step) for newton
    momentum: Optional[float] = None
    beta1: Optional[float] = None
    beta2: Optional[float] = None
    eps: Optional[float] = None
    rmsprop_alpha: Optional[float] = None
    step_size: Optional[float] = None
    batch_size: Any = None
    epochs: int = 100
    init: Any = None
    seed: int = 0
    plot: Any = None
    landscape: Any = None
    landscape_res: int = 25
    landscape_span: float = 1.0
    save_params: Any = None
    json: bool = False


# the defaults of the options of gradient training, which are None until given, so that a model trained without
# gradients (madaline:H) can refuse them even when given at their defaults
TRAINING = {"optimizer": "gd", "gradient": "manual", "reg": 0.0, "activation": "relu", "momentum": 0.9, "beta1": 0.9,
            "beta2": 0.999, "eps": 1e-8, "rmsprop_alpha": 0.99}


def setting(opts: FitOptions, name: str):
    """An option of gradient training as given, or its default."""
    value = getattr(opts, name)
    return TRAINING[name] if value is None else value


OPTIONS = FitOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.learn.pipeline:FitResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot", "landscape", "save_params")  # options that name files: in a YAML experiment, file names inside results/<name>/


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


MAX_ROWS = 10_000_000  # generated rows: beyond this the data alone would not fit in memory


def validate(opts: FitOptions):
    """The checks that need no data: compute runs them first, and `gdcli run` before anything runs."""
    from gdcli.engine.learn.models import SHORTHANDS, expand_shorthand
    from gdcli.engine.learn.spec import TrainSpec, check_spec
    from gdcli.errors import UsageError

    if (opts.data is None) == (opts.generate is None):
        raise UsageError("give exactly one of --data FILE or --generate EXPR")
    if opts.epochs < 0:
        raise UsageError("--epochs must be >= 0")
    if opts.seed < 0:
        raise UsageError(f"--seed must be >= 0; got {opts.seed}")
    if opts.generate is not None and not 1 <= opts.n <= MAX_ROWS:
        raise UsageError(f"--n must be between 1 and {MAX_ROWS:,} rows; got {opts.n:,}")
    sizes = batch_sizes(opts.batch_size)
    common.check_picture(opts.plot)  # before training
    common.check_picture(opts.landscape, "--landscape")
    madaline = str(opts.model).startswith("madaline:")
    # Newton's full step; MRII's α = 1 reverses a unit surely
    full_step = setting(opts, "optimizer") == "newton" or madaline
    lr = float(opts.lr) if opts.lr is not None else (1.0 if full_step else 0.01)
    number = {k: float(setting(opts, k)) for k in ("momentum", "beta1", "beta2", "eps", "rmsprop_alpha")}
    spec = TrainSpec(optimizer=setting(opts, "optimizer"), lr=lr, epochs=int(opts.epochs), batch_size=sizes[0],
                     gradient=setting(opts, "gradient"), seed=int(opts.seed), **number,
                     step_size=None if opts.step_size is None else float(opts.step_size))
    check_spec(spec)
    if madaline:
        check_madaline(opts, sizes, lr)
    check_early(opts)
    if opts.classes is not None and opts.generate is None:
        raise UsageError("--classes makes class labels for --generate; a data file brings its own")
    if isinstance(opts.model, str) and opts.model.startswith("poly:"):
        expand_shorthand(opts.model, ("x",), 1)  # the degree's checks, before any data is read
    elif isinstance(opts.model, str) and ":" in opts.model and not opts.model.startswith(("mlp:", "madaline:")):
        raise UsageError(f"--model: unknown shorthand '{opts.model}'; use one of {', '.join(SHORTHANDS)} "
                         "or an expression")
    return sizes, spec


def compute(opts: FitOptions, show_progress: bool = True):
    from gdcli.engine.learn.data import generate_data, select
    from gdcli.engine.learn.pipeline import fit
    from gdcli.engine.learn.models import build_problem
    from gdcli.engine.learn.networks import build_network, is_dense
    from gdcli.errors import UsageError
    from gdcli.render.progress import progress

    sizes, spec = validate(opts)  # refuse bad options before reading a large file
    if opts.data is not None:
        data = read_data(opts.data, opts.labels)
    else:
        data = generate_data(opts.generate, int(opts.n), opts.noise, opts.x_dist, int(opts.seed),
                             classes=None if opts.classes is None else int(opts.classes))
    features, target = select(data, opts.x, opts.y)
    if opts.subset is not None:
        from gdcli.engine.learn.datasets import keep_classes

        data = keep_classes(data, target, opts.subset)
    data, test = hold_out(opts, data, features, target)
    if str(opts.model).startswith("madaline:"):
        from gdcli.engine.learn.madaline import build_madaline

        problem = build_madaline(opts.model, data, features, target, opts.task)
    elif is_dense(opts.model, len(features)):
        if opts.params is not None:
            raise UsageError(f"--params names an expression's parameters; --model {opts.model} has its own")
        problem = build_network(opts.model, data, features, target, opts.loss, float(setting(opts, "reg")),
                                setting(opts, "activation"), opts.task)
    else:
        problem = build_problem(opts.model, data, features, target, opts.loss, float(setting(opts, "reg")),
                                opts.params)
    total = spec.epochs * len(sizes)
    with progress("fit: epochs", total, enabled=show_progress) as bar:
        result = fit(problem, data, spec, init=opts.init, batch_sizes=sizes if len(sizes) > 1 else None,
                     tick=lambda: bar.update(1), test=test)
    if opts.landscape is not None:
        result = with_landscape(result, problem, data, opts)
    # Written even after Ctrl-C: the parameters reached so far are the point of keeping going.
    if opts.save_params is not None:
        save_params(result, opts.save_params)
    if opts.plot is not None:
        from gdcli.render.fit import plot_data_fit, plot_loss

        path = Path(opts.plot)
        plot_loss(result, path)
        plot_data_fit(result, path.with_name(path.stem + "_data" + path.suffix))
    if opts.landscape is not None:
        from gdcli.render.landscape import plot_landscape

        plot_landscape(result, Path(opts.landscape))
    return result


def with_landscape(result, problem, data, opts: FitOptions):
    """The result with the loss landscape around its parameters (training loss, seeded directions)."""
    import dataclasses

    import numpy as np

    from gdcli.engine.learn.landscape import landscape
    from gdcli.engine.learn.metrics import make_tensors

    theta = np.array([result.params[n] for n in problem.params])
    theta0 = np.array([result.initial_params[n] for n in problem.params])
    scape = landscape(make_tensors(problem, data), problem, theta, theta0, result._path, int(opts.seed),
                      int(opts.landscape_res), float(opts.landscape_span))
    return dataclasses.replace(result, landscape=scape)


def check_madaline(opts: FitOptions, sizes: list, lr: float) -> None:
    """`madaline:H` is trained by Madaline Rule II, a search over reversals of its units: refuse the options of
    gradient training rather than ignore them, even when given at their defaults."""
    from gdcli.engine.learn.madaline import check_alpha, parse_units
    from gdcli.errors import UsageError

    parse_units(opts.model)
    check_alpha(lr)
    changed = [name for name in (*TRAINING, "loss", "params", "step_size", "landscape")
               if getattr(opts, name) is not None]  # given, even at its default
    if sizes not in ([None], [1]):
        changed.insert(0, "batch_size")
    if changed:
        name = changed[0]
        raise UsageError(f"--{name.replace('_', '-')} does not apply to --model {opts.model}: Madaline Rule II "
                         "reverses hidden units one pattern at a time (α-LMS steps, --lr α), with no gradient, loss "
                         "option or optimizer")


def check_early(opts: FitOptions) -> None:
    """Options that are wrong whatever the data: refused before a large file is read."""
    from gdcli.engine.learn.datasets import SCALES
    from gdcli.engine.learn.networks import ACTIVATIONS, parse_hidden
    from gdcli.errors import UsageError

    if str(opts.model).startswith("mlp:"):
        parse_hidden(opts.model)
    if setting(opts, "activation") not in ACTIVATIONS:
        raise UsageError(f"--activation must be one of {', '.join(ACTIVATIONS)}; got '{opts.activation}'")
    if opts.task not in (None, "regression", "classification"):
        raise UsageError(f"--task must be regression or classification; got '{opts.task}'")
    if opts.scale not in SCALES:
        raise UsageError(f"--scale must be one of {', '.join(SCALES)}; got '{opts.scale}'")
    if opts.test_split is not None and not 0 < float(opts.test_split) < 1:
        raise UsageError(f"--test-split must be between 0 and 1 (exclusive); got {float(opts.test_split):g}")
    if opts.landscape is not None:
        from gdcli.engine.learn.landscape import check_landscape

        check_landscape(int(opts.landscape_res), float(opts.landscape_span))
    if opts.labels is not None and opts.data is None:
        raise UsageError("--labels goes with --data IMAGES (an IDX image file)")


def read_data(path, labels):
    """A file, the built-in `digits`, or IDX images with --labels."""
    from gdcli.engine.learn.data import load_data
    from gdcli.engine.learn.datasets import BUILTIN, digits, idx_data

    if labels is not None:
        return idx_data(path, labels)
    if str(path) in BUILTIN and not Path(str(path)).exists():
        return digits()
    return load_data(path)


def hold_out(opts: FitOptions, data, features, target):
    """The seeded hold-out (stratified for class labels) and the scaling, fitted on the training rows only."""
    from gdcli.engine.learn.datasets import apply_scale, scaler, stratified_split
    from gdcli.engine.learn.networks import infer_task

    test = None
    if opts.test_split is not None:
        classify = opts.task == "classification" or opts.task is None and infer_task(data.column(target)) == "classification"
        data, test = stratified_split(data, target, float(opts.test_split), int(opts.seed), stratify=classify)
    transform = scaler(data, features, opts.scale)
    return apply_scale(data, features, transform), None if test is None else apply_scale(test, features, transform)


def save_params(result, path) -> Path:
    import json

    from gdcli.render.output import jsonable, write_atomic

    doc = {"model": result.model, "params": result.params, "loss": result.loss, "status": result.status}
    return write_atomic(path, json.dumps(jsonable(doc), indent=2) + "\n")


document = common.document  # the result dataclass as JSON


def artifacts(result, opts: FitOptions, out_dir) -> list[Path]:
    """The history CSV, the loss curve and (one feature) the data with the fitted curve, under out_dir."""
    from gdcli.render.fit import write_artifacts

    return write_artifacts(result, Path(out_dir))
