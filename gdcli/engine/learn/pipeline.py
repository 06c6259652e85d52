"""`fit` as a library call: data + model + loss + optimiser -> trained parameters, history and the closed form."""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from gdcli.engine.calculus.definiteness import scaled_norm  # ‖v‖ without under- or overflow
from gdcli.engine.learn import metrics
from gdcli.engine.learn.madaline import Madaline
from gdcli.engine.learn.models import Problem, closed_form, true_params
from gdcli.engine.learn.networks import Network
from gdcli.engine.learn.numpy_train import use_numpy
from gdcli.engine.learn.spec import TrainSpec, updates_per_epoch
from gdcli.engine.learn.train import train
from gdcli.errors import UsageError


DIVERGED = 1e6


@dataclass(frozen=True)
class SweepRow:
    batch_size: int | None
    updates_per_epoch: int
    loss: float
    seconds: float
    status: str
    params: dict[str, float]
    history: list[dict] = field(default_factory=list)  # loss and seconds per epoch: Fig. 2.11's curves


@dataclass(frozen=True)
class FitResult:
    source: str
    model: str
    loss_function: str
    features: tuple[str, ...]
    target: str
    rows: int
    gradient: str
    optimizer: str
    lr: float
    batch_size: int | None
    epochs: int
    seed: int
    status: str  # done, diverged or interrupted
    params: dict[str, float]
    initial_params: dict[str, float]
    loss: float
    history: list[dict]
    updates_per_epoch: int
    seconds: float
    closed_form: dict | None = None
    true_params: dict[str, float] | None = None
    model_misfit: float | None = None  # RMS of the true function the model cannot represent (generated data)
    generator: str | None = None
    classification: dict | None = None
    sweep: list[SweepRow] | None = None
    step_size: float | None = None  # random-search and random-local-search only
    metrics: dict | None = None  # train/test loss and accuracy at the end, and the confusion matrix
    network: dict | None = None  # dense models: layer sizes, activation, initialisation
    test_rows: int | None = None
    landscape: object | None = None  # gdcli/engine/learn/landscape.py's Landscape, when asked for
    grad_norm: float | None = None  # ‖∇θ L‖ on every row at the trained parameters (0 for a stalled step model)
    _plot: dict | None = field(default=None, repr=False)
    _path: np.ndarray | None = field(default=None, repr=False)  # θ at every epoch (of the first run)


def initial_params(problem: Problem | Network, init, seed: int) -> np.ndarray:
    """`zeros`, `random` (standard normal, seeded, as torch.randn in the listings; He or Xavier for an MLP) or
    a point `w=1.5,b=1`."""
    from gdcli.expr import parse_point

    p = len(problem.params)
    if (init is None or init == "random") and isinstance(problem, Network):
        return problem.initial(seed)
    if init is None or init == "random":
        return np.random.default_rng(seed).standard_normal(p)
    if init == "zeros":
        return np.zeros(p)
    return parse_point(init, problem.params, "--init")


def _classification(problem: Problem | Network, data, theta: np.ndarray, epochs: int, tensors=None,
                    counts: np.ndarray | None = None) -> dict | None:
    """The training errors at θ; `counts` (true × predicted, from the last epoch's pass) spares a forward pass."""
    if problem.classes is None:
        return None
    if counts is not None:
        errors = data.rows - int(np.trace(counts))
    else:
        errors = int(np.sum(metrics.predictions(problem, data, theta, tensors) != data.column(problem.target)))
    if errors == 0:
        message = "zero training errors: every row is on the right side (the data is separated)"
    elif isinstance(problem, Madaline):  # MRII is a greedy search: it may stall on data a network could separate
        message = (f"{errors} of {data.rows} rows still misclassified after {epochs} epochs: MRII has not "
                   "separated them (more epochs, another --seed or more hidden units may help)")
    elif problem.loss == "perceptron":  # the perceptron stops making updates once it separates separable data
        message = (f"{errors} of {data.rows} rows still misclassified after {epochs} epochs: this model "
                   "cannot separate the data (it looks not separable by it)")
    elif isinstance(problem, Network) and len(problem.sizes) > 2:  # hidden layers: it may yet separate the data
        message = (f"{errors} of {data.rows} rows still misclassified after {epochs} epochs: not separated yet "
                   "(more epochs, another --seed or more hidden units may help)")
    elif isinstance(problem, Network) or problem.affine:  # a hyperplane cannot split XOR however long it trains
        message = (f"{errors} of {data.rows} rows still misclassified after {epochs} epochs: not separated; "
                   "more epochs help only if a hyperplane can split the classes (--model perceptron tells)")
    else:  # an expression's own boundary (w*x1*x2 + b splits XOR)
        message = (f"{errors} of {data.rows} rows still misclassified after {epochs} epochs: not separated yet "
                   "(more epochs help if a boundary of this model's form can split the classes)")
    return {"errors": errors, "rows": data.rows, "accuracy": 1 - errors / data.rows, "separated": errors == 0,
            "message": message}


def _plot_data(problem: Problem | Network, data, theta: np.ndarray) -> dict | None:
    if len(problem.features) == 2 and problem.classes is not None:
        return metrics.regions(problem, data, theta)
    outputs = problem.outputs if isinstance(problem, (Network, Madaline)) else len(problem.outputs)
    if len(problem.features) != 1 or outputs != 1:
        return None
    x, y = data.column(problem.features[0]), data.column(problem.target)
    if x.size > 5000:  # a scatter of 5000 points shows the cloud; more only slows the PNG down
        keep = np.random.default_rng(0).choice(x.size, 5000, replace=False)
        x, y = x[keep], y[keep]
    grid = np.linspace(float(x.min()), float(x.max()), 400)
    curve = metrics.scores(problem, metrics.grid_data(problem, [grid]), theta)[:, 0]
    if getattr(problem, "loss", None) == "logistic":  # the model's output is read as P(y = 1 | x) = σ(score)
        curve = 1 / (1 + np.exp(-np.clip(curve, -700, 700)))
    truth = None
    if data.generator is not None:
        from gdcli.expr import compile_expression

        g = compile_expression(data.generator)
        truth = g.f(grid[:, None]) if len(g.variables) == 1 else None
    return {"x": x, "y": y, "grid": grid, "curve": curve, "truth": truth}


def _step_size(spec: TrainSpec) -> float | None:
    from gdcli.engine.learn.search import DEFAULT_STEP

    if spec.optimizer not in DEFAULT_STEP:
        return None
    return spec.step_size if spec.step_size is not None else DEFAULT_STEP[spec.optimizer]


def require_finite_start(first, theta0: np.ndarray, names) -> None:
    """A start where the loss is not finite is bad input, not a divergence: say so rather than report NaN.
    `first` is the record of epoch 0, whose loss is the loss at θ0 (run_one stops at once when it is not finite)."""
    if not math.isfinite(first.loss):
        at = ", ".join(f"{n}={float(v):g}" for n, v in zip(names, theta0))
        raise UsageError(f"the loss is not finite at the start ({at}): the model leaves its domain on some rows "
                         "(a log or sqrt of a negative number, a division by zero) or the numbers overflow; "
                         "choose another --init or rescale the data")


def final_grad_norm(tensors, last) -> float | None:
    """‖∇θ L‖ over every row at the last record's parameters by the written-out chain rule (torch tensors or
    NumPy arrays), taken from the record when its pass computed it; None where not finite."""
    norm = last.grad_norm
    if norm is None:  # at a diverged θ the gradient overflows: that is the answer (None), not a warning
        with np.errstate(over="ignore", invalid="ignore"):
            if hasattr(tensors, "torch"):  # Tensors and NetTensors
                torch = tensors.torch
                _, g = tensors.manual_loss_and_grad(torch.as_tensor(np.asarray(last.params, dtype=float)))
                g = g.numpy()
            else:  # numpy_train.Arrays
                _, g = tensors.manual_loss_and_grad(np.asarray(last.params, dtype=float))
            norm = scaled_norm(g)  # a finite gradient's norm is finite even when its square overflows
    return norm if math.isfinite(norm) else None


def run_one(tensors, theta0: np.ndarray, spec: TrainSpec, tick: Callable | None = None, trainer: Callable = train):
    """Train once; Ctrl-C ends the run early and keeps the parameters of the last finished epoch.
    Returns the records, the status, the seconds in all and the seconds at the end of each epoch."""
    records, times, status = [], [], "done"
    start = time.perf_counter()
    try:
        for rec in trainer(tensors, theta0, spec):
            records.append(rec)
            times.append(time.perf_counter() - start)
            if tick is not None and rec.epoch > 0:  # epoch 0 is the start: the counter runs 1..epochs
                tick()
            # A millionfold rise over the start is divergence for any loss here; stop before it overflows.
            if not math.isfinite(rec.loss) or rec.loss > DIVERGED * max(records[0].loss, 1.0):
                status = "diverged"
                break
    except KeyboardInterrupt:
        status = "interrupted"
    seconds = time.perf_counter() - start
    return records, status, seconds, times


def _train_sizes(tensors, theta0, spec: TrainSpec, sizes, rows: int, tick, trainer: Callable) -> list:
    """One run per batch size from the same start; Ctrl-C stops the sweep."""
    runs = []
    for m in sizes:
        if m is not None and m >= rows:
            m = None
        run_spec = replace(spec, batch_size=m)
        records, status, seconds, times = run_one(tensors, theta0, run_spec, tick, trainer)
        runs.append((run_spec, records, status, seconds, times))
        if status == "interrupted":
            break
    return runs


def fit(problem: Problem | Network, data, spec: TrainSpec, init=None, batch_sizes: list | None = None,
        tick: Callable | None = None, test=None) -> FitResult:
    """Train `problem` on `data`; with several `batch_sizes` train once per size (a Fig. 2.11 study).
    With `test` (held-out rows), every epoch also records the test loss and accuracy."""
    sizes = batch_sizes or [spec.batch_size]
    settings = contextlib.nullcontext()
    if isinstance(problem, Network):
        from gdcli.engine.learn.backprop import network_training

        settings = network_training(max(data.rows if m is None else min(m, data.rows) for m in sizes))
    with settings:
        return _fit(problem, data, spec, init, sizes, tick, test)


def _fit(problem, data, spec: TrainSpec, init, sizes: list, tick, test) -> FitResult:
    theta0 = initial_params(problem, init, spec.seed)
    if isinstance(problem, Madaline):  # no gradient and no optimizer: Madaline Rule II, one pattern at a time
        from gdcli.engine.learn import madaline

        spec, sizes = replace(spec, optimizer=madaline.RULE, gradient="none", batch_size=1), [1]
        tensors, trainer = madaline.Arrays(problem, data), madaline.train
        test_tensors = None if test is None else madaline.Arrays(problem, test)
    elif not isinstance(problem, Network) and use_numpy(problem, data.rows, spec, sizes):  # NumPy or torch: here
        from gdcli.engine.learn import numpy_train

        tensors, trainer = numpy_train.Arrays(problem, data), numpy_train.train
        test_tensors = None if test is None else numpy_train.Arrays(problem, test)
    else:
        tensors, trainer = metrics.make_tensors(problem, data), train
        test_tensors = None if test is None else metrics.make_tensors(problem, test)
    runs = _train_sizes(tensors, theta0, spec, sizes, data.rows, tick, trainer)
    spec, records, status, seconds, times = runs[0]
    if not records:
        raise UsageError("interrupted before the first epoch")
    require_finite_start(records[0], theta0, problem.params)
    last = records[-1]
    names = problem.params
    params = dict(zip(names, last.params.tolist()))
    dense = isinstance(problem, (Network, Madaline))
    cf = None if dense else closed_form(problem, data)
    cf_doc = None
    if cf is not None:
        exact = np.array([cf.params[n] for n in names])
        cf_doc = {"params": cf.params, "loss": cf.loss, "method": cf.method,
                  "param_distance": math.hypot(*(last.params - exact)),  # scaled: no overflow for a diverged θ
                  "loss_gap": float(last.loss - cf.loss)}
    sweep = None
    if len(sizes) > 1:
        sweep = [SweepRow(s.batch_size, updates_per_epoch(data.rows, s.batch_size), r[-1].loss if r else float("nan"),
                          sec, st, dict(zip(names, r[-1].params.tolist())) if r else {},
                          metrics.history(problem, r, ts, data, test, tensors, test_tensors))
                 for s, r, st, sec, ts in runs]
    truth, misfit = (None, None) if dense else true_params(problem, data)
    hist = sweep[0].history if sweep else metrics.history(problem, records, times, data, test, tensors, test_tensors)
    return FitResult(
        source=data.source, model=problem.model, loss_function=problem.loss, features=problem.features,
        target=problem.target, rows=data.rows, gradient=spec.gradient, optimizer=spec.optimizer, lr=spec.lr,
        batch_size=spec.batch_size, epochs=last.epoch, seed=spec.seed, status=status, params=params,
        initial_params=dict(zip(names, np.asarray(theta0, dtype=float).tolist())), loss=last.loss,
        history=hist,
        updates_per_epoch=updates_per_epoch(data.rows, spec.batch_size), seconds=seconds, closed_form=cf_doc,
        true_params=truth, model_misfit=misfit, generator=data.generator,
        classification=_classification(problem, data, last.params, last.epoch, tensors, last.counts), sweep=sweep,
        step_size=_step_size(spec),
        grad_norm=None if isinstance(problem, Madaline) else final_grad_norm(tensors, last),
        metrics=metrics.summary(problem, hist, data, test, last.params, tensors, test_tensors, last.counts),
        network=metrics.describe(problem) if dense else None, test_rows=None if test is None else test.rows,
        _plot=_plot_data(problem, data, last.params), _path=np.array([r.params for r in records]),
    )
