"""`gdcli grad`: value, gradient, directional derivative and first-order step prediction at a point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Optional

import typer

from gdcli.cli import common
from gdcli.errors import UsageError


@dataclass
class GradOptions:
    expression: str
    at: Any = None  # may be left out when the expression has no variables
    vars: Any = None
    direction: Any = None
    step: Any = None
    method: str = "symbolic"
    json: bool = False


OPTIONS = GradOptions  # the options dataclass the YAML runner builds for this command


def compute(opts: GradOptions):
    from gdcli.engine.calculus import GRAD_METHODS, gradient_at
    from gdcli.expr import compile_expression, parse_vector

    if opts.method not in GRAD_METHODS:
        raise UsageError(f"--method must be one of {', '.join(GRAD_METHODS)}; got '{opts.method}'{common.suggest(opts.method, GRAD_METHODS)}")
    expr = compile_expression(opts.expression, opts.vars)
    x = expr.point(opts.at)
    n = len(expr.variables)
    direction = None if opts.direction is None else parse_vector(opts.direction, n, "--direction")
    if direction is not None and not direction.any():
        raise UsageError("--direction must not be the zero vector")
    step = None if opts.step is None else parse_vector(opts.step, n, "--step")
    return gradient_at(expr, x, method=opts.method, direction=direction, step=step)


document = common.document  # the result dataclass as JSON


def render(result, console) -> None:
    from gdcli.render.calculus import render_grad

    render_grad(result, console)


def grad(
    expression: common.Expr = None,
    at: common.At = None,
    vars: common.Vars = None,
    direction: Annotated[Optional[str], typer.Option(help="Add the directional derivative along this vector (normalised), e.g. 1,1.", show_default=False)] = None,
    step: Annotated[Optional[str], typer.Option(help="Add the first-order predicted change ∇f·δ beside the actual f(x+δ)−f(x), e.g. 0.0003,0.0004.", show_default=False)] = None,
    method: Annotated[Optional[str], typer.Option(help="symbolic (default), autodiff (torch), numeric (central differences) or all.", show_default=False)] = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """The gradient of EXPRESSION at a point.

    Example:

        gdcli grad "2*w0**2 + 3*w1**2" --at w0=3,w1=4 --step 0.0003,0.0004
    """
    common.run(GradOptions, "grad", config, locals(), compute, document, render)
