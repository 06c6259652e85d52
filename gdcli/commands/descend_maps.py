"""`descend --start-grid`: the basin map, a batched run from every grid point; the options and the Ctrl-C
handling are descend's (commands/descend.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from gdcli.errors import UsageError


@dataclass(frozen=True)
class BasinResult:
    basins: Any  # engine.optim.basins.BasinMap
    files: list = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        return self.basins.interrupted


def parse_grid(text, variables) -> list:
    """`x=-5:5:100, y=-5:5:100`: for every variable lo:hi:count (count starts evenly spaced, ends included)."""
    from gdcli.engine.optim.basins import MAX_STARTS, Axis
    from gdcli.expr import constant_value, split_top_level

    what = "--start-grid"
    if isinstance(text, dict):
        parts = [(str(k), str(v)) for k, v in text.items()]
    else:
        parts = []
        for part in split_top_level(str(text)):
            if "=" not in part:
                raise UsageError(f"{what}: write each axis as name=lo:hi:count, e.g. x=-5:5:100; got '{part}'")
            name, spec = (p.strip() for p in part.split("=", 1))
            parts.append((name, spec))
    axes = {}
    for name, spec in parts:
        if name not in variables:
            raise UsageError(f"{what}: '{name}' is not a variable of the expression (its variables: {', '.join(variables)})")
        if name in axes:
            raise UsageError(f"{what}: '{name}' is given twice")
        pieces = spec.split(":")
        if len(pieces) != 3:
            raise UsageError(f"{what}: {name}={spec} should be lo:hi:count, e.g. {name}=-5:5:100")
        lo, hi = (constant_value(p, f"{what} {name}") for p in pieces[:2])
        try:
            count = int(pieces[2])
        except ValueError:
            raise UsageError(f"{what}: the count of {name} must be a whole number; got '{pieces[2].strip()}'") from None
        if count < 1 or (count > 1 and not lo < hi) or (count == 1 and lo != hi):
            raise UsageError(f"{what}: {name} needs lo < hi and a count >= 2 (or lo = hi with count 1); got {spec}")
        axes[name] = Axis(name, lo, hi, count)
    missing = [v for v in variables if v not in axes]
    if missing:
        raise UsageError(f"{what}: missing an axis for {', '.join(missing)} (every variable needs lo:hi:count)")
    total = math.prod(a.count for a in axes.values())
    if total > MAX_STARTS:
        raise UsageError(f"{what}: {total:,} starts; at most {MAX_STARTS:,}")
    return [axes[v] for v in variables]


def compute_basins(opts, expr, runs, flag) -> BasinResult:
    """The basin map of the one optimiser setting in `runs` over opts.start_grid."""
    from gdcli.engine.optim.basins import basin_map
    from gdcli.engine.optim.batch import batchable
    from gdcli.render.progress import progress

    if opts.start is not None:
        raise UsageError("give --start or --start-grid, not both")
    if len(runs) != 1:
        raise UsageError("--start-grid maps one optimiser setting: give one --lr (and one of each hyper-parameter)")
    if not batchable(runs[0]):
        raise UsageError("--start-grid runs every start as one batch: newton and --line-search armijo are not batched")
    if opts.csv is not None or opts.every or opts.all:
        raise UsageError("--start-grid reports end points: --csv, --every and --all are for single starts")
    if opts.plot is not None and len(expr.variables) > 2:
        raise UsageError("--plot draws basin maps of one or two variables")
    axes = parse_grid(opts.start_grid, expr.variables)
    chunk = 64
    with progress("basin map", total=runs[0].steps or 1) as bar:
        def on_step(k, idx, X, F, GN):
            if k and k % chunk == 0:
                bar.update(advance=chunk)

        result = basin_map(expr, axes, runs[0], on_step=on_step, stop=lambda: flag["stop"])
    files = []
    if opts.plot is not None:
        from gdcli.render.maps import basin_plot

        files.append(basin_plot(result, opts.plot, expr))
    return BasinResult(result, files)


def basin_document(result: BasinResult) -> dict:
    from gdcli.render.output import jsonable

    m = result.basins
    return {
        "expression": m.expression, "variables": m.variables, "settings": jsonable(m.settings),
        "grid": [{"variable": a.name, "lo": a.lo, "hi": a.hi, "count": a.count} for a in m.axes],
        "starts": m.starts, "interrupted": m.interrupted,
        "basins": jsonable(m.basins), "not_converged": m.not_converged, "diverged": m.diverged,
        "unclustered": m.unclustered,
        "labels": m.labels.tolist(),  # per start, in grid order: basin index, -1 not converged, -2 diverged, -3 interrupted
        "files": [str(p) for p in result.files],
    }
