"""`gdcli grad`: value, gradient, directional derivative and first-order step prediction at a point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from gdcli.commands import common
from gdcli.errors import UsageError


@dataclass
class GradOptions:
    expression: str
    at: Any = None  # may be left out when the expression has no variables
    vars: Any = None
    direction: Any = None
    step: Any = None
    method: str = "symbolic"
    plot: Any = None
    levels: Any = None  # contour levels of the 2-D plot, e.g. 1,2,5
    time_limit: float = common.DEFAULT_TIME_LIMIT
    json: bool = False


OPTIONS = GradOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.calculus.derivatives:GradResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot",)  # options that name files: in a YAML experiment, file names inside results/<name>/


def validate(opts: GradOptions) -> None:
    """The option values, checked before any work (compute does the same; `gdcli run` before anything runs)."""
    from gdcli.engine.calculus.derivatives import GRAD_METHODS

    if opts.method not in GRAD_METHODS:
        raise UsageError(f"--method must be one of {', '.join(GRAD_METHODS)}; got '{opts.method}'{common.suggest(opts.method, GRAD_METHODS)}")


def compute(opts: GradOptions):
    from gdcli.engine.calculus.derivatives import gradient_at
    from gdcli.expr import compile_expression, parse_vector

    validate(opts)
    budget = common.budget(opts)
    with budget.step("parsing"):
        expr = compile_expression(opts.expression, opts.vars)
    x = expr.point(opts.at)
    n = len(expr.variables)
    direction = None if opts.direction is None else parse_vector(opts.direction, n, "--direction")
    if direction is not None and not direction.any():
        raise UsageError("--direction must not be the zero vector")
    step = None if opts.step is None else parse_vector(opts.step, n, "--step")
    levels = common.picture_options(opts.plot, opts.levels, n, most=3)
    result = gradient_at(expr, x, method=opts.method, direction=direction, step=step, budget=budget)
    if opts.plot is not None:
        from gdcli.render.calculus_plots import grad_figure

        common.draw(grad_figure(result, expr, levels), opts.plot)
    return result


document = common.document  # the result dataclass as JSON
