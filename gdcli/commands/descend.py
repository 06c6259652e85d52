"""`gdcli descend`: run optimisers on an expression, sweep learning rates, and compare with what curvature predicts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional


import numpy as np

from gdcli.commands import common
from gdcli.errors import UsageError


@dataclass
class DescendOptions:
    expression: str
    start: Any = None
    lr: Any = None  # default: DEFAULT_LR per optimizer
    optimizer: Any = "gd"
    steps: int = 1000
    tol: float = 1e-8
    threshold: Optional[float] = None
    line_search: str = "none"
    momentum: Any = 0.9
    beta1: Any = 0.9
    beta2: Any = 0.999
    eps: float = 1e-8
    rmsprop_alpha: float = 0.99
    vars: Any = None
    start_grid: Optional[str] = None
    every: Optional[int] = None
    all: bool = False
    plot: Optional[Path] = None
    animate: Optional[Path] = None
    csv: Optional[Path] = None
    time_limit: float = common.DEFAULT_TIME_LIMIT
    json: bool = False


DescendOptions.ONE_OF = (("start", "start_grid"),)  # the YAML check names `start` when neither is given
OPTIONS = DescendOptions  # the options dataclass the YAML runner builds for this command
OUTPUTS = ("plot", "csv", "animate")  # options that name files: in a YAML experiment, file names inside results/<name>/
# The document's shape (render/descend.py's descend_document): `expect:` paths are checked against it up front.
# A basin map (--start-grid) has its own keys (commands/descend_maps.py's basin_document).
RESULT = {"expression": None, "variables": None, "start": None, "interrupted": None, "regime_prediction": None,
          "files": None, "stability_map": None, "animation": None,
          "runs": [{k: None for k in ("optimizer", "lr", "line_search", "status", "steps", "final", "diverged",
                                      "oscillating", "damping", "regime", "settings", "history", "stationary")}],
          **{k: None for k in ("basins", "diverged", "grid", "labels", "not_converged", "settings", "starts",
                               "unclustered")}}


@dataclass(frozen=True)
class DescendResult:
    descent: Any  # engine.sweep.Descent
    every: Optional[int] = None
    all: bool = False
    files: list = field(default_factory=list)
    animation: Any = None  # render.descend_anim.Animation: the GIF, its frame count and stride
    stability: Any = None  # engine.optim.stability.StabilityMap, for a sweep over two hyper-parameters

    @property
    def interrupted(self) -> bool:
        return self.descent.interrupted


def _list(value, what: str) -> list:
    """A scalar, a comma list, or a repeated flag / YAML list, flattened."""
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        out.extend(item.split(",") if isinstance(item, str) else [item])
    if not out or any(isinstance(p, str) and not p.strip() for p in out):
        raise UsageError(f"{what}: empty value")
    return out


def _number(value, what: str, positive: bool = False, low: float | None = None, high: float | None = None) -> float:
    from gdcli.expr import constant_value

    if isinstance(value, bool):
        raise UsageError(f"{what}: {value!r} is not a number")
    x = constant_value(value.strip(), what) if isinstance(value, str) else float(value)
    if not math.isfinite(x) or (positive and x <= 0) or (low is not None and x < low) or (high is not None and x >= high):
        need = "a positive number" if positive else f"a number in [{low}, {high})"
        raise UsageError(f"{what} must be {need}; got {value}")
    return x


# The step a user gets without --lr: Newton's is the Newton step itself (lr 1, as in torch.optim.LBFGS and every
# textbook); the first-order methods take 0.1.
DEFAULT_LR = {"newton": 1.0}
FIRST_ORDER_LR = 0.1


MAX_RUNS = 1_000_000


def _values(value, what: str, **bounds) -> list[float]:
    """The numbers of a sweep flag: a comma list whose items may be ranges lo:hi:count (count evenly spaced
    values, both ends included), e.g. --lr 0.01:1:100."""
    out = []
    for item in _list(value, what):
        if isinstance(item, str) and item.count(":") == 2:
            lo, hi, count = item.split(":")
            try:
                n = int(count)
            except ValueError:
                raise UsageError(f"{what}: the count in {item.strip()} must be a whole number") from None
            if not 1 <= n <= MAX_RUNS:
                raise UsageError(f"{what}: the count in {item.strip()} must be between 1 and {MAX_RUNS:,}")
            a, b = _number(lo, what, **bounds), _number(hi, what, **bounds)
            out.extend(float(v) for v in np.linspace(a, b, n))
        else:
            out.append(_number(item, what, **bounds))
    return out


def settings(opts: DescendOptions) -> list:
    """One engine Settings per (optimiser, lr, momentum, beta1, beta2): the cross product, optimisers outermost."""
    from gdcli.engine.optim.descent import LINE_SEARCHES, Settings
    from gdcli.engine.optim.transforms import OPTIMIZERS

    names = [str(o).strip() for o in _list(opts.optimizer, "--optimizer")]
    for name in names:
        if name not in OPTIMIZERS:
            raise UsageError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}; got '{name}'{common.suggest(name, OPTIMIZERS)}")
    lrs = None if opts.lr is None else _values(opts.lr, "--lr", positive=True)
    if opts.line_search not in LINE_SEARCHES:
        raise UsageError(f"--line-search must be one of {', '.join(LINE_SEARCHES)}; got '{opts.line_search}'")
    steps = opts.steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise UsageError(f"--steps must be a whole number >= 0; got {steps}")
    if opts.every is not None and (isinstance(opts.every, bool) or not isinstance(opts.every, int) or opts.every < 1):
        raise UsageError(f"--every must be a whole number >= 1; got {opts.every}")
    tol = _number(opts.tol, "--tol", low=0.0, high=math.inf)
    threshold = None if opts.threshold is None else _number(opts.threshold, "--threshold", low=-math.inf, high=math.inf)
    hyper = {name: _values(getattr(opts, name), f"--{name}", low=0.0, high=1.0) for name in ("momentum", "beta1", "beta2")}
    size = len(names) * len(lrs or [None]) * math.prod(len(v) for v in hyper.values())
    if size > MAX_RUNS:
        raise UsageError(f"the sweep has {size:,} runs; at most {MAX_RUNS:,} (sweep fewer values)")
    common_ = dict(steps=steps, tol=tol, threshold=threshold, line_search=opts.line_search,
                   eps=_number(opts.eps, "--eps", positive=True),
                   rmsprop_alpha=_number(opts.rmsprop_alpha, "--rmsprop-alpha", low=0.0, high=1.0))
    return [Settings(optimizer=name, lr=lr, momentum=m, beta1=b1, beta2=b2, **common_)
            for name in names for lr in (lrs or [DEFAULT_LR.get(name, FIRST_ORDER_LR)])
            for m in hyper["momentum"] for b1 in hyper["beta1"] for b2 in hyper["beta2"]]


def _interruptible():
    """A SIGINT handler that asks the loop to stop at the next step boundary (main thread only)."""
    import signal
    import threading

    flag = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        return flag, lambda: None

    def handler(signum, frame):
        flag["stop"] = True

    previous = signal.signal(signal.SIGINT, handler)
    return flag, lambda: signal.signal(signal.SIGINT, previous)


def validate(opts: DescendOptions):
    """The expression, the start and every setting, checked before anything runs (compute does the same)."""
    from gdcli.expr import compile_expression, parse_point

    budget = common.budget(opts)
    with budget.step("parsing"):
        expr = compile_expression(opts.expression, opts.vars)
    if not expr.variables:
        raise UsageError(f"'{opts.expression}' has no variables to descend on")
    runs = settings(opts)
    _check_pictures(opts, len(expr.variables))
    x0 = None if opts.start_grid is not None else parse_point(opts.start, expr.variables, "--start")
    return expr, x0, runs, budget


def compute(opts: DescendOptions) -> DescendResult:
    import contextlib

    from gdcli.engine.optim.descent import Step
    from gdcli.engine.optim.record import Keep
    from gdcli.engine.optim.sweep import descend
    from gdcli.render.descend_files import stream_csv
    from gdcli.render.descend import HEAD, MANY_RUNS, TAIL
    from gdcli.render.progress import progress

    expr, x0, runs, budget = validate(opts)
    with budget.step("symbolic differentiation"):  # the loop's evaluators, built before the first step
        expr.build_gradient()
    with budget.step("the symbolic Hessian"):  # Newton's steps, the curvature table and the start's class
        expr.build_hessian()
    if opts.start_grid is not None:
        from gdcli.commands.descend_maps import compute_basins

        flag, restore = _interruptible()
        try:
            return compute_basins(opts, expr, runs, flag)
        finally:
            restore()
    # a sweep of many runs keeps the rows its table shows; one run or a few keep the first and last 64
    few = len(runs) <= MANY_RUNS
    keep = Keep(every=opts.every, all_rows=bool(opts.all), head=64 if few else HEAD, tail=64 if few else TAIL)
    chunk = 256  # update the bar every `chunk` steps: a Rich update per step would cost more than the step
    flag, restore = _interruptible()
    files = []
    try:
        with contextlib.ExitStack() as stack:
            bar = stack.enter_context(progress(f"descend ({len(runs)} run{'s' * (len(runs) != 1)})",
                                               total=sum(s.steps for s in runs) or 1))
            write = None
            if opts.csv is not None:
                write = stack.enter_context(stream_csv(opts.csv, expr.variables, runs))
                files.append(opts.csv)

            def on_step(i, step):
                if write is not None:
                    write(i, step)
                if step.status is not None:
                    bar.update(advance=step.k % chunk + runs[i].steps - step.k)
                elif step.k and step.k % chunk == 0:
                    bar.update(advance=chunk)

            def on_batch(members, k, idx, X, F, GN):
                if write is not None:
                    for j, r in enumerate(idx):
                        write(members[r], Step(k, X[j], F[j], GN[j]))
                if k and k % chunk == 0:
                    bar.update(advance=chunk * len(idx))  # iterates computed; runs that stopped add no more

            result = descend(expr, x0, runs, keep=keep, on_step=on_step, on_batch=on_batch, stop=lambda: flag["stop"])
    finally:
        restore()
    from gdcli.engine.optim.stability import stability_map

    stability = stability_map(result, expr)
    if opts.plot is not None:
        if stability is not None:
            from gdcli.render.maps import stability_plot

            files.append(stability_plot(stability, opts.plot))
        else:
            from gdcli.render.descend_files import plot

            files.append(plot(result, opts.plot, expr))
    animation = None
    if opts.animate is not None:
        from gdcli.render.descend_anim import animate

        animation = animate(result, opts.animate, expr)
        files.append(Path(animation.path))
    return DescendResult(result, opts.every, bool(opts.all), files, animation, stability)


def _check_pictures(opts: DescendOptions, n: int) -> None:
    """File names and dimensions, before any step is taken."""
    common.check_picture(opts.plot)
    common.check_picture(opts.animate, "--animate", animation=True)
    if opts.animate is not None and n > 2:
        raise UsageError(f"--animate draws paths in one or two variables; this expression has {n}")


def artifacts(result, opts: DescendOptions, out_dir) -> list[Path]:
    """The files for the YAML batch runner, in out_dir: the kept iterates as CSV and the plot; the basin or
    stability map for a grid of starts or a two-parameter sweep."""
    from gdcli.commands.descend_maps import BasinResult
    from gdcli.expr import compile_expression
    from gdcli.render.descend_files import plot, write_csv

    out_dir = Path(out_dir)
    expr = compile_expression(opts.expression, opts.vars)
    if isinstance(result, BasinResult):
        from gdcli.render.maps import basin_plot

        return [basin_plot(result.basins, out_dir / "basins.png", expr)] if len(expr.variables) <= 2 else []
    if result.stability is not None:
        from gdcli.render.maps import stability_plot

        return [stability_plot(result.stability, out_dir / "stability.png")]
    return [write_csv(result.descent, out_dir / "iterates.csv"), plot(result.descent, out_dir / "descend.png", expr)]


def document(result) -> dict:
    from gdcli.commands.descend_maps import BasinResult, basin_document
    from gdcli.render.descend import descend_document, stability_document

    if isinstance(result, BasinResult):
        return basin_document(result)
    doc = descend_document(result.descent, result.every)
    if result.stability is not None:
        doc["stability_map"] = stability_document(result.stability)
    doc["files"] = [str(p) for p in result.files]
    if result.animation is not None:
        from gdcli.render.output import jsonable

        doc["animation"] = jsonable(result.animation)
    return doc
