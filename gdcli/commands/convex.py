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
    chord: Any = None  # A,B: the chord from x = A to x = B on the plot (Fig 3.16)
    alpha: Any = None  # C = αA + (1−α)B on the chord (default 0.3, as the seed's figure)
    tangent: Any = None  # X: the tangent at x = X on the plot (Fig 3.17)
    time_limit: float = common.DEFAULT_TIME_LIMIT
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
    budget = common.budget(opts)
    with budget.step("parsing"):
        expr = compile_expression(opts.expression, opts.vars)
    with progress("convex: sampling", total=2) as bar:
        result = decide_convexity(expr, opts.domain, samples=samples, seed=seed, tick=bar.update, budget=budget)
    if expect is not None:
        result = dataclasses.replace(result, expected=expect, expect_met=satisfies(result.verdict, expect))
    return expr, result


DEFAULT_ALPHA = 0.3  # Fig 3.16: C = 0.3A + 0.7B


def _extras(opts: ConvexOptions):
    """The chord and the tangent asked for, checked before any work (they draw on the --plot)."""
    from gdcli.expr import constant_value, parse_vector
    from gdcli.render.convex_plot import Chord

    given = [name for name in ("chord", "alpha", "tangent") if getattr(opts, name) is not None]
    if given and opts.plot is None:
        raise UsageError(f"--{given[0]} draws on the picture; give --plot FILE too")
    common.check_picture(opts.plot)
    chord = None
    if opts.chord is not None:
        ends = parse_vector(opts.chord, None, "--chord")
        if len(ends) != 2 or ends[0] == ends[1]:
            raise UsageError(f"--chord takes two different x values A,B, e.g. -1,2; got '{opts.chord}'")
        alpha = DEFAULT_ALPHA if opts.alpha is None else constant_value(str(opts.alpha), "--alpha")
        if not 0 < alpha < 1:
            raise UsageError(f"--alpha must be strictly between 0 and 1; got {opts.alpha}")
        chord = Chord(float(ends[0]), float(ends[1]), float(alpha))
    elif opts.alpha is not None:
        raise UsageError("--alpha places C on a chord; give --chord A,B too")
    tangent = None if opts.tangent is None else constant_value(str(opts.tangent), "--tangent")
    return chord, tangent


def compute(opts: ConvexOptions):
    chord, tangent = _extras(opts)
    expr, result = _decide(opts)
    if opts.plot is not None:
        path, note = _plot(result, expr, opts, Path(opts.plot), chord, tangent)
        result = dataclasses.replace(result, plot=None if path is None else str(path), plot_note=note)
    return result


def _plot(result, expr, opts: ConvexOptions, path: Path, chord=None, tangent=None):
    """(the picture written, None) or (None, why not): a picture that cannot be drawn never hides the verdict."""
    import numpy as np

    from gdcli.engine.convex.domain import make_domain

    n = len(result.variables)
    if n not in (1, 2):
        return None, f"no picture: --plot draws functions of one or two variables; this one has {n}"
    if n != 1 and (chord is not None or tangent is not None):
        return None, f"no picture: --chord and --tangent draw on a curve of one variable; this function has {n}"
    domain = make_domain(expr, opts.domain)
    for x in ([chord.a, chord.b] if chord else []) + ([tangent] if tangent is not None else []):
        if not domain.contains(expr, np.array([[x]]))[0]:
            return None, f"no picture: x = {x:g} is outside the domain of {result.expression}"
    from gdcli.commands.common import draw
    from gdcli.render.convex_plot import convex_figure

    return draw(convex_figure(result, expr, domain, chord, tangent), path), None


def artifacts(result, opts: ConvexOptions, out_dir: Path) -> list[Path]:
    """The plot (one or two variables) for the YAML batch runner."""
    from gdcli.expr import compile_expression

    chord, tangent = _extras(dataclasses.replace(opts, plot=Path(out_dir) / "convex.png"))
    path, _ = _plot(result, compile_expression(opts.expression, opts.vars), opts, Path(out_dir) / "convex.png",
                    chord, tangent)
    return [] if path is None else [path]


document = common.document  # the result dataclass as JSON
