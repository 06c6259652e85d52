"""Kinks: where abs, max, min, relu, sign or Heaviside switch branch within one finite-difference step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gdcli.expr import Expression, format_sym
from gdcli.expr.compile import NumpyOps, compile_exprs
from gdcli.expr.functions import NONSMOOTH


@dataclass(frozen=True)
class Kink:
    function: str  # the non-smooth subexpression, e.g. "abs(x)"
    arguments: list[str]  # what crosses zero (abs, relu) or ties (max, min)
    values: list[float]  # those arguments at the point
    components: list[str]  # the partial derivatives whose difference quotient straddles the kink


def nonsmooth_nodes(e: sp.Expr) -> list[sp.Expr]:
    seen: dict[sp.Expr, None] = {}
    for node in sp.preorder_traversal(e):
        if isinstance(node, NONSMOOTH) and node.free_symbols:
            seen.setdefault(node, None)
    return list(seen)


def _line_points(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """x, then x + h_i e_i for each i, then x - h_i e_i: (2n + 1, n)."""
    E = np.diag(h)
    return np.vstack([x[None, :], x + E, x - E])


def _crosses_zero(u: np.ndarray) -> bool:
    """u at (x - h, x, x + h): a sign change, or u = 0 at x while it moves (|u| and relu bend there)."""
    lo, mid, hi = u
    return bool(min(lo, hi) < 0 < max(lo, hi) or (mid == 0 and (lo != 0 or hi != 0)))


def _switches_branch(A: np.ndarray, pick) -> bool:
    """A (k args, 3 points at x - h, x, x + h): max/min changes argument, or ties at x between args that move apart."""
    scale = np.maximum(1.0, np.abs(A).max(axis=0))
    best = pick(A, axis=0)
    winners = [frozenset(np.flatnonzero(np.abs(A[:, j] - best[j]) <= 8 * np.finfo(float).eps * scale[j]))
               for j in range(3)]
    if winners[0] != winners[2]:
        return True
    tied = sorted(winners[1])
    if len(tied) > 1:
        slopes = A[tied, 2] - A[tied, 0]
        return bool(np.ptp(slopes) > 8 * np.finfo(float).eps * scale.max())
    return False


def find_kinks(expr: Expression, x, h) -> list[Kink]:
    """The non-smooth points of `expr` within one step `h` (n,) of x, per partial derivative."""
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(h, dtype=float), x.shape)
    n = x.size
    P = _line_points(x, h)
    cols = [P[:, i] for i in range(n)]
    kinks = []
    for node in nonsmooth_nodes(expr.sym):
        is_extreme = isinstance(node, (sp.Max, sp.Min))
        args = list(node.args) if is_extreme else [node.args[0]]
        with np.errstate(all="ignore"):
            values = compile_exprs(args, expr.symbols, NumpyOps)(*cols)
        V = np.vstack([np.broadcast_to(np.asarray(v, dtype=float), (2 * n + 1,)) for v in values])
        hit = []
        for i in range(n):
            A = V[:, [n + 1 + i, 0, 1 + i]]  # each argument at x - h e_i, x, x + h e_i
            if is_extreme:
                bent = _switches_branch(A, np.max if isinstance(node, sp.Max) else np.min)
            else:
                bent = _crosses_zero(A[0])
            if bent:
                hit.append(expr.variables[i])
        if hit:
            kinks.append(Kink(format_sym(node), [format_sym(a) for a in args], V[:, 0].tolist(), hit))
    return kinks
