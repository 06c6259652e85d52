"""`gdcli descend`: run optimisers on an expression, sweep learning rates, and compare with what curvature predicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.descend import DescendOptions, compute, document


def render(result, console) -> None:
    from gdcli.commands.descend_maps import BasinResult

    if isinstance(result, BasinResult):
        from gdcli.render.maps import render_basins

        render_basins(result.basins, console)
    else:
        from gdcli.render.descend import render_descend, render_stability

        render_descend(result.descent, console, result.every, result.all)
        if result.stability is not None:
            render_stability(result.stability, console)
    a = getattr(result, "animation", None)  # descend --animate; a basin map has none
    for p in result.files:
        if a is not None and str(p) == a.path:
            every = f"one frame per {a.stride} steps" if a.stride > 1 else "one frame per step"
            console.print(f"wrote {p} ({a.frames} frames, {every} up to k = {a.steps})")
        else:
            console.print(f"wrote {p}")


def descend(
    expression: common.Expr = None,
    start: Annotated[Optional[str], typer.Option(help="The starting point: x=1, or 3,4 in variable order.", show_default=False)] = None,
    start_grid: Annotated[Optional[str], typer.Option("--start-grid", help="A basin map: a run from every point of a grid, e.g. \"x=-5:5:100, y=-5:5:100\" (lo:hi:count per variable); reports where the starts ended.", show_default=False)] = None,
    lr: Annotated[Optional[list[str]], typer.Option(help="Learning rate; repeat it or give a comma list for a sweep, e.g. 0.01,0.1,0.8, or a range lo:hi:count such as 0.01:1:100 (default 0.1; 1 for newton, the full Newton step).", show_default=False)] = None,
    optimizer: Annotated[Optional[list[str]], typer.Option(help="gd (default), momentum, nesterov, adagrad, rmsprop, adam or newton; repeatable (crossed with --lr).", show_default=False)] = None,
    steps: Annotated[Optional[int], typer.Option(help="The most steps per run (default 1000).", show_default=False)] = None,
    tol: Annotated[Optional[float], typer.Option(help="Stop (converged) when ‖∇f‖ <= tol (default 1e-8).", show_default=False)] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Stop when f <= threshold.", show_default=False)] = None,
    line_search: Annotated[Optional[str], typer.Option("--line-search", help="none (default) or armijo (backtracking).", show_default=False)] = None,
    momentum: Annotated[Optional[list[str]], typer.Option(help="Momentum β for momentum and nesterov (default 0.9); a comma list sweeps it (with a --lr list, --plot draws the stability map).", show_default=False)] = None,
    beta1: Annotated[Optional[list[str]], typer.Option(help="Adam's β1 (default 0.9); a comma list sweeps it.", show_default=False)] = None,
    beta2: Annotated[Optional[list[str]], typer.Option(help="Adam's β2 (default 0.999); a comma list sweeps it.", show_default=False)] = None,
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

        gdcli descend "x**2" --start 1 --lr 0.01,0.1,0.8,1,1.01 --plot out/sweep.png

        gdcli descend "w0**2 + 10*w1**2" --start 3,1 --lr 0.02,0.09 --animate out/path.gif

    Basin map (where GD goes from each of 10,000 starts):

        gdcli descend "(x**2 + y - 11)**2 + (x + y**2 - 7)**2" --start-grid "x=-5:5:100, y=-5:5:100" --lr 0.01 --plot out/basins.png

    Stability map (lr x momentum):

        gdcli descend "x**2" --start 1 --optimizer momentum --lr 0.05:2.5:50 --momentum 0:0.95:40 --plot out/stability.png
    """
    result = common.run(DescendOptions, "descend", config, locals(), compute, document, render)
    if result is not None and result.interrupted:
        raise typer.Exit(130)
