"""`gdcli descend`: run optimisers on an expression, sweep learning rates, and compare with what curvature predicts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional


from gdcli.commands import common
from gdcli.errors import UsageError


@dataclass


class DescendOptions:
    expression: str
    start: Any
    lr: Any = 0.1
    optimizer: Any = "gd"
    steps: int = 1000
    tol: float = 1e-8
    threshold: Optional[float] = None
    line_search: str = "none"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    vars: Any = None
    every: Optional[int] = None
    all: bool = False
    plot: Optional[Path] = None
    csv: Optional[Path] = None
    json: bool = False


OPTIONS = DescendOptions  # the options dataclass the YAML runner builds for this command
OUTPUTS = ("plot", "csv")  # options that name files: in a YAML experiment, file names inside results/<name>/
# The document's shape (render/descend.py's descend_document): `expect:` paths are checked against it up front.
RESULT = {"expression": None, "variables": None, "start": None, "interrupted": None, "regime_prediction": None,
          "runs": [{k: None for k in ("optimizer", "lr", "line_search", "status", "steps", "final", "diverged",
                                      "oscillating", "damping", "regime", "settings", "history")}]}


@dataclass(frozen=True)


class DescendResult:
    descent: Any  # engine.sweep.Descent
    every: Optional[int] = None
    all: bool = False
    files: list = field(default_factory=list)


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


def settings(opts: DescendOptions) -> list:
    """One engine Settings per (optimiser, learning rate): the cross product, optimisers outermost."""
    from gdcli.engine.optim.descent import LINE_SEARCHES, Settings
    from gdcli.engine.optim.transforms import OPTIMIZERS

    names = [str(o).strip() for o in _list(opts.optimizer, "--optimizer")]
    for name in names:
        if name not in OPTIMIZERS:
            raise UsageError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}; got '{name}'{common.suggest(name, OPTIMIZERS)}")
    lrs = [_number(v, "--lr", positive=True) for v in _list(opts.lr, "--lr")]
    if opts.line_search not in LINE_SEARCHES:
        raise UsageError(f"--line-search must be one of {', '.join(LINE_SEARCHES)}; got '{opts.line_search}'")
    steps = opts.steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise UsageError(f"--steps must be a whole number >= 0; got {steps}")
    if opts.every is not None and (isinstance(opts.every, bool) or not isinstance(opts.every, int) or opts.every < 1):
        raise UsageError(f"--every must be a whole number >= 1; got {opts.every}")
    tol = _number(opts.tol, "--tol", low=0.0, high=math.inf)
    threshold = None if opts.threshold is None else _number(opts.threshold, "--threshold", low=-math.inf, high=math.inf)
    common_ = dict(steps=steps, tol=tol, threshold=threshold, line_search=opts.line_search,
                   momentum=_number(opts.momentum, "--momentum", low=0.0, high=1.0),
                   beta1=_number(opts.beta1, "--beta1", low=0.0, high=1.0),
                   beta2=_number(opts.beta2, "--beta2", low=0.0, high=1.0),
                   eps=_number(opts.eps, "--eps", positive=True))
    return [Settings(optimizer=name, lr=lr, **common_) for name in names for lr in lrs]


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

    expr = compile_expression(opts.expression, opts.vars)
    if not expr.variables:
        raise UsageError(f"'{opts.expression}' has no variables to descend on")
    return expr, parse_point(opts.start, expr.variables, "--start"), settings(opts)


def compute(opts: DescendOptions) -> DescendResult:
    from gdcli.engine.optim.sweep import descend
    from gdcli.render.progress import progress

    expr, x0, runs = validate(opts)
    chunk = 256  # update the bar every `chunk` steps: a Rich update per step would cost more than the step
    flag, restore = _interruptible()
    try:
        with progress(f"descend ({len(runs)} run{'s' * (len(runs) != 1)})", total=sum(s.steps for s in runs) or 1) as bar:
            done = {"k": 0}

            def on_step(step):
                if step.status is not None:
                    bar.update(advance=runs[0].steps - done["k"])
                    done["k"] = 0
                elif step.k and step.k % chunk == 0:
                    bar.update(advance=chunk)
                    done["k"] = step.k

            result = descend(expr, x0, runs, on_step=on_step, stop=lambda: flag["stop"])
    finally:
        restore()
    files = []
    if opts.csv is not None:
        from gdcli.render.descend_files import write_csv

        files.append(write_csv(result, opts.csv))
    if opts.plot is not None:
        from gdcli.render.descend_files import plot

        files.append(plot(result, opts.plot, expr))
    return DescendResult(result, opts.every, bool(opts.all), files)


def artifacts(result: DescendResult, opts: DescendOptions, out_dir) -> list[Path]:
    """The iterates CSV and the plot, written into out_dir (for the YAML batch runner)."""
    from gdcli.expr import compile_expression
    from gdcli.render.descend_files import plot, write_csv

    out_dir = Path(out_dir)
    expr = compile_expression(opts.expression, opts.vars)
    return [write_csv(result.descent, out_dir / "iterates.csv"), plot(result.descent, out_dir / "descend.png", expr)]


def document(result: DescendResult) -> dict:
    from gdcli.render.descend import descend_document

    doc = descend_document(result.descent, result.every)
    doc["files"] = [str(p) for p in result.files]
    return doc
