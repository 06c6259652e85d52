"""One variable: convexity from the sign of f'' on an interval; separable sums from their one-variable terms."""

from __future__ import annotations

import math

import sympy as sp

from gdcli.engine.calculus.definiteness import exact_form
from gdcli.engine.convex.domain import Domain, Interval
from gdcli.expr import Expression, format_sym
from gdcli.expr.budget import Budget
from gdcli.expr.functions import sigmoid, softplus


def elementary(e: sp.Expr) -> sp.Expr:
    """sigmoid and softplus written with exp and log, so SymPy's sign reasoning sees through them
    (softplus'' = e^x/(1+e^x)² > 0: strictly convex)."""
    return e.replace(sigmoid, lambda u: 1 / (1 + sp.exp(-u))).replace(softplus, lambda u: sp.log(1 + sp.exp(u)))


# -- 2. one variable: the sign of f'' on the interval ---------------------------------------------------------

def _on_interval(f2: sp.Expr, x: sp.Symbol, iv: Interval) -> sp.Expr:
    """f'' with x written as lo + t or hi − t (t > 0), so SymPy's assumptions know the interval (or a superset)."""
    t = sp.Symbol("t", positive=True)
    if iv.lo > -math.inf:
        return f2.xreplace({x: sp.Rational(repr(iv.lo)) + t})
    if iv.hi < math.inf:
        return f2.xreplace({x: sp.Rational(repr(iv.hi)) - t})
    return f2


def _pieces(f2: sp.Expr, x: sp.Symbol, iv: Interval):
    """For a rational f'': [(lo, hi, sign)] on the pieces of the interval between its real roots; None otherwise."""
    num, den = sp.fraction(sp.together(f2))
    try:
        pn, pd = sp.Poly(num, x), sp.Poly(den, x)
        if not (pn.domain.is_QQ or pn.domain.is_ZZ) or not (pd.domain.is_QQ or pd.domain.is_ZZ):
            return None
        roots = sorted({float(r) for r in sp.real_roots(pn)}) if not pn.is_zero else []
        poles = sorted({float(r) for r in sp.real_roots(pd)}) if pd.degree() > 0 else []
    except (sp.PolynomialError, sp.polys.polyerrors.PolynomialError, NotImplementedError):
        return None
    if pn.is_zero:
        return []
    inside = lambda c: iv.lo < c < iv.hi  # noqa: E731
    if any(inside(p) for p in poles):
        return None  # f'' is undefined inside the interval: its domain is not an interval
    cuts = [iv.lo] + [r for r in roots if inside(r)] + [iv.hi]
    out = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if lo == -math.inf and hi == math.inf:
            q = 0.0
        elif lo == -math.inf:
            q = hi - 1.0
        elif hi == math.inf:
            q = lo + 1.0
        else:
            q = (lo + hi) / 2
        s = sp.sign(f2.xreplace({x: sp.Rational(repr(q))}))
        out.append((lo, hi, int(s)))
    return out


def _num(v: float) -> str:
    return "−∞" if v == -math.inf else ("∞" if v == math.inf else f"{v:.6g}")


def second_derivative(expr: Expression, domain: Domain, budget: Budget, notes: list[str]):
    """(verdict or None, reason, f'' text); 'neither' when f'' changes sign on the interval."""
    x, iv = expr.symbols[0], domain.intervals[0]
    raw = budget.attempt("the second derivative", lambda: elementary(exact_form(sp.diff(expr.sym, x, 2))))
    if raw is None:
        notes.append(budget.note("the second derivative", "no f'' proof was tried"))
        return None, "f'' was not computed within the time budget", None
    f2 = budget.attempt("simplification of f''", lambda: sp.simplify(raw))
    if f2 is None:
        f2 = raw
        notes.append(budget.note("simplification of f''", "f'' is used as differentiated"))
    text = format_sym(f2)
    where = iv.describe(str(x))
    pieces = budget.attempt("the sign of f''", lambda: _pieces(f2, x, iv))
    if pieces is None and "the sign of f''" in budget.skipped:
        notes.append(budget.note("the sign of f''", "no f'' proof"))
        return None, f"the sign of f''({x}) = {text} was not decided within the time budget", text
    if pieces is not None:
        if not pieces:
            return "affine", f"f''({x}) = 0 on {where}", text
        signs = {s for _, _, s in pieces}
        zeros = [_num(hi) for _, hi, _ in pieces[:-1]]
        at = f", zero only at {x} = {', '.join(zeros)} (isolated), so f is strictly" if zeros else ""
        if signs == {1}:
            return "strictly-convex", f"f''({x}) = {text} {'≥' if zeros else '>'} 0 on {where}{at}{' convex' * bool(zeros)}", text
        if signs == {-1}:
            return "strictly-concave", f"f''({x}) = {text} {'≤' if zeros else '<'} 0 on {where}{at}{' concave' * bool(zeros)}", text
        if 1 in signs and -1 in signs:
            parts = ", ".join(f"{'> 0' if s > 0 else '< 0'} on ({_num(lo)}, {_num(hi)})" for lo, hi, s in pieces if s)
            return "neither", f"f''({x}) = {text} changes sign: {parts}", text
    g = _on_interval(f2, x, iv)
    sign = budget.attempt("the sign of f''", lambda: (g.is_positive, g.is_negative, g.is_nonnegative, g.is_nonpositive))
    if sign is None:
        notes.append(budget.note("the sign of f''", "no f'' proof"))
        return None, f"the sign of f''({x}) = {text} was not decided within the time budget", text
    if sign[0]:
        return "strictly-convex", f"f''({x}) = {text} > 0 on {where}", text
    if sign[1]:
        return "strictly-concave", f"f''({x}) = {text} < 0 on {where}", text
    if sign[2]:
        return "convex", f"f''({x}) = {text} ≥ 0 on {where}", text
    if sign[3]:
        return "concave", f"f''({x}) = {text} ≤ 0 on {where}", text
    return None, f"the sign of f''({x}) = {text} on {where} is not decided symbolically", text


STRICT = {"strictly-convex": 1, "strictly-concave": -1}


def separable(expr: Expression, domain: Domain, budget: Budget, notes: list[str]):
    """f = Σ_v g_v(v), every variable in its own smooth terms: strictly convex (concave) when every g_v is, by the
    sign of g_v''. (verdict, reason) or None when f is not separable or the terms do not all agree strictly."""
    groups: dict[sp.Symbol, list[sp.Expr]] = {s: [] for s in expr.symbols}
    for term in sp.Add.make_args(expr.sym):
        free = term.free_symbols
        if len(free) > 1:
            return None
        if free:
            groups[next(iter(free))].append(term)
    if any(not terms for terms in groups.values()):
        return None
    reasons, senses = [], set()
    for i, (s, terms) in enumerate(groups.items()):
        g = sp.Add(*terms)
        sub = Expression(text=format_sym(g), sym=g, variables=(expr.variables[i],), symbols=(s,))
        verdict, reason, _ = second_derivative(sub, Domain((expr.variables[i],), (domain.intervals[i],)), budget, notes)
        if verdict not in STRICT:
            return None
        senses.add(STRICT[verdict])
        reasons.append(f"{format_sym(g)}: {reason}")
    if len(senses) != 1:
        return None
    verdict = "strictly-convex" if senses == {1} else "strictly-concave"
    return verdict, (f"f is a separable sum of one-variable terms, each {verdict.replace('-', ' ')} "
                     f"({'; '.join(reasons)}), so f is {verdict.replace('-', ' ')}")
