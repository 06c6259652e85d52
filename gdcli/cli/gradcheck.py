"""`gdcli gradcheck`: is this gradient right? An analytic gradient against finite differences, with a step sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.gradcheck import GradcheckOptions, compute, document

def render(result, console) -> None:
    from gdcli.render.gradcheck import render_gradcheck

    render_gradcheck(result, console)


def gradcheck(
    expression: common.Expr = None,
    at: Annotated[Optional[str], typer.Option(help="The point: w0=3,w1=4, or 3,4 in variable order, or random (see --seed, --dim).", show_default=False)] = None,
    function: Annotated[Optional[str], typer.Option(help="Check your own Python code: module:function, f(x: ndarray) -> float.", show_default=False)] = None,
    gradient: Annotated[Optional[str], typer.Option(help="The gradient to check: a hand-derived one per variable (\"4*w0, 6*w1\") or module:function returning a vector.", show_default=False)] = None,
    path: Annotated[Optional[Path], typer.Option(help="Directory to import --function/--gradient modules from (default: the current one).", show_default=False)] = None,
    dim: Annotated[Optional[int], typer.Option(help="Dimension of the point for --function with --at random.", show_default=False)] = None,
    vars: common.Vars = None,
    analytic: Annotated[Optional[str], typer.Option(help="Without --gradient, check gdcli's own gradient: symbolic (default) or autodiff (torch).", show_default=False)] = None,
    method: Annotated[Optional[str], typer.Option(help="central (default), forward, backward or richardson.", show_default=False)] = None,
    h: Annotated[Optional[str], typer.Option("--h", help="Finite-difference step (default: eps^(1/3) central, eps^(1/2) one-sided, times max(1,|x|)).", show_default=False)] = None,
    dtype: Annotated[Optional[str], typer.Option(help="float64 (default), float32 or float16 for the numeric side; the point is rounded to it (0.1 is 0.0999755859375 in float16).", show_default=False)] = None,
    tol: Annotated[Optional[str], typer.Option(help="Pass when the largest relative error is at most this (default 1e-6; 1e-2 in float32, 1e-1 in float16).", show_default=False)] = None,
    floor: Annotated[Optional[str], typer.Option(help="Denominator floor of the relative error (default: the round-off level of the difference quotient over --tol).", show_default=False)] = None,
    strict: Annotated[Optional[bool], typer.Option("--strict", help="Fail (exit 1) at a non-differentiable point too.", show_default=False)] = None,
    sweep: Annotated[Optional[bool], typer.Option("--sweep", help="Add forward and central errors for h = 1e-1 ... 1e-15 with fitted orders.", show_default=False)] = None,
    plot: common.Plot = None,
    seed: common.Seed = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Check a gradient against finite differences: per-component errors and a verdict (exit 1 on a mismatch).

    Examples:

        gdcli gradcheck "2*w0**2 + 3*w1**2" --gradient "4*w0, 5*w1" --at 3,4

        gdcli gradcheck "exp(x)*sin(y)" --at 1,2 --sweep --plot sweep.png

        gdcli gradcheck --function mypkg.loss:f --gradient mypkg.loss:grad --at random --dim 10
    """
    result = common.run(GradcheckOptions, "gradcheck", config, locals(), compute, document, render)
    if result.interrupted:
        raise typer.Exit(130)
    if result.passed is False:
        raise typer.Exit(1)
