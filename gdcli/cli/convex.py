"""`gdcli convex`: decide convexity with a proof (Hessian, f'', composition rules) or a verified counterexample."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gdcli.cli import common
from gdcli.commands.convex import ConvexOptions, compute, document

def render(result, console) -> None:
    from gdcli.render.convex import render_convex

    expect = None if result.expected is None else {"expected": result.expected, "met": result.expect_met}
    render_convex(result, console, expect)
    if result.plot:
        console.print(f"plot: {result.plot}")


def convex(
    expression: common.Expr = None,
    domain: Annotated[Optional[str], typer.Option(help="The domain: bounds such as \"x>0, y>0\" or boxes such as x=-5:5 (default: where f is defined).", show_default=False)] = None,
    vars: common.Vars = None,
    expect: Annotated[Optional[str], typer.Option(help="Exit 1 unless the verdict establishes this: affine, strictly-convex, convex, strictly-concave, concave, neither, not-convex, not-concave, unknown.", show_default=False)] = None,
    samples: Annotated[Optional[int], typer.Option(help="Random points (and Jensen triples) to sample when no proof applies (default 4000).", show_default=False)] = None,
    seed: common.Seed = None,
    plot: common.Plot = None,
    chord: Annotated[Optional[str], typer.Option(metavar="A,B", help="Draw the chord from x = A to x = B with C on it and D on the curve (Fig 3.16); needs --plot.", show_default=False)] = None,
    alpha: Annotated[Optional[float], typer.Option(metavar="T", help="Where C sits on the chord: C = T·A + (1−T)·B (default 0.3).", show_default=False)] = None,
    tangent: Annotated[Optional[float], typer.Option(metavar="X", help="Draw the tangent at x = X, which a convex curve lies above (Fig 3.17); needs --plot.", show_default=False)] = None,
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Is EXPRESSION convex, concave, affine or neither? A proof, or a verified counterexample.

    Tries, in order: a constant Hessian (exact eigenvalues), the sign of f'' (one variable), composition rules (DCP style), then sampling the domain for a Jensen or Hessian witness.

    Example:

        gdcli convex "x**3" --plot x3.png

        gdcli convex "x**2" --plot chord.png --chord -1,2 --alpha 0.3 --tangent 0.5

        gdcli convex "log(x)" --expect concave
    """
    result = common.run(ConvexOptions, "convex", config, locals(), compute, document, render)
    if result is not None and result.plot_note:
        typer.echo(f"note: {result.plot_note}", err=True)
    if result is not None and result.interrupted:
        raise typer.Exit(130)
    if result is not None and result.expect_met is False:
        raise typer.Exit(1)
