"""Critical points: solve ∇f = 0 exactly when SymPy can (and say when the list is complete), else search a box
numerically; classify each point by its Hessian, or name it a kink where f is not differentiable."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from gdcli.engine.calculus.definiteness import decide, numeric_kind
from gdcli.engine.calculus.derivatives import CLASSIFICATION
from gdcli.engine.calculus.kinks import find_kinks
from gdcli.engine.calculus.rootsearch import newton_zeros
from gdcli.errors import UsageError
from gdcli.expr import Expression, format_sym
from gdcli.expr.budget import DEFAULT_SECONDS, SymbolicTimeout, time_limit
from gdcli.expr.functions import NONSMOOTH

MAX_HESSIAN_ENTRIES = 20_000_000  # about 160 MB per copy of the stacked Hessians
NUMERIC_WARNING = ("numeric search: Newton from {starts} seeded starts in the box; it can miss critical points "
                   "(between starts, or where Newton does not converge)")


@dataclass(frozen=True)
class CriticalPoint:
    point: list[float]
    value: float
    classification: str  # minimum, maximum, saddle, degenerate, or kink (f not twice differentiable there)
    eigenvalues: list[float] | None  # of the Hessian, ascending; None at a kink
    exact: bool  # found in closed form
    coordinates: list[str] | None = None  # the closed form, when short
    local: str | None = None  # kink or degenerate: minimum, maximum or neither, from f at sampled nearby points
    kink: dict | None = None  # {functions, slopes}: what bends there; one-sided slopes in one variable


@dataclass(frozen=True)
class CriticalResult:
    expression: str
    variables: list[str]
    points: list[CriticalPoint]
    complete: bool  # every critical point (in the box, if one was given) is listed
    method: str  # symbolic, numeric, or symbolic+numeric
    domain: list[str] | None = None
    families: list[str] = field(default_factory=list)  # critical sets that are not isolated points, e.g. "x = y"
    warnings: list[str] = field(default_factory=list)
    starts: int | None = None  # Newton starts of the numeric search
    converged: int | None = None


# -- symbolic ------------------------------------------------------------------------------------------------

def _real(v: sp.Expr) -> float | None:
    """A closed-form number as a float when it is real (casus irreducibilis roots carry an I that cancels)."""
    z = complex(sp.N(v, 30))
    return z.real if abs(z.imag) <= 1e-20 * max(1.0, abs(z.real)) else None


def _interval(box, i: int):
    iv = box.intervals[i]
    return sp.Interval(iv.lo if math.isfinite(iv.lo) else -sp.oo, iv.hi if math.isfinite(iv.hi) else sp.oo,
                       iv.lo_open, iv.hi_open)


def _zeros(u: sp.Expr, expr: Expression, box) -> tuple[list[tuple], bool, list[str]]:
    """Real zeros of u: (exact points, complete, families). One variable: solveset; several: polynomial systems."""
    syms = expr.symbols
    if len(syms) == 1:
        x = syms[0]
        if u.is_polynomial(x):
            if sp.Poly(u, x).is_zero:
                return [], False, [f"every {x}"]
            return [(r,) for r in dict.fromkeys(sp.real_roots(sp.Poly(u, x)))], True, []
        found = sp.solveset(u, x, _interval(box, 0) if box is not None else sp.S.Reals)
        if isinstance(found, sp.FiniteSet):
            return [(r,) for r in found], True, []
        if found.is_empty:
            return [], True, []
        return [], False, _describe_set(x, found)
    return _poly_system([u], expr)


def _describe_set(x: sp.Symbol, found: sp.Set) -> list[str]:
    """Periodic solution sets as a reader writes them: `x = 2*n*pi + pi/2 (n ∈ ℤ)`; nothing for others."""
    parts = found.args if isinstance(found, sp.Union) else (found,)
    out = []
    for part in parts:
        if not (isinstance(part, sp.ImageSet) and part.base_sets == (sp.S.Integers,)):
            return []
        (var,) = part.lamda.variables
        out.append(f"{x} = {format_sym(part.lamda.expr.subs(var, sp.Symbol('n')))} (n ∈ ℤ)")
    return out


def _poly_system(eqs: list[sp.Expr], expr: Expression) -> tuple[list[tuple], bool, list[str]]:
    syms = expr.symbols
    if not all(e.is_polynomial(*syms) for e in eqs):
        return [], False, []
    try:
        solutions = sp.solve(eqs, list(syms), dict=True)
    except NotImplementedError:
        return [], False, []
    points, families = [], []
    for sol in solutions:
        if len(sol) < len(syms) or any(v.free_symbols for v in sol.values()):
            text = ", ".join(f"{k} = {format_sym(v)}" for k, v in sol.items())
            if all(_real(v) is not None for v in sol.values() if not v.free_symbols) and "I" not in text:
                families.append(text)
            continue
        points.append(tuple(sol[s] for s in syms))
    return points, True, families


def _piecewise_zeros(expr: Expression, box) -> tuple[list[tuple], bool, list[str]]:
    """One variable with abs, max, relu, heaviside or sign: f' = 0 on each smooth piece, within that piece."""
    x = expr.symbols[0]
    pw = sp.piecewise_fold(expr.sym.rewrite(sp.Max).rewrite(sp.Piecewise))
    if not isinstance(pw, sp.Piecewise):
        return [], False, []
    where = _interval(box, 0) if box is not None else sp.S.Reals
    covered, points, families, complete = sp.S.EmptySet, [], [], True
    for piece, cond in pw.args:
        try:
            region = cond.as_set()
        except (NotImplementedError, TypeError, ValueError):
            return [], False, []
        inside = sp.Intersection(sp.Complement(region, covered), where)
        covered = sp.Union(covered, region)
        if inside.is_empty:
            continue
        slope = sp.diff(piece, x)
        if slope == 0:
            if inside.measure > 0:  # a single point of a piece is a kink, looked at below
                families.append(f"f is constant where {_describe_region(x, inside)}")
            continue
        found = sp.solveset(slope, x, inside)
        if isinstance(found, sp.FiniteSet):
            points += [(r,) for r in found if (r,) not in points]
        elif not found.is_empty:
            complete = False
    return points, complete, families


def _describe_region(x: sp.Symbol, region: sp.Set) -> str:
    """Interval(-oo, 0, True, True) -> `x < 0`; Interval(-1, 1) -> `-1 ≤ x ≤ 1`."""
    parts = region.args if isinstance(region, sp.Union) else (region,)
    texts = []
    for iv in parts:
        if not isinstance(iv, sp.Interval):
            return format_sym(region)
        lo = "" if iv.start == -sp.oo else f"{format_sym(iv.start)} {'<' if iv.left_open else '≤'} "
        hi = "" if iv.end == sp.oo else f" {'<' if iv.right_open else '≤'} {format_sym(iv.end)}"
        texts.append(f"{lo}{x}{hi}" if lo or hi else f"{x} ∈ ℝ")
    return " or ".join(texts)


def _bend_arguments(e: sp.Expr) -> list[sp.Expr]:
    """Where abs, relu, heaviside, sign switch (their argument is 0) and max, min tie (two arguments are equal)."""
    out = []
    for node in sp.preorder_traversal(e):
        if isinstance(node, NONSMOOTH) and node.free_symbols:
            if isinstance(node, (sp.Max, sp.Min)):
                out += [a - b for i, a in enumerate(node.args) for b in node.args[i + 1:]]
            else:
                out.append(node.args[0])
    return out


def _denominator_bases(gradient) -> list[sp.Expr]:
    """The expressions whose zeros make the gradient undefined: sqrt(w0² + w1²) -> w0² + w1²."""
    out = []
    for g in gradient:
        for factor in sp.Mul.make_args(sp.fraction(sp.together(g))[1]):
            base = factor.base if factor.is_Pow else factor
            if base.free_symbols and base not in out:
                out.append(base)
    return out


def solve_symbolically(expr: Expression, box) -> tuple[list[tuple], bool, list[str], list[str]]:
    """(exact candidate points, complete, families, warnings): zeros of ∇f's numerators, and points where ∇f
    is undefined (denominators, kinks) when they are isolated."""
    syms, n = expr.symbols, len(expr.symbols)
    numerators = [sp.fraction(sp.together(g))[0] for g in expr.gradient_sym]
    smooth = not expr.sym.has(*NONSMOOTH)
    points, families, warnings = [], [], []
    if smooth:
        if n == 1:
            points, complete, families = _zeros(numerators[0], expr, box)
        else:
            points, complete, families = _poly_system(numerators, expr)
    elif n == 1:
        points, complete, families = _piecewise_zeros(expr, box)
    else:
        complete = False  # a piecewise gradient in several variables: its smooth pieces are searched numerically
    for u in _denominator_bases(expr.gradient_sym) + _bend_arguments(expr.sym):
        if n == 1:
            found, ok, _ = _zeros(u, expr, box)
        elif u.is_polynomial(*syms) and (u.is_nonnegative or u.is_nonpositive):
            # u ≥ 0 vanishes only at its minima, so u = 0 with ∇u = 0 lists all of them
            found, ok, _ = _poly_system([u] + [sp.diff(u, s) for s in syms], expr)
        else:
            found, ok = [], False
            warnings.append(f"f is not differentiable where {format_sym(u)} = 0 (a curve or surface); critical "
                            "points on it are not searched")
        points += [p for p in found if p not in points]
        complete = complete and ok
    return points, complete, families, warnings


# -- classification ------------------------------------------------------------------------------------------

def _local_shape(expr: Expression, x: np.ndarray, scale: float) -> str:
    """How f compares with f(x) on small spheres around x: minimum, maximum or neither (not a Hessian test)."""
    rng = np.random.default_rng(0)
    n = x.size
    U = rng.standard_normal((64, n))
    U = np.vstack([np.eye(n), -np.eye(n), U / np.linalg.norm(U, axis=1, keepdims=True)])
    fx = float(expr.f(x))
    near = np.concatenate([expr.f(x + r * U) for r in (1e-6 * scale, 1e-4 * scale)])
    near = near[np.isfinite(near)]  # points outside the domain of f (sqrt, log) do not count
    if near.size == 0:
        return "neither"
    diffs = near - fx
    tol = 8 * np.finfo(float).eps * max(abs(fx), float(np.max(np.abs(near))))  # round-off of the values compared
    if np.all(diffs > -tol) and np.any(diffs > tol):
        return "minimum"
    if np.all(diffs < tol) and np.any(diffs < -tol):
        return "maximum"
    return "neither"


def classify(expr: Expression, x: np.ndarray, exact: tuple | None, scale: float) -> CriticalPoint | None:
    """The point's class, or None when x is not critical after all (∇f ≠ 0 where f is smooth)."""
    value = float(expr.f(x))
    if not math.isfinite(value):
        return None
    h = 1e-7 * np.maximum(1.0, np.abs(x))
    kinks = find_kinks(expr, x, h)
    g = expr.grad(x)
    H = expr.hessian(x)
    coordinates = None if exact is None else [format_sym(c) for c in exact]
    if coordinates is not None and (max(len(c) for c in coordinates) > 40 or any(c.has(sp.CRootOf) for c in exact)):
        coordinates = None  # a root of a cubic as CRootOf(...) or a page of radicals: the number says more
    if kinks or not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
        local = _local_shape(expr, x, scale)
        info = {"functions": [k.function for k in kinks]}  # [] where ∇f is not finite
        if x.size == 1:
            step = 1e-7 * max(1.0, abs(float(x[0])))
            left = (value - float(expr.f(x - step))) / step
            right = (float(expr.f(x + step)) - value) / step
            info["slopes"] = [left, right]  # one-sided: 0 lies between them at a (Clarke) critical point
            if local == "neither" and (min(left, right) > 0 or max(left, right) < 0):
                return None  # f passes through the kink monotonically: not critical
        elif local == "neither" and not kinks and np.all(np.isfinite(g)):
            return None
        return CriticalPoint(x.tolist(), value, "kink", None, exact is not None, coordinates, local, info)
    gscale = max(1.0, abs(value), float(np.max(np.abs(H), initial=0.0)) * float(np.max(np.abs(x), initial=1.0)))
    if exact is None and np.max(np.abs(g)) > 1e-6 * gscale:
        return None
    if exact is not None and np.max(np.abs(g)) > 1e-9 * gscale:
        return None
    H = (H + H.T) / 2
    lam = np.linalg.eigvalsh(H)
    if exact is not None and all(c.is_Rational for c in exact):  # exact signs at an exact rational point
        kind = CLASSIFICATION[decide(expr.hessian_sym.subs(dict(zip(expr.symbols, exact))), lam).kind]
    else:  # a point found numerically carries its error into H: a tolerance relative to H's own scale
        kind = CLASSIFICATION[numeric_kind(lam, 1e-8 * max(1.0, float(np.max(np.abs(lam), initial=0.0))))]
    local = _local_shape(expr, x, scale) if kind == "degenerate" else None  # x⁴: lowest; x³: neither
    return CriticalPoint(x.tolist(), value, kind, lam.tolist(), exact is not None, coordinates, local)


# -- the command's mathematics ---------------------------------------------------------------------------------

def critical_points(expr: Expression, box=None, *, starts: int | None = None, seed: int = 0,
                    time_limit_s: float = DEFAULT_SECONDS, tick=None) -> CriticalResult:
    """Every critical point: exact and complete when SymPy solves ∇f = 0, else numeric in the box (required)."""
    n = len(expr.variables)
    if n == 0:
        raise UsageError("f has no variables: a constant is critical everywhere, there is nothing to find")
    if all(g == 0 for g in expr.gradient_sym):
        raise UsageError("∇f is 0 everywhere: f is constant, so every point is critical")
    warnings: list[str] = []
    try:
        with time_limit(time_limit_s, "solving ∇f = 0 symbolically"):
            exact_points, complete, families, warns = solve_symbolically(expr, box)
        warnings += warns
    except SymbolicTimeout as exc:
        exact_points, complete, families = [], False, []
        timed_out = exc.message
        warnings.append(exc.message + "; searched numerically instead")
    else:
        timed_out = None
    bounded = box is not None and all(math.isfinite(iv.lo) and math.isfinite(iv.hi) for iv in box.intervals)
    if families and not exact_points and not bounded:
        pass  # a line or surface of critical points: say so rather than sample it
    elif not complete and not bounded:
        names = ",".join(f"{v}=-5:5" for v in expr.variables)
        why = (timed_out if timed_out else f"its critical points are not isolated ({'; '.join(families)})"
               if families else "∇f = 0 has no closed-form solution SymPy can list")
        raise UsageError(f"{why}: give a bounded --domain to search numerically, e.g. --domain {names}")
    scale = 1.0 if not bounded else max(1.0, max(iv.hi - iv.lo for iv in box.intervals))
    found: list[CriticalPoint] = []
    with time_limit(time_limit_s, "evaluating the exact critical points"):  # radicals, CRootOf, exact eigenvalues
        for p in exact_points:
            coords = [_real(c) for c in p]
            if any(c is None for c in coords):
                continue
            x = np.asarray(coords, dtype=float)
            if box is not None and not all(iv.contains(np.asarray([c]))[0] for iv, c in zip(box.intervals, coords)):
                continue
            cp = classify(expr, x, p, scale)
            if cp is not None:
                found.append(cp)
    method, count, converged = "symbolic", None, None
    if not complete and not families and bounded:
        lo = np.asarray([iv.lo for iv in box.intervals])
        hi = np.asarray([iv.hi for iv in box.intervals])
        count = int(starts) if starts is not None else 500 * n
        if count * n * n > MAX_HESSIAN_ENTRIES:  # every start carries its n×n Hessian, several times over
            raise UsageError(f"{count} starts in {n} variables hold {count * n * n:,} Hessian entries at once; at "
                             f"most {MAX_HESSIAN_ENTRIES:,} (lower --starts)")
        X, converged = newton_zeros(expr, lo, hi, count, seed, tick)
        width = np.maximum(hi - lo, np.finfo(float).tiny)
        known = np.asarray([c.point for c in found]).reshape(-1, n)
        for x in X:
            x = np.where(np.abs(x) <= 1e-14 * width, 0.0, x)  # round-off around a zero coordinate
            if np.any(np.all(np.abs(known - x) <= 1e-6 * width, axis=1)):
                continue
            cp = classify(expr, x, None, scale)
            if cp is not None:
                found.append(cp)
        method = "symbolic+numeric" if exact_points else "numeric"
        warnings.append(NUMERIC_WARNING.format(starts=count))
    found.sort(key=lambda c: (c.value, c.point))
    return CriticalResult(
        expression=expr.text, variables=list(expr.variables), points=found, complete=complete and not families,
        method=method, domain=None if box is None else box.describe(), families=families, warnings=warnings,
        starts=count, converged=converged,
    )

