"""Domains for convexity: per-variable intervals from `--domain`, the restrictions log/sqrt/1/x imply, sampling."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gdcli.errors import UsageError
from gdcli.expr import Expression, constant_value, format_sym, split_top_level

# Unbounded sides are sampled at these scales (mixed per point) so that both local and global shape is seen.
SCALES = (0.5, 2.0, 10.0)

_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "≤": "<=", "≥": ">="}
_SPLIT = re.compile(r"(<=|>=|≤|≥|<|>)")


@dataclass(frozen=True)
class Interval:
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = True
    hi_open: bool = True

    def intersect(self, other: "Interval") -> "Interval":
        if other.lo > self.lo or (other.lo == self.lo and other.lo_open):
            lo, lo_open = other.lo, other.lo_open
        else:
            lo, lo_open = self.lo, self.lo_open
        if other.hi < self.hi or (other.hi == self.hi and other.hi_open):
            hi, hi_open = other.hi, other.hi_open
        else:
            hi, hi_open = self.hi, self.hi_open
        return Interval(lo, hi, lo_open, hi_open)

    @property
    def empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))

    @property
    def whole(self) -> bool:
        return self.lo == -math.inf and self.hi == math.inf

    def contains(self, x: np.ndarray) -> np.ndarray:
        above = x > self.lo if self.lo_open else x >= self.lo
        below = x < self.hi if self.hi_open else x <= self.hi
        return above & below

    def describe(self, name: str) -> str:
        num = lambda v: f"{v:g}"  # noqa: E731
        if self.whole:
            return f"{name} ∈ ℝ"
        if self.lo == -math.inf:
            return f"{name} {'<' if self.hi_open else '≤'} {num(self.hi)}"
        if self.hi == math.inf:
            return f"{name} {'>' if self.lo_open else '≥'} {num(self.lo)}"
        return f"{num(self.lo)} {'<' if self.lo_open else '≤'} {name} {'<' if self.hi_open else '≤'} {num(self.hi)}"

    def sample(self, rng: np.random.Generator, m: int) -> np.ndarray:
        u = 1.0 - rng.random(m)  # in (0, 1]: never exactly on an open lower end
        scale = rng.choice(SCALES, m)
        if self.lo > -math.inf and self.hi < math.inf:
            t = np.where(u == 1.0, 0.5, u)
            return self.lo * (1 - t) + self.hi * t  # not lo + (hi − lo) t: hi − lo overflows for ±1e308
        if self.lo > -math.inf:
            return self.lo + scale * u
        if self.hi < math.inf:
            return self.hi - scale * u
        return scale * (2 * u - 1)


@dataclass(frozen=True)
class Restriction:
    """A condition the expression itself needs, e.g. `x > 0` for log(x)."""

    condition: str  # "x > 0"
    needed_by: str  # "log(x)"
    argument: sp.Expr
    kind: str  # ">0", ">=0", "!=0"

    def describe(self) -> str:
        return f"{self.condition} (needed by {self.needed_by})"


def integral_exponent(p: sp.Expr) -> bool:
    """2 and 2.0 alike: NumPy defines x**2.0 for x < 0, so an integral float power restricts nothing."""
    return bool(p.is_integer) or bool(p.is_Float and float(p).is_integer())


def implied_restrictions(sym: sp.Expr) -> list[Restriction]:
    """What log, sqrt (and other fractional powers) and division need of their arguments."""
    found: dict[tuple, Restriction] = {}
    for node in sp.preorder_traversal(sym):
        u = kind = None
        if isinstance(node, sp.log):
            u, kind = node.args[0], ">0"
        elif isinstance(node, sp.Pow) and node.exp.is_Number and not node.base.is_number:
            p = node.exp
            if not integral_exponent(p):
                u, kind = node.base, ">0" if p < 0 else ">=0"
            elif p < 0:
                u, kind = node.base, "!=0"
        if u is None or u.is_number:
            continue
        # Already settled by the variables' own assumptions (e.g. x**2 + 1 > 0): nothing to report.
        if (kind == ">0" and u.is_positive) or (kind == ">=0" and u.is_nonnegative) or (kind == "!=0" and u.is_nonzero):
            continue
        text = format_sym(u)
        op = {">0": ">", ">=0": "≥", "!=0": "≠"}[kind]
        found.setdefault((text, kind), Restriction(f"{text} {op} 0", format_sym(node), u, kind))
    return list(found.values())


@dataclass(frozen=True)
class Domain:
    variables: tuple[str, ...]
    intervals: tuple[Interval, ...]
    restrictions: tuple[Restriction, ...] = ()
    notes: tuple[str, ...] = ()  # what the implied restrictions did to the box

    def describe(self) -> list[str]:
        parts = [iv.describe(v) for v, iv in zip(self.variables, self.intervals) if not iv.whole]
        parts += [r.condition for r in self.restrictions if not self._in_box(r)]
        return parts or [", ".join(self.variables) + " ∈ ℝ" if self.variables else "ℝ⁰"]

    def _in_box(self, r: Restriction) -> bool:
        if not r.argument.is_Symbol:
            return False
        iv = self.intervals[self.variables.index(str(r.argument))]
        return r.kind != "!=0" or not iv.contains(np.zeros(1))[0]

    @property
    def convex_set(self) -> bool:
        """A box cut by u ≥ 0 or u > 0 is treated as convex (true for affine u); `x ≠ 0` across the box is not."""
        return not any(r.kind == "!=0" and not self._in_box(r) for r in self.restrictions)

    def contains(self, expr: Expression, X: np.ndarray) -> np.ndarray:
        """Which points of X (m, n) lie in the domain and give a finite f."""
        X = np.asarray(X, dtype=float).reshape(-1, len(self.variables))
        mask = np.ones(len(X), dtype=bool)
        for i, iv in enumerate(self.intervals):
            mask &= iv.contains(X[:, i])
        for r in self.restrictions:
            mask &= _restriction_holds(expr, r, X)
        with np.errstate(all="ignore"):
            mask &= np.isfinite(expr.f(X))
        return mask

    def segment_inside(self, expr: Expression, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether the segment [a, b] stays in the domain: no `u ≠ 0` condition changes sign along it."""
        S = a + np.linspace(0, 1, 257)[:, None] * (b - a)
        if not self.contains(expr, S).all():
            return False
        for r in self.restrictions:
            if r.kind == "!=0":
                u = _restriction_value(expr, r, S)
                if not ((u > 0).all() or (u < 0).all()):
                    return False
        return True

    def sample(self, expr: Expression, m: int, rng: np.random.Generator, decimals: int | None = None) -> np.ndarray:
        """Up to m random points in the domain, shape (k, n); rounded to `decimals` for readable witnesses."""
        n = len(self.variables)
        X = np.empty((m, n))
        for i, iv in enumerate(self.intervals):
            X[:, i] = iv.sample(rng, m)
        if decimals is not None:
            for i, iv in enumerate(self.intervals):
                # A box narrower than 1 needs more digits, or every point rounds onto a few values or out of it.
                width = iv.hi - iv.lo
                d = decimals + max(0, math.ceil(-math.log10(width)) + 2) if 0 < width < 1 else decimals
                with np.errstate(over="ignore"):  # |x| near 1e308 overflows while rounding: keep it as it is
                    R = np.round(X[:, i], min(d, 300))
                X[:, i] = np.where(np.isfinite(R), R, X[:, i])
        return X[self.contains(expr, X)]

    def anchor(self) -> np.ndarray:
        """A readable point of the box: 0 where allowed, else 1 inside the nearest end."""
        x = []
        for iv in self.intervals:
            if iv.contains(np.zeros(1))[0]:
                x.append(0.0)
            elif iv.lo > -math.inf and iv.hi < math.inf:
                x.append((iv.lo + iv.hi) / 2)
            elif iv.lo > -math.inf:
                x.append(iv.lo + 1.0)
            else:
                x.append(iv.hi - 1.0)
        return np.asarray(x)


def _restriction_value(expr: Expression, r: Restriction, X: np.ndarray) -> np.ndarray:
    from gdcli.expr.compile import NumpyOps, compile_exprs

    with np.errstate(all="ignore"):
        (u,) = compile_exprs([r.argument], expr.symbols, NumpyOps)(*[X[:, i] for i in range(X.shape[1])])
    return np.broadcast_to(np.asarray(u, dtype=float), (len(X),))


def _restriction_holds(expr: Expression, r: Restriction, X: np.ndarray) -> np.ndarray:
    u = _restriction_value(expr, r, X)
    return {">0": u > 0, ">=0": u >= 0, "!=0": u != 0}[r.kind]


def _parse_item(item: str, variables: tuple[str, ...]) -> list[tuple[str, Interval]]:
    def var(name: str) -> str:
        if name not in variables:
            raise UsageError(f"--domain: '{name}' is not a variable of the expression (its variables: {', '.join(variables) or 'none'})")
        return name

    if "=" in item and ":" in item and not _SPLIT.search(item):
        name, _, rng = item.partition("=")
        lo_text, sep, hi_text = rng.partition(":")
        lo = constant_value(lo_text, "--domain") if lo_text.strip() else -math.inf
        hi = constant_value(hi_text, "--domain") if hi_text.strip() else math.inf
        return [(var(name.strip()), Interval(lo, hi, lo == -math.inf, hi == math.inf))]
    tokens = [t.strip() for t in _SPLIT.split(item)]
    if len(tokens) < 3 or len(tokens) % 2 == 0:
        raise UsageError(f"--domain: cannot read '{item}'; write bounds such as x>0, 0<=x<=5 or x=-5:5")
    out = []
    for left, op, right in zip(tokens[0::2], tokens[1::2], tokens[2::2]):
        op = _OPS[op]
        if left in variables or re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", left) and left not in ("pi", "e"):
            name, bound = var(left), constant_value(right, "--domain")
        elif right in variables or re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", right) and right not in ("pi", "e"):
            name, bound = var(right), constant_value(left, "--domain")
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
        else:
            raise UsageError(f"--domain: '{item}' must bound a single variable by a number, e.g. x>0")
        if op in (">", ">="):
            out.append((name, Interval(bound, math.inf, op == ">", True)))
        else:
            out.append((name, Interval(-math.inf, bound, True, op == "<")))
    return out


def make_domain(expr: Expression, text=None) -> Domain:
    """The user's box (`x>0, y>0`, `x=-5:5`), then tightened by the restrictions on single variables."""
    variables = expr.variables
    box = {v: Interval() for v in variables}
    items = text if isinstance(text, (list, tuple)) else ([] if not text else split_top_level(str(text)))
    for item in items:
        if not str(item).strip():
            continue
        for name, iv in _parse_item(str(item).strip(), variables):
            box[name] = box[name].intersect(iv)
    restrictions = implied_restrictions(expr.sym)
    for r in restrictions:
        never = r.argument.is_negative if r.kind == ">=0" else (r.argument.is_nonpositive if r.kind == ">0" else r.argument.is_zero)
        if never:
            raise UsageError(f"the domain of {expr.text} is empty: {r.condition} (needed by {r.needed_by}) holds for no "
                             f"real {', '.join(variables)}")
    notes = []
    for r in restrictions:
        if r.argument.is_Symbol and r.kind != "!=0":
            name = str(r.argument)
            tighter = box[name].intersect(Interval(0.0, math.inf, r.kind == ">0", True))
            if tighter != box[name]:
                notes.append(f"{tighter.describe(name)} (needed by {r.needed_by})")
            box[name] = tighter
    for name, iv in box.items():
        if iv.empty:
            raise UsageError(f"--domain: the domain of {name} is empty ({iv.describe(name)})")
    return Domain(variables, tuple(box[v] for v in variables), tuple(restrictions), tuple(notes))
