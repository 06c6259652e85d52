"""`gdcli hessian`: the Hessian, its eigenvalues, definiteness, critical-point class and Taylor predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from gdcli.commands import common


@dataclass
class HessianOptions:
    expression: str
    at: Any = None  # may be left out when the expression has no variables
    vars: Any = None
    step: Any = None
    plot: Any = None
    levels: Any = None  # contour levels of the 2-D plot, e.g. 1,2,5
    time_limit: float = common.DEFAULT_TIME_LIMIT
    json: bool = False


OPTIONS = HessianOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.calculus.derivatives:HessianResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot",)  # options that name files: in a YAML experiment, file names inside results/<name>/


def compute(opts: HessianOptions):
    from gdcli.engine.calculus.derivatives import hessian_at
    from gdcli.expr import compile_expression, parse_vector

    budget = common.budget(opts)
    with budget.step("parsing"):
        expr = compile_expression(opts.expression, opts.vars)
    x = expr.point(opts.at)
    step = None if opts.step is None else parse_vector(opts.step, len(expr.variables), "--step")
    levels = common.picture_options(opts.plot, opts.levels, len(expr.variables))
    result = hessian_at(expr, x, step=step, budget=budget)
    if opts.plot is not None:
        from gdcli.render.calculus_plots import hessian_figure

        common.draw(hessian_figure(result, expr, levels), opts.plot)
    return result


document = common.document  # the result dataclass as JSON
