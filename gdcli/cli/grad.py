"""`gdcli grad`: value, gradient, directional derivative and first-order step prediction at a point."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.grad import GradOptions, compute, document

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
    plot: common.Plot = None,
    levels: common.Levels = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """The gradient of EXPRESSION at a point.

    Example:

        gdcli grad "2*w0**2 + 3*w1**2" --at w0=3,w1=4 --step 0.0003,0.0004

        gdcli grad "sqrt(w0**2 + w1**2)" --at 3,4 --plot field.png --levels 1,2,5
    """
    result = common.run(GradOptions, "grad", config, locals(), compute, document, render)
    common.say_picture(result, plot, json)
