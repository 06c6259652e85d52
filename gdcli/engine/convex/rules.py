"""Composition rules in the DCP style: curvature of an expression from its atoms, with the trace of rules used."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gdcli.engine.convex.domain import integral_exponent
from gdcli.expr import format_sym
from gdcli.expr.functions import relu, sigmoid, softplus

INC, DEC = "nondecreasing", "nonincreasing"


@dataclass(frozen=True)
class Curvature:
    convex: bool
    concave: bool

    @property
    def label(self) -> str:
        if self.convex and self.concave:
            return "affine"
        return "convex" if self.convex else ("concave" if self.concave else "unknown")

    def scaled(self, c) -> "Curvature":
        return self if c.is_nonnegative else Curvature(self.concave, self.convex)


AFFINE = Curvature(True, True)
CONVEX = Curvature(True, False)
CONCAVE = Curvature(False, True)
UNKNOWN = Curvature(False, False)


@dataclass(frozen=True)
class RulesResult:
    curvature: str  # affine, convex, concave or unknown
    trace: list[str]


def _sign(u: sp.Expr) -> str | None:
    if isinstance(u, (relu, sp.Abs)) or u.is_nonnegative:
        return "+"
    if u.is_nonpositive:
        return "-"
    return None


def _power_atom(p: sp.Expr, sign: str | None) -> tuple[Curvature, str | None, str]:
    """Curvature and monotonicity of u -> u**p given the sign of u (None if unknown)."""
    if p.is_integer and p > 0 and p.is_even:
        return CONVEX, {"+": INC, "-": DEC}.get(sign), f"u^{p} (even power) is convex"
    if p.is_integer and p > 1:
        if sign == "+":
            return CONVEX, INC, f"u^{p} is convex for u ≥ 0"
        if sign == "-":
            return CONCAVE, INC, f"u^{p} is concave for u ≤ 0"
        return UNKNOWN, INC, f"u^{p} (odd power) changes curvature at u = 0"
    if p > 1:
        return CONVEX, INC, f"u^{p} is convex for u ≥ 0"
    if 0 < p < 1:
        return CONCAVE, INC, f"u^{p} is concave for u ≥ 0"
    if p < 0:
        if sign == "-" and p.is_integer:
            return (CONVEX, INC, f"u^{p} is convex for u < 0") if p.is_even else (CONCAVE, DEC, f"u^{p} is concave for u < 0")
        if sign == "-" or (sign is None and p.is_integer):
            return UNKNOWN, None, f"u^{p} has no single curvature across u = 0"
        return CONVEX, DEC, f"u^{p} is convex and nonincreasing for u > 0"
    return UNKNOWN, None, f"u^{p}: no rule"


def _compose(h: Curvature, mono: str | None, arg: Curvature) -> Curvature:
    """h(u) with u of curvature `arg`: the DCP composition rule."""
    if arg == AFFINE:
        return h
    convex = h.convex and ((mono == INC and arg.convex) or (mono == DEC and arg.concave))
    concave = h.concave and ((mono == INC and arg.concave) or (mono == DEC and arg.convex))
    return Curvature(convex, concave)


class _Rules:
    def __init__(self):
        self.trace: list[str] = []

    def note(self, e: sp.Expr, rule: str, c: Curvature) -> Curvature:
        self.trace.append(f"{format_sym(e)}: {rule} → {c.label}")
        return c

    def curvature(self, e: sp.Expr) -> Curvature:
        if _is_affine(e):
            return AFFINE
        if e.is_Add:
            parts = [self.curvature(t) for t in e.args]
            c = Curvature(all(p.convex for p in parts), all(p.concave for p in parts))
            return self.note(e, "sum of " + ", ".join(p.label for p in parts), c)
        if e.is_Mul:
            coeff, rest = e.as_independent(*e.free_symbols, as_Add=False)
            if rest.is_Mul and coeff.is_real and coeff.is_nonzero:
                found = self.product(rest)
                if found is not None:
                    c, rule = found
                    c = self.note(rest, rule, c)
                    if coeff == 1:
                        return c
                    kind = "nonnegative scaling" if coeff.is_nonnegative else "negative scaling (swaps convex and concave)"
                    return self.note(e, f"{kind} by {format_sym(coeff)}", c.scaled(coeff))
            if rest.is_Mul or coeff == 1 or not coeff.is_real:
                return self.note(e, "product of non-constant factors: no rule", UNKNOWN)
            c = self.curvature(rest).scaled(coeff)
            kind = "nonnegative scaling" if coeff.is_nonnegative else "negative scaling (swaps convex and concave)"
            return self.note(e, f"{kind} by {format_sym(coeff)}", c)
        if isinstance(e, sp.Pow):
            return self.power(e)
        if isinstance(e, sp.log):
            return self.log(e)
        if isinstance(e, (sp.Max, sp.Min)):
            parts = [self.curvature(a) for a in e.args]
            if isinstance(e, sp.Max):
                return self.note(e, "max of " + ", ".join(p.label for p in parts), Curvature(all(p.convex for p in parts), False))
            return self.note(e, "min of " + ", ".join(p.label for p in parts), Curvature(False, all(p.concave for p in parts)))
        atoms = {
            sp.exp: (CONVEX, lambda s: INC, "exp is convex and nondecreasing"),
            softplus: (CONVEX, lambda s: INC, "softplus is convex and nondecreasing"),
            relu: (CONVEX, lambda s: INC, "relu = max(0, u) is convex and nondecreasing"),
            sp.Abs: (CONVEX, lambda s: {"+": INC, "-": DEC}.get(s), "abs is convex (a norm)"),
            sp.cosh: (CONVEX, lambda s: {"+": INC, "-": DEC}.get(s), "cosh is convex"),
        }
        if e.func in atoms and len(e.args) == 1:
            h, mono, rule = atoms[e.func]
            u = e.args[0]
            return self.composed(e, h, mono(_sign(u)), rule, u)
        return self.note(e, f"{e.func.__name__}: no rule", UNKNOWN)

    def composed(self, e, h: Curvature, mono, rule: str, u: sp.Expr) -> Curvature:
        arg = self.curvature(u)
        c = _compose(h, mono, arg)
        how = "of an affine argument" if arg == AFFINE else f"({mono or 'not monotone'}) of a {arg.label} argument"
        return self.note(e, f"{rule}; {how}", c)

    def log(self, e: sp.log) -> Curvature:
        u = e.args[0]
        if isinstance(u, sigmoid):
            return self.composed(e, CONCAVE, INC, "log-sigmoid log σ(v) = −softplus(−v) is concave and nondecreasing",
                                 u.args[0])
        terms = sp.Add.make_args(u)
        exps = [t for t in terms if any(isinstance(f, sp.exp) for f in sp.Mul.make_args(t))]
        # log(Σ c_i exp(v_i)) with c_i > 0 is log-sum-exp of v_i + log c_i: convex, nondecreasing in each v_i.
        if len(terms) > 1 and exps and all(self._positive_exp_term(t) for t in terms):
            args = [self.curvature(self._exp_arg(t)) for t in terms]
            c = Curvature(all(a.convex for a in args), False)
            return self.note(e, "log-sum-exp of " + ", ".join(a.label for a in args) + " arguments", c)
        return self.composed(e, CONCAVE, INC, "log is concave and nondecreasing", u)

    @staticmethod
    def _positive_exp_term(t: sp.Expr) -> bool:
        if t.is_number:
            return bool(t.is_positive)
        coeff, rest = t.as_independent(*t.free_symbols, as_Add=False)
        return isinstance(rest, sp.exp) and bool(coeff.is_positive)

    @staticmethod
    def _exp_arg(t: sp.Expr) -> sp.Expr:
        if t.is_number:
            return sp.Integer(0)
        return t.as_independent(*t.free_symbols, as_Add=False)[1].args[0]

    def product(self, e: sp.Mul) -> tuple[Curvature, str] | None:
        """Products with a short proof (Boyd & Vandenberghe §3.1.5 and §3.2; CVXPY's atoms), or None."""
        factors = e.args
        if all(isinstance(f, sp.exp) for f in factors):
            arg = sp.Add(*[f.args[0] for f in factors])
            return self.curvature(sp.exp(arg)), "a product of exponentials is exp of the sum of their arguments"
        power = _abs_power(factors)
        if power is not None and power[1] >= 1:
            u, p = power
            c = _compose(CONVEX, INC, Curvature(True, False) if _is_affine(u) else UNKNOWN)
            return c, f"|u|^{format_sym(p)} with {format_sym(p)} ≥ 1 is convex (a power ≥ 1 of the norm |u|, u affine)"
        over = [f for f in factors if f.is_Pow and f.exp == -1]
        rest = [f for f in factors if f not in over]
        if (len(over) == 1 and len(rest) == 1 and _is_affine(over[0].base) and over[0].base.is_positive
                and isinstance(rest[0], sp.Pow) and rest[0].exp == 2 and _is_affine(rest[0].base)):
            return CONVEX, "quadratic over linear u²/v is convex for v > 0 (u, v affine)"
        if len(factors) == 2 and any(isinstance(f, sp.log) for f in factors):
            lg = next(f for f in factors if isinstance(f, sp.log))
            other = next(f for f in factors if f is not lg)
            if other == lg.args[0] and _is_affine(other):
                return CONVEX, "u·log(u) (negative entropy) is convex for u > 0, u affine"
        return _power_product(factors)

    def power(self, e: sp.Pow) -> Curvature:
        u, p = e.base, e.exp
        if u.is_Mul and p.is_number and p.is_real and all(f.is_positive for f in u.args):
            found = _power_product([sp.Pow(f, p) for f in u.args])  # (Π u_i)^p = Π u_i^p for u_i > 0
            if found is not None:
                return self.note(e, found[1], found[0])
        if u.is_number and u.is_positive:
            # b^v = exp(v log b): convex in v, nondecreasing when b ≥ 1.
            return self.composed(e, CONVEX, INC if u >= 1 else DEC, f"{format_sym(u)}^v = exp(v·log {format_sym(u)}) is convex", p)
        if not p.is_number or not p.is_real:
            return self.note(e, "power with a variable exponent: no rule", UNKNOWN)
        if integral_exponent(p):
            p = sp.Integer(int(p))  # u**3.0 is u**3 (defined for u < 0): the odd/even power rules apply
        if p == sp.Rational(1, 2) and self._sum_of_squares(u):
            return self.note(e, "Euclidean norm of an affine expression", CONVEX)
        h, mono, rule = _power_atom(p, _sign(u))
        return self.composed(e, h, mono, rule, u)

    def _sum_of_squares(self, u: sp.Expr) -> bool:
        """u = Σ c_i g_i² + c0 with c_i, c0 ≥ 0 and g_i affine, so sqrt(u) = ‖(√c_i g_i, √c0)‖."""
        if not u.is_Add:
            return False
        for t in u.args:
            if t.is_number:
                if not t.is_nonnegative:
                    return False
                continue
            coeff, rest = t.as_independent(*t.free_symbols, as_Add=False)
            if not (coeff.is_positive and isinstance(rest, sp.Pow) and rest.exp == 2 and _is_affine(rest.base)):
                return False
        return True


def _abs_power(factors) -> tuple[sp.Expr, sp.Expr] | None:
    """(u, P) when the factors multiply to |u|^P: |u|^q and even powers u^2k of one u (x²·|x| is |x|³)."""
    base, total = None, sp.Integer(0)
    for f in factors:
        b, q = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
        if isinstance(b, sp.Abs):
            b = b.args[0]
        elif not (q.is_integer and q.is_even):
            return None
        if not q.is_number or (base is not None and b != base):
            return None
        base, total = b, total + q
    return (base, total) if any(isinstance(f.base if f.is_Pow else f, sp.Abs) for f in factors) else None


def _power_product(factors) -> tuple[Curvature, str] | None:
    """Π u_i^p_i of distinct positive affine u_i: convex when every p_i < 0; concave when every p_i > 0 and
    Σ p_i ≤ 1 (the geometric mean and Cobb-Douglas; B&V §3.1.5, CVXPY geo_mean, inv_prod)."""
    pairs = [(f.base, f.exp) if f.is_Pow else (f, sp.Integer(1)) for f in factors]
    if len({b for b, _ in pairs}) != len(pairs):
        return None
    if not all(p.is_number and p.is_real and _is_affine(b) and b.free_symbols and b.is_positive for b, p in pairs):
        return None
    ps = [p for _, p in pairs]
    if all(p.is_negative for p in ps):
        return CONVEX, "Π u_i^p_i with every p_i < 0 and u_i > 0 affine is convex (e.g. 1/(xy))"
    if all(p.is_positive for p in ps) and sp.Add(*ps) <= 1:
        return CONCAVE, "Π u_i^p_i with p_i > 0, Σ p_i ≤ 1 and u_i > 0 affine is concave (the geometric mean)"
    return None


def _is_affine(u: sp.Expr) -> bool:
    """Degree ≤ 1 by structure (never expanding: (x+y)**200 would take minutes): constants, variables, their
    sums, and products with at most one non-constant factor."""
    if not u.free_symbols or u.is_Symbol:
        return True
    if u.is_Add:
        return all(_is_affine(a) for a in u.args)
    if u.is_Mul:
        varying = [a for a in u.args if a.free_symbols]
        return len(varying) == 1 and _is_affine(varying[0])
    return False


def curvature_by_rules(sym: sp.Expr) -> RulesResult:
    """The curvature the composition rules can prove ('unknown' when no rule applies), with the rules used."""
    rules = _Rules()
    if _is_affine(sym):
        return RulesResult("affine", [f"{format_sym(sym)}: degree ≤ 1 in the variables → affine"])
    c = rules.curvature(sym)
    return RulesResult(c.label, rules.trace)
