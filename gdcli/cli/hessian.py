"""`gdcli hessian`: the Hessian, its eigenvalues, definiteness, critical-point class and Taylor predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Optional

import typer

from gdcli.cli import common


@dataclass
class HessianOptions:
    expression: str
    at: Any = None  # may be left out when the expression has no variables
    vars: Any = None
    step: Any = None
    json: bool = False


OPTIONS = HessianOptions  # the options dataclass the YAML runner builds for this command


def compute(opts: HessianOptions):
    from gdcli.engine.calculus import hessian_at
    from gdcli.expr import compile_expression, parse_vector

    expr = compile_expression(opts.expression, opts.vars)
    x = expr.point(opts.at)
    step = None if opts.step is None else parse_vector(opts.step, len(expr.variables), "--step")
    return hessian_at(expr, x, step=step)


document = common.document  # the result dataclass as JSON


def render(result, console) -> None:
    from gdcli.render.calculus import render_hessian

    render_hessian(result, console)


def hessian(
    expression: common.Expr = None,
    at: common.At = None,
    vars: common.Vars = None,
    step: Annotated[Optional[str], typer.Option(help="Add the Taylor table for this step δ: actual f(x+δ) vs first- and second-order predictions.", show_default=False)] = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """The Hessian of EXPRESSION at a point, with its eigenvalues and what they say.

    Example:

        gdcli hessian "w0**2 + 2*w0*w1 + 3*w1**2" --at 0,0
    """
    common.run(HessianOptions, "hessian", config, locals(), compute, document, render)
