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
    time_limit: common.TimeLimit = None,
    json: common.Json = None,
    config: common.Config = None,
):
    """Is EXPRESSION convex, concave, affine or neither? A proof, or a verified counterexample.

    Tries, in order: a constant Hessian (exact eigenvalues), the sign of f'' (one variable), composition rules (DCP style), then sampling the domain for a Jensen or Hessian witness.

    Example:

        gdcli convex "x**3" --plot x3.png

        gdcli convex "log(x)" --expect concave
    """
    result = common.run(ConvexOptions, "convex", config, locals(), compute, document, render)
    if result is not None and result.interrupted:
        raise typer.Exit(130)
    if result is not None and result.expect_met is False:
        raise typer.Exit(1)
