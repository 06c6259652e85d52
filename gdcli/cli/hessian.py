"""`gdcli hessian`: the Hessian, its eigenvalues, definiteness, critical-point class and Taylor predictions."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.hessian import HessianOptions, compute, document

def render(result, console) -> None:
    from gdcli.render.calculus import render_hessian

    render_hessian(result, console)


def hessian(
    expression: common.Expr = None,
    at: common.At = None,
    vars: common.Vars = None,
    step: Annotated[Optional[str], typer.Option(help="Add the Taylor table for this step δ: actual f(x+δ) vs first- and second-order predictions.", show_default=False)] = None,
    plot: common.Plot = None,
    levels: common.Levels = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """The Hessian of EXPRESSION at a point, with its eigenvalues and what they say.

    Example:

        gdcli hessian "w0**2 + 2*w0*w1 + 3*w1**2" --at 0,0

        gdcli hessian "exp(x)" --at 0 --plot taylor.png
    """
    result = common.run(HessianOptions, "hessian", config, locals(), compute, document, render)
    common.say_picture(result, plot, json)
