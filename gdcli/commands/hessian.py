"""`gdcli hessian`: the Hessian, its eigenvalues, definiteness, critical-point class and Taylor predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from gdcli.commands import common


@dataclass


class HessianOptions:
    expression: str
    at: Any = None  # may be left out when the expression has no variables
    vars: Any = None
    step: Any = None
    json: bool = False


OPTIONS = HessianOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.calculus.derivatives:HessianResult"  # its document's shape: `expect:` paths are checked against it up front


def compute(opts: HessianOptions):
    from gdcli.engine.calculus.derivatives import hessian_at
    from gdcli.expr import compile_expression, parse_vector

    expr = compile_expression(opts.expression, opts.vars)
    x = expr.point(opts.at)
    step = None if opts.step is None else parse_vector(opts.step, len(expr.variables), "--step")
    return hessian_at(expr, x, step=step)


document = common.document  # the result dataclass as JSON
