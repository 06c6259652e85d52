"""`gdcli convex`: decide convexity with a proof (Hessian, f'', composition rules) or a verified counterexample."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional


from gdcli.commands import common
from gdcli.errors import UsageError


@dataclass


class ConvexOptions:
    expression: str
    domain: Any = None
    vars: Any = None
    expect: Optional[str] = None
    samples: int = 4000
    seed: int = 0
    plot: Any = None
    json: bool = False


OPTIONS = ConvexOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.convex.proof:ConvexResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot",)  # options that name files: in a YAML experiment, file names inside results/<name>/


def validate(opts: ConvexOptions):
    """The option values, checked before any work (compute does the same; `gdcli run` before anything runs)."""
    from gdcli.engine.convex.proof import ALIASES, EXPECTATIONS

    expect = None
    if opts.expect is not None:
        expect = str(opts.expect).strip().lower().replace("_", "-").replace(" ", "-")
        if ALIASES.get(expect, expect) not in EXPECTATIONS:
            raise UsageError(f"--expect must be one of {', '.join(EXPECTATIONS)}; got '{opts.expect}'"
                             f"{common.suggest(expect, EXPECTATIONS)}")
    try:
        samples, seed = int(opts.samples), int(opts.seed)
    except (TypeError, ValueError):
        raise UsageError("--samples and --seed must be integers") from None
    if not 10 <= samples <= 10_000_000:
        raise UsageError(f"--samples must be between 10 and 10000000; got {samples}")
    if seed < 0:
        raise UsageError(f"--seed must be >= 0; got {seed}")
    return expect, samples, seed


def _decide(opts: ConvexOptions):
    from gdcli.engine.convex.proof import decide_convexity, satisfies
    from gdcli.expr import compile_expression
    from gdcli.render.progress import progress

    expect, samples, seed = validate(opts)
    expr = compile_expression(opts.expression, opts.vars)
    with progress("convex: sampling", total=2) as bar:
        result = decide_convexity(expr, opts.domain, samples=samples, seed=seed, tick=bar.update)
    if expect is not None:
        result = dataclasses.replace(result, expected=expect, expect_met=satisfies(result.verdict, expect))
    return expr, result


def compute(opts: ConvexOptions):
    expr, result = _decide(opts)
    if opts.plot is not None:
        path = _plot(result, expr, opts, Path(opts.plot))
        result = dataclasses.replace(result, plot=str(path))
    return result


def _plot(result, expr, opts: ConvexOptions, path: Path) -> Path:
    from gdcli.engine.convex.domain import make_domain
    from gdcli.render.convex import plot_convex

    if len(result.variables) not in (1, 2):
        raise UsageError(f"--plot draws functions of one or two variables; this one has {len(result.variables)}")
    return plot_convex(result, expr, make_domain(expr, opts.domain), path)


def artifacts(result, opts: ConvexOptions, out_dir: Path) -> list[Path]:
    """The plot (one or two variables) for the YAML batch runner."""
    if len(result.variables) not in (1, 2):
        return []
    from gdcli.expr import compile_expression

    return [_plot(result, compile_expression(opts.expression, opts.vars), opts, Path(out_dir) / "convex.png")]


document = common.document  # the result dataclass as JSON
