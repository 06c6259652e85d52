"""`gdcli critical`: every critical point of f, solved exactly (complete) or searched in a box, and classified."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gdcli.commands import common
from gdcli.errors import UsageError

MAX_STARTS = 100_000


@dataclass
class CriticalOptions:
    expression: str
    domain: Any = None
    vars: Any = None
    starts: Optional[int] = None  # Newton starts for the numeric search (default 500 per variable)
    seed: int = 0
    plot: Any = None
    time_limit: float = common.DEFAULT_TIME_LIMIT  # seconds of symbolic work (--time-limit)
    json: bool = False


OPTIONS = CriticalOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.calculus.critical:CriticalResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot",)  # options that name files: in a YAML experiment, file names inside results/<name>/


def validate(opts: CriticalOptions):
    """The option values, checked before any work (`gdcli run` calls it before anything runs); the budget."""
    if opts.starts is not None and not (isinstance(opts.starts, int) and 1 <= opts.starts <= MAX_STARTS):
        raise UsageError(f"--starts must be a whole number from 1 to {MAX_STARTS}; got {opts.starts!r}")
    common.check_picture(opts.plot)
    return common.budget(opts)


def _find(opts: CriticalOptions):
    from gdcli.engine.calculus.critical import critical_points
    from gdcli.engine.calculus.rootsearch import MAX_ITERATIONS
    from gdcli.engine.convex.domain import make_domain
    from gdcli.expr import compile_expression
    from gdcli.render.progress import progress

    budget = validate(opts)
    expr = compile_expression(opts.expression, opts.vars)
    box = make_domain(expr, opts.domain) if opts.domain else None
    with progress("critical: Newton iterations", total=MAX_ITERATIONS) as bar:
        result = critical_points(expr, box, starts=opts.starts, seed=int(opts.seed),
                                 time_limit_s=budget.symbolic, tick=bar.update)
    return expr, box, result


def compute(opts: CriticalOptions):
    expr, box, result = _find(opts)
    if opts.plot is not None:
        _plot(result, expr, box, Path(opts.plot))
    return result


def _plot(result, expr, box, path: Path) -> Path:
    from gdcli.render.critical import plot_critical

    if len(result.variables) not in (1, 2):
        raise UsageError(f"--plot draws functions of one or two variables; this one has {len(result.variables)}")
    return plot_critical(result, expr, box, path)


def artifacts(result, opts: CriticalOptions, out_dir) -> list[Path]:
    """The curve or contour map with the points marked (one or two variables), for the YAML batch runner."""
    if len(result.variables) not in (1, 2):
        return []
    from gdcli.engine.convex.domain import make_domain
    from gdcli.expr import compile_expression

    expr = compile_expression(opts.expression, opts.vars)
    box = make_domain(expr, opts.domain) if opts.domain else None
    return [_plot(result, expr, box, Path(out_dir) / "critical.png")]


document = common.document  # the result dataclass as JSON
