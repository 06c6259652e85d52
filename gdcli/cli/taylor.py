"""`gdcli taylor`: the Taylor polynomial of order K at a point and, for a step, each order against the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.taylor import TaylorOptions, compute, document

# Declared here for now; the other expression commands get a shared one (issue 12).
def render(result, console) -> None:
    from gdcli.render.taylor import render_taylor

    render_taylor(result, console)


def taylor(
    expression: common.Expr = None,
    at: common.At = None,
    order: Annotated[Optional[int], typer.Option(help="The order K of the polynomial, 0 to 30 (default 2).", show_default=False)] = None,
    step: Annotated[Optional[str], typer.Option(help="A step δ: tabulate P_0(δ) .. P_K(δ) against the true f(x+δ), with the errors.", show_default=False)] = None,
    vars: common.Vars = None,
    plot: Annotated[Optional[Path], typer.Option(help="Write a PNG of f with the polynomials of every order laid over it.", show_default=False)] = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """The Taylor polynomial of EXPRESSION at a point, of any order, in one or several variables.

    Printed in the displacement δ and in x − a. With --step, a table of each order's value against the truth.

    Example:

        gdcli taylor "exp(x)" --at 0 --order 3 --step 0.1

        gdcli taylor "sin(x)" --at 0 --order 2
    """
    common.run(TaylorOptions, "taylor", config, locals(), compute, document, render)
