"""`gdcli fractal`: the SGD fractal of §2.7.7 as a density image, its exact minimum and the lines that bound it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.fractal import FractalOptions, compute, document

def render(result, console) -> None:
    from gdcli.render.fractal import render_fractal

    render_fractal(result, console)


def fractal(
    data: Annotated[Optional[Path], typer.Option(metavar="FILE", help="Samples as rows x1, x2, y (CSV or blanks; any number of rows). Default: the seed's three samples.", show_default=False)] = None,
    lr: Annotated[Optional[list[float]], typer.Option("--lr", metavar="LR", help="Learning rate; repeat for a grid of panels, e.g. --lr 0.65 --lr 0.8 --lr 1.0. Default 0.65.", show_default=False)] = None,
    points: Annotated[Optional[str], typer.Option(metavar="N", help="Iterates to plot per learning rate, e.g. 4e5 (default) or 1e9; memory does not grow with it.", show_default=False)] = None,
    burn_in: Annotated[Optional[str], typer.Option(metavar="STEPS", help="Steps each chain runs before its iterates count (default: from the contraction rate).", show_default=False)] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Samples per SGD step (mini-batch size m, default 1 as in the seed).", show_default=False)] = None,
    seed: common.Seed = None,
    resolution: Annotated[Optional[int], typer.Option(help="Pixels along the longer side of the window (default 1000).", show_default=False)] = None,
    window: Annotated[Optional[str], typer.Option(metavar="X0:X1,Y0:Y1", help="Zoom: w1 and w2 ranges as x0:x1,y0:y1 (default: the iterates' extent).", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(metavar="FILE", help="The picture to write: .png, .svg or .pdf by its extension (default fractal.png).", show_default=False)] = None,
    start: Annotated[Optional[str], typer.Option(metavar="W1,W2", help="Also draw one SGD trajectory from this start over the density, as long as the burn-in (Fig 2.16).", show_default=False)] = None,
    colormap: Annotated[Optional[str], typer.Option(help="A matplotlib colormap (default Blues).", show_default=False)] = None,
    log_density: Annotated[Optional[bool], typer.Option("--log-density/--linear-density", help="Shade pixels by log(1+count) (default) or by count.", show_default=False)] = None,
    workers: Annotated[Optional[int], typer.Option(metavar="N", help="Processes to split the chains over (default: every core; runs under 4e6 points, 1.6e7 with numba, use one). The image depends on N as on --seed.", show_default=False)] = None,
    kernel: Annotated[Optional[str], typer.Option(metavar="NAME", help="The chaos-game loop: numpy, numba (compiled; pip install 'gdcli[fast]') or auto (default: numba where installed, for runs of 1.5e8 points or more in all). Both draw the same image.", show_default=False)] = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """The SGD fractal: SGD on a three-sample least-squares problem draws a fractal (§2.7.7, Figs. 2.12-2.16).

    Example:

        gdcli fractal --out fractal.png

        gdcli fractal --lr 0.65 --points 1e7 --window 0.9:1.6,1.1:1.9 --out zoom.png

        gdcli fractal --lr 5e-4 --start 0,0 --out approach.png

        gdcli fractal --points 1e9 --kernel numba --out dense.png
    """
    result = common.run(FractalOptions, "fractal", config, locals(), compute, document, render)
    if result is not None and result.interrupted:
        kept = sum(p.points for p in result.panels)
        typer.echo(f"interrupted: kept {kept:,} points" + (f" in {result.image}" if result.image else ""), err=True)
        raise typer.Exit(130)
