"""`gdcli descend`: run optimisers on an expression, sweep learning rates, and compare with what curvature predicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.descend import DescendOptions, DescendResult, compute, document

def render(result: DescendResult, console) -> None:
    from gdcli.render.descend import render_descend

    render_descend(result.descent, console, result.every, result.all)
    a = result.animation
    for p in result.files:
        if a is not None and str(p) == a.path:
            every = f"one frame per {a.stride} steps" if a.stride > 1 else "one frame per step"
            console.print(f"wrote {p} ({a.frames} frames, {every} up to k = {a.steps})")
        else:
            console.print(f"wrote {p}")


def descend(
    expression: common.Expr = None,
    start: Annotated[Optional[str], typer.Option(help="The starting point: x=1, or 3,4 in variable order.", show_default=False)] = None,
    lr: Annotated[Optional[list[str]], typer.Option(help="Learning rate; repeat it or give a comma list for a sweep, e.g. 0.01,0.1,0.8 (default 0.1; 1 for newton, the full Newton step).", show_default=False)] = None,
    optimizer: Annotated[Optional[list[str]], typer.Option(help="gd (default), momentum, nesterov, adagrad, rmsprop, adam or newton; repeatable (crossed with --lr).", show_default=False)] = None,
    steps: Annotated[Optional[int], typer.Option(help="The most steps per run (default 1000).", show_default=False)] = None,
    tol: Annotated[Optional[float], typer.Option(help="Stop (converged) when ‖∇f‖ <= tol (default 1e-8).", show_default=False)] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Stop when f <= threshold.", show_default=False)] = None,
    line_search: Annotated[Optional[str], typer.Option("--line-search", help="none (default) or armijo (backtracking).", show_default=False)] = None,
    momentum: common.Momentum = None,
    beta1: common.Beta1 = None,
    beta2: common.Beta2 = None,
    eps: common.Eps = None,
    rmsprop_alpha: common.RmspropAlpha = None,
    vars: common.Vars = None,
    every: Annotated[Optional[int], typer.Option(help="Show every N-th iterate (and the last) instead of the first and last few.", show_default=False)] = None,
    all: Annotated[Optional[bool], typer.Option("--all", help="Show every iterate.", show_default=False)] = None,
    plot: common.Plot = None,
    animate: Annotated[Optional[Path], typer.Option(metavar="FILE.gif", help="Write a GIF of every run's path drawn step by step over the contours (over the curve in 1-D); at most 120 frames, long runs shown every s-th step.", show_default=False)] = None,
    csv: Annotated[Optional[Path], typer.Option(help="Write the iterates of every run to this CSV file.", show_default=False)] = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Gradient descent (and friends) on EXPRESSION from --start, with the regime curvature predicts.

    Example:

        gdcli descend "x**2" --start 1 --lr 0.01,0.1,0.8,1,1.01 --plot sweep.png

        gdcli descend "w0**2 + 10*w1**2" --start 3,1 --lr 0.02,0.09 --animate path.gif
    """
    result = common.run(DescendOptions, "descend", config, locals(), compute, document, render)
    if result is not None and result.descent.interrupted:
        raise typer.Exit(130)
