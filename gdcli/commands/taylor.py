"""`gdcli taylor`: the Taylor polynomial of order K at a point and, for a step, each order against the truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdcli.commands import common


@dataclass
class TaylorOptions:
    expression: str
    at: Any = None  # may be left out when the expression has no variables
    order: int = 2
    step: Any = None
    vars: Any = None
    plot: Any = None
    time_limit: float = common.DEFAULT_TIME_LIMIT  # seconds of symbolic work (--time-limit)
    json: bool = False


OPTIONS = TaylorOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.calculus.taylor:TaylorResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot",)  # options that name files: in a YAML experiment, file names inside results/<name>/


def validate(opts: TaylorOptions):
    """The option values, checked before any work (`gdcli run` calls it before anything runs); the budget."""
    common.check_picture(opts.plot)
    return common.budget(opts)


def _expand(opts: TaylorOptions):
    from gdcli.engine.calculus.taylor import taylor_polynomial
    from gdcli.expr import compile_expression, parse_vector

    budget = validate(opts)
    expr = compile_expression(opts.expression, opts.vars)
    x = expr.point(opts.at)
    step = None if opts.step is None else parse_vector(opts.step, len(expr.variables), "--step")
    return expr, taylor_polynomial(expr, x, opts.order, step=step, time_limit_s=budget.symbolic)


def compute(opts: TaylorOptions):
    expr, result = _expand(opts)
    if opts.plot is not None:
        _plot(result, expr, Path(opts.plot))
    return result


def _plot(result, expr, path: Path) -> Path:
    from gdcli.errors import UsageError
    from gdcli.render.taylor import plot_taylor

    if len(result.variables) != 1 and result.step is None:
        raise UsageError("--plot with several variables needs --step: it draws f and the polynomials along the "
                         "line from the point in the direction of the step")
    if not result.variables:
        raise UsageError("--plot needs a variable: a constant has nothing to draw")
    return plot_taylor(result, expr, path)


def artifacts(result, opts: TaylorOptions, out_dir) -> list[Path]:
    """The overlay of f and its polynomials, when it can be drawn (one variable, or a step to draw along)."""
    if not result.variables or (len(result.variables) != 1 and result.step is None):
        return []
    from gdcli.expr import compile_expression

    return [_plot(result, compile_expression(opts.expression, opts.vars), Path(out_dir) / "taylor.png")]


document = common.document  # the result dataclass as JSON
