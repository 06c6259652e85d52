"""Kinks: where abs, max, min, relu, sign or Heaviside switch branch within one finite-difference step."""

from __future__ import annotations

import math
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
    index = {s: i for i, s in enumerate(expr.symbols)}
    nodes = nonsmooth_nodes(expr.sym)
    if not nodes:
        return kinks
    arguments = [list(node.args) if isinstance(node, (sp.Max, sp.Min)) else [node.args[0]] for node in nodes]
    with np.errstate(all="ignore"):  # every argument of every kink in one compiled call (a max of 200 has 199)
        flat = compile_exprs([a for args in arguments for a in args], expr.symbols, NumpyOps)(*cols)
    rows = [np.broadcast_to(np.asarray(v, dtype=float), (2 * n + 1,)) for v in flat]
    start = 0
    for node, args in zip(nodes, arguments):
        is_extreme = isinstance(node, (sp.Max, sp.Min))
        V = np.vstack(rows[start:start + len(args)])
        start += len(args)
        hit = []
        for i in sorted(index[v] for v in node.free_symbols if v in index):  # only the variables it depends on
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


# -- one-sided derivatives at a kink ----------------------------------------------------------------------

@dataclass(frozen=True)
class OneSided:
    """The one-sided partial derivatives of f along one variable, from differences of f alone."""

    variable: str
    left: float | None  # lim h→0+ (f(x) − f(x − h e)) / h; None where f jumps
    right: float | None  # lim h→0+ (f(x + h e) − f(x)) / h
    continuous: bool  # f itself is continuous along the variable
    differentiable: bool  # continuous and left = right: a kink f is smooth across (x·|x|, relu(x)²)


def _richardson(d: np.ndarray) -> float:
    """One-sided quotients D(h), D(h/2), D(h/4) (error c1 h + c2 h² + …) extrapolated to h = 0: O(h³)."""
    r1 = 2 * d[1:] - d[:-1]
    return float((4 * r1[1] - r1[0]) / 3)


def one_sided(f, x, i: int, variable: str, rel_step: float = 1e-4) -> OneSided:
    """f's one-sided derivatives along e_i at x by Richardson-extrapolated one-sided differences.

    `f` maps points (m, n) -> (m,). Differences of f only: independent of any gradient formula being checked.
    Exact on polynomial pieces up to degree 3; a jump of f shows as a difference that does not shrink with h.
    """
    x = np.asarray(x, dtype=float)
    h = rel_step * max(1.0, abs(float(x[i])))
    hs = np.array([h, h / 2, h / 4])
    e = np.zeros_like(x)
    e[i] = 1.0
    P = np.vstack([x[None, :], x + hs[:, None] * e, x - hs[:, None] * e])
    with np.errstate(all="ignore"):
        v = np.asarray(f(P), dtype=float)
    f0, up, down = v[0], v[1:4] - v[0], v[0] - v[4:7]
    finite = np.isfinite(v).all()
    scale = float(np.max(np.abs(v[np.isfinite(v)]), initial=0.0))
    noise = 1e3 * np.finfo(float).eps * scale  # round-off in a difference of f values of this size
    # Continuous: the change over h/4 is at most half the change over h (a jump keeps its size as h shrinks).
    continuous = bool(finite and all(abs(d[2]) <= 0.5 * abs(d[0]) + noise for d in (up, down)))
    if not continuous:
        return OneSided(variable, None, None, False, False)
    right, left = _richardson(up / hs), _richardson(down / hs)
    floor = noise / (hs[-1]) if math.isfinite(f0) else 0.0
    same = abs(right - left) <= 1e-6 * max(abs(right), abs(left)) + floor
    return OneSided(variable, left, right, True, bool(same))


def kinks_here(expr: Expression, x) -> tuple[list[Kink], list[OneSided]]:
    """The kinks at x itself (not merely near it) and, along each variable that meets one, f's one-sided derivatives."""
    x = np.asarray(x, dtype=float)
    h = 1e-9 * np.maximum(1.0, np.abs(x))
    kinks = find_kinks(expr, x, h)
    hit = sorted({v for k in kinks for v in k.components}, key=expr.variables.index)
    return kinks, [one_sided(expr.f, x, expr.variables.index(v), v) for v in hit]
