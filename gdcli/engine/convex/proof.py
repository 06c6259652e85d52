"""Decide convexity: constant Hessian, the sign of f'', composition rules, then sampling for a witness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy as sp

from gdcli.engine.calculus.definiteness import decide, exact_form
from gdcli.engine.convex.rules import RulesResult, curvature_by_rules
from gdcli.engine.convex.second import second_derivative, separable
from gdcli.engine.convex.domain import Domain, make_domain
from gdcli.engine.convex.witness import HessianWitness, JensenWitness, find_jensen, jensen_trials, verify_hessian
from gdcli.expr import Expression, format_sym
from gdcli.expr.budget import Budget
from gdcli.expr.functions import NONSMOOTH

VERDICTS = ("affine", "strictly-convex", "convex", "strictly-concave", "concave", "neither", "not-convex", "not-concave",
            "unknown")
# What else a verdict establishes, so `--expect convex` holds for a strictly convex or affine function.
IMPLIES = {
    "affine": {"convex", "concave"},
    "strictly-convex": {"convex", "not-concave"},
    "strictly-concave": {"concave", "not-convex"},
    "neither": {"not-convex", "not-concave"},
}
EXPECTATIONS = VERDICTS
ALIASES = {"nonconvex": "not-convex", "non-convex": "not-convex", "nonconcave": "not-concave", "linear": "affine"}
FLAGS = {  # verdict -> (convex, concave)
    "affine": (True, True), "strictly-convex": (True, False), "convex": (True, False),
    "strictly-concave": (False, True), "concave": (False, True), "neither": (False, False),
    "not-convex": (False, None), "not-concave": (None, False), "unknown": (None, None),
}


@dataclass(frozen=True)
class Sampling:
    points: int  # points of the domain where the Hessian was checked
    triples: int  # Jensen triples (a, b, α) checked
    eigenvalue_range: list[float] | None  # smallest and largest Hessian eigenvalue seen
    convexity_violations: int
    concavity_violations: int


@dataclass(frozen=True)
class ConvexResult:
    expression: str
    variables: list[str]
    verdict: str
    convex: bool | None
    concave: bool | None
    proved: bool
    method: str  # constant-hessian, second-derivative, rules, sampling
    reason: str
    witness: JensenWitness | HessianWitness | None  # against convexity
    not_concave_witness: JensenWitness | HessianWitness | None = None
    domain: list[str] = field(default_factory=list)
    restrictions: list[str] = field(default_factory=list)
    domain_notes: list[str] = field(default_factory=list)
    domain_convex: bool = True
    trace: list[str] = field(default_factory=list)
    hessian: list[list[str]] | None = None
    eigenvalues: list[float] | None = None
    eigenvalues_exact: list[str] | None = None
    second_derivative: str | None = None
    sampling: Sampling | None = None
    seed: int = 0
    interrupted: bool = False
    expected: str | None = None  # --expect, and whether the verdict satisfies it
    expect_met: bool | None = None
    plot: str | None = None
    plot_note: str | None = None  # why no picture was drawn (a function of three variables), if one was asked for
    notes: list[str] = field(default_factory=list)  # symbolic steps the time budget skipped, and what stood in


def satisfies(verdict: str, expected: str) -> bool:
    expected = ALIASES.get(expected, expected)
    return expected == verdict or expected in IMPLIES.get(verdict, set())


# -- 1. a constant Hessian --------------------------------------------------------------------------------

def _rational(H: sp.Matrix) -> sp.Matrix:
    """The decimals a user typed (0.5, 1e-100) as exact rationals: signs are decided exactly."""
    return H.applyfunc(exact_form)


def _constant_hessian(H: sp.Matrix, budget: Budget, notes: list[str]):
    """(kind, exact eigenvalues or None, float eigenvalues, decided exactly)."""
    H = _rational(H)
    lam = np.linalg.eigvalsh(np.asarray(H.evalf(), dtype=float)).tolist()
    d = decide(H, lam, budget, notes)
    exact = d.eigenvalues_exact
    return d.kind, exact, ([float(e) for e in exact] if exact is not None else lam), d.exact


def _short(e: sp.Expr) -> str:
    """An exact number as written, unless it runs long (1e200 is 10**200, 201 digits): then its float."""
    text = format_sym(e)
    return text if len(text) <= 24 else f"{float(e):.6g}"


KIND_VERDICT = {"positive-definite": "strictly-convex", "positive-semidefinite": "convex",
                "negative-definite": "strictly-concave", "negative-semidefinite": "concave", "indefinite": "neither"}


# -- 3. rules, on the variables' signs from the domain ------------------------------------------------------

def _signed_symbols(expr: Expression, domain: Domain) -> dict:
    subs = {}
    for s, iv in zip(expr.symbols, domain.intervals):
        if iv.lo > 0 or (iv.lo == 0 and iv.lo_open):
            subs[s] = sp.Symbol(s.name, positive=True)
        elif iv.lo == 0:
            subs[s] = sp.Symbol(s.name, nonnegative=True)
        elif iv.hi < 0 or (iv.hi == 0 and iv.hi_open):
            subs[s] = sp.Symbol(s.name, negative=True)
        elif iv.hi == 0:
            subs[s] = sp.Symbol(s.name, nonpositive=True)
    return subs


# -- 4. sampling ------------------------------------------------------------------------------------------

def counterexamples(expr: Expression, domain: Domain, rng: np.random.Generator, m: int, smooth: bool,
                    tick: Callable[[], None] = lambda: None):
    """Sample the domain (one evaluator call per test); return (witness against convexity, against concavity, Sampling)."""
    X = domain.sample(expr, m, rng, decimals=2)
    lam_range, hess = None, {1: None, -1: None}
    n_neg = n_pos = 0
    if smooth and len(X):
        H = expr.hessian(X)
        ok = np.isfinite(H).all(axis=(1, 2))
        lam = np.linalg.eigvalsh((H[ok] + np.swapaxes(H[ok], 1, 2)) / 2)
        if len(lam):
            lam_range = [float(lam.min()), float(lam.max())]
            scale = 1e-8 * np.maximum(1.0, np.abs(lam).max(axis=1))
            neg, pos = lam[:, 0] < -scale, lam[:, -1] > scale
            n_neg, n_pos = int(neg.sum()), int(pos.sum())
            Xok = X[ok]
            anchor = domain.anchor()
            for sense, hit, col in ((1, neg, 0), (-1, pos, -1)):
                if hit.any():
                    hess[sense] = verify_hessian(expr, domain, anchor, sense) if domain.contains(expr, anchor[None]).all() else None
                    if hess[sense] is None:
                        i = np.flatnonzero(hit)[np.argmax(np.abs(lam[hit, col]))]
                        hess[sense] = verify_hessian(expr, domain, Xok[i], sense)
    tick()
    trials = jensen_trials(expr, domain, rng, m)
    gap = trials[3]
    tick()
    found = {}
    for sense in (1, -1):
        found[sense] = find_jensen(expr, domain, sense, trials, hess[sense]) or hess[sense]
    stats = Sampling(int(len(X)), int(len(gap)), lam_range, int((gap > 0).sum()) + n_neg, int((gap < 0).sum()) + n_pos)
    return found[1], found[-1], stats


def decide_convexity(expr: Expression, domain_text=None, *, samples: int = 4000, seed: int = 0,
                     tick: Callable[[], None] = lambda: None, budget: Budget | None = None) -> ConvexResult:
    """The verdict with the method that decided it, the reason, and a verified witness when not convex.

    Under `budget`, a symbolic step that runs out is skipped with a note and the next method is tried; sampling
    (numeric) always remains, so the answer is never a proof that was not made.
    """
    budget = budget or Budget(None)
    notes: list[str] = []
    with budget.step("the domain"):
        domain = make_domain(expr, domain_text)
    rng = np.random.default_rng(seed)
    base = dict(expression=expr.text, variables=list(expr.variables), domain=domain.describe(),
                restrictions=[r.describe() for r in domain.restrictions], domain_notes=list(domain.notes),
                domain_convex=domain.convex_set, seed=seed, notes=notes)
    n = len(expr.variables)
    smooth = not expr.sym.has(*NONSMOOTH)
    with budget.step("compiling f"):
        expr.f(np.zeros((1, n)))
    H = budget.attempt("the symbolic Hessian", lambda: expr.hessian_sym) if smooth else None
    if smooth and (H is None or budget.attempt("compiling the Hessian", lambda: expr.hessian(np.zeros(n))) is None):
        notes.append(budget.note("the symbolic Hessian", "no Hessian proof, and sampling uses Jensen triples only"))
        smooth, H = False, None

    def result(verdict, proved, method, reason, witness=None, other=None, **extra):
        convex, concave = FLAGS[verdict]
        return ConvexResult(verdict=verdict, convex=convex, concave=concave, proved=proved, method=method,
                            reason=reason, witness=witness, not_concave_witness=other, **base, **extra)

    def with_witnesses(verdict, method, reason, **extra):
        try:
            w, other, _ = counterexamples(expr, domain, rng, samples, smooth, tick)
        except KeyboardInterrupt:
            return result(verdict, True, method, reason, interrupted=True, **extra)
        return result(verdict, True, method, reason, w, other, **extra)

    if n == 0:
        return result("affine", True, "constant", f"{expr.text} is a constant")

    if smooth:
        if not any(e.free_symbols for e in H):
            kind, exact, lam, decided = _constant_hessian(H, budget, notes)
            rows = [[format_sym(e) for e in _rational(H).row(i)] for i in range(n)]
            shown = ", ".join(_short(e) for e in exact) if exact is not None else ", ".join(f"{v:.6g}" for v in lam)
            if all(e == 0 for e in H):
                verdict, reason = "affine", "the Hessian is zero everywhere: f is affine (both convex and concave)"
            else:
                verdict = KIND_VERDICT[kind]
                shown_h = "[" + ", ".join("[" + ", ".join(_short(e) for e in _rational(H).row(i)) + "]" for i in range(n)) + "]"
                reason = (f"the Hessian {shown_h} is constant; its eigenvalues {shown} make it {kind}"
                          + (" (decided exactly)" if decided else " (decided in floating point)"))
            extra = dict(hessian=rows, eigenvalues=lam, eigenvalues_exact=None if exact is None else [format_sym(e) for e in exact])
            if verdict == "neither":
                return with_witnesses(verdict, "constant-hessian", reason, **extra)
            return result(verdict, decided, "constant-hessian", reason, **extra)

        if n == 1:
            verdict, reason, f2 = second_derivative(expr, domain, budget, notes)
            if verdict == "neither":
                return with_witnesses(verdict, "second-derivative", reason, second_derivative=f2)
            if verdict is not None:
                return result(verdict, True, "second-derivative", reason, second_derivative=f2)

    if smooth and n > 1:
        split = separable(expr, domain, budget, notes)
        if split is not None:
            return result(split[0], True, "separable", split[1])

    rules = budget.attempt("the composition rules", lambda: curvature_by_rules(expr.sym.xreplace(_signed_symbols(expr, domain))))
    if rules is None:
        notes.append(budget.note("the composition rules", "the verdict comes from sampling"))
        rules = RulesResult("unknown", [])
    if rules.curvature != "unknown":
        why = f"the composition rules prove f {rules.curvature}" + ("" if not domain.restrictions else " on its domain")
        return result(rules.curvature, True, "rules", why, trace=rules.trace)

    interrupted = False
    try:
        w, other, stats = counterexamples(expr, domain, rng, samples, smooth, tick)
    except KeyboardInterrupt:
        w = other = stats = None
        interrupted = True
    if stats is None or stats.points == 0:
        what = "sampling was interrupted" if interrupted else "no sampled point lies in the domain"
        return result("unknown", False, "sampling", what, trace=rules.trace, interrupted=interrupted)
    tests = f"{stats.triples} Jensen triples" + (f" and the Hessian at {stats.points} points" if smooth else
                                                 " (non-smooth: Hessians are not used)")
    if w is not None and other is not None:
        verdict, why = "neither", f"no rule applies; sampling {tests} found verified violations of both convexity and concavity"
    elif w is not None:
        verdict, why = "not-convex", f"no rule applies; sampling {tests} found a verified violation of convexity (none of concavity)"
    elif other is not None:
        verdict, why = "not-concave", f"no rule applies; sampling {tests} found a verified violation of concavity (none of convexity)"
    else:
        seen = "" if stats.eigenvalue_range is None else \
            f"; Hessian eigenvalues seen in [{stats.eigenvalue_range[0] + 0.0:.4g}, {stats.eigenvalue_range[1] + 0.0:.4g}]"
        verdict, why = "unknown", (f"no rule applies and sampling {tests} (seed {seed}) found no violation of convexity or concavity{seen}; "
                                   "sampling alone never proves convexity")
    if not domain.convex_set:
        why += "; note the domain (" + ", ".join(domain.describe()) + ") is not convex: give --domain to pick one piece"
    return result(verdict, False, "sampling", why, w, other, trace=rules.trace, sampling=stats, interrupted=interrupted)
