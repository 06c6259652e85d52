"""`gdcli critical`: every critical point of f, solved exactly (complete) or searched in a box, and classified."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.critical import CriticalOptions, compute, document

# Declared here for now; the other expression commands get a shared one (issue 12).
def render(result, console) -> None:
    from gdcli.render.critical import render_critical

    render_critical(result, console)


def critical(
    expression: common.Expr = None,
    domain: Annotated[Optional[str], typer.Option(help="A box to search, e.g. x=-3:3,y=-3:3 (needed when ∇f = 0 has no closed form; also limits the list).", show_default=False)] = None,
    vars: common.Vars = None,
    starts: Annotated[Optional[int], typer.Option(help="Seeded Newton starts for the numeric search (default 500 per variable).", show_default=False)] = None,
    seed: common.Seed = None,
    plot: Annotated[Optional[Path], typer.Option(help="Write a PNG with the points marked on the curve (one variable) or the contours (two).", show_default=False)] = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Every critical point of EXPRESSION (∇f = 0, or a kink), classified as minimum, maximum, saddle or degenerate.

    SymPy solves ∇f = 0 first; when it lists every solution the result says it is complete. Otherwise Newton's
    method searches the --domain box from seeded starts, which can miss points.

    Example:

        gdcli critical "x**4 - 5*x**2 + 4*x"

        gdcli critical "(x**2 + y - 11)**2 + (x + y**2 - 7)**2" --domain x=-5:5,y=-5:5
    """
    common.run(CriticalOptions, "critical", config, locals(), compute, document, render)
