"""The gradient check: an analytic gradient against finite differences, component by component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from gdcli.engine.calculus.kinks import Kink, one_sided
from gdcli.engine.calculus.numdiff import combine, effective_step, perturbed_points, step_error
from gdcli.engine.calculus.stepsweep import Sweep
from gdcli.errors import UsageError

DTYPES = {"float64": np.float64, "float32": np.float32, "float16": np.float16}
# Central differences carry ~eps^(2/3) round-off relative to f: 2e-5 in float32, 1e-2 in float16 (eps16 = 2^-10).
DEFAULT_TOL = {"float64": 1e-6, "float32": 1e-2, "float16": 1e-1}


@dataclass(frozen=True)
class Component:
    variable: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool
    kink: bool  # f is not differentiable along this variable here (a kink, a jump, an infinite slope)
    h: float
    step_error: float = 0.0  # |((x + h) − x) − h| / h: a given h that x cannot represent (1e-15 at 1 -> 0.11)
    one_sided: list[float] | None = None  # [left, right] derivatives of f at a kink, from differences of f alone
    note: str | None = None  # why a component failed or was exempt, when it is not the plain comparison


@dataclass(frozen=True)
class GradcheckResult:
    subject: str  # the expression, or module:function
    analytic_source: str  # symbolic, autodiff, the hand gradient, or module:function
    variables: list[str]
    point: list[float]
    value: float
    method: str
    dtype: str
    tol: float
    floor: float
    passed: bool | None  # None at a non-differentiable point (unless strict)
    verdict: str  # "pass", "fail" or "non-differentiable"
    max_relative_error: float
    max_abs_error: float
    worst: str | None  # the variable with the largest relative error
    failing: list[str]
    components: list[Component]
    differentiable: bool
    kinks: list[Kink]
    vectorised: bool
    evaluations: int  # distinct points f is evaluated at: n + 1 one-sided (seed 002's 30,731), 2n + 1 central
    strict: bool = False
    sweep: Sweep | None = None
    interrupted: bool = False
    roundoff: float = 0.0  # eps·max(1, |f|) / h: the size of the round-off in the difference quotient


def round_off(value: float, h: np.ndarray, dtype) -> float:
    """eps·max(1, |f|) / h: f(x ± h) carry eps·max(1, |f|) each, and the quotient divides their difference by h."""
    scale = max(1.0, abs(value)) if np.isfinite(value) else 1.0
    return float(np.finfo(dtype).eps) * scale / float(np.min(h))


def relative_errors(a: np.ndarray, n: np.ndarray, floor: float) -> np.ndarray:
    """|a - n| / max(|a|, |n|, floor): relative where the gradient is large, absolute/floor near zero."""
    with np.errstate(all="ignore"):
        r = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return np.where(np.isfinite(r), r, np.inf)


def auto_floor(value: float, h: np.ndarray, tol: float, dtype) -> float:
    """The smallest gradient magnitude the difference quotient resolves to `tol`.

    Dividing the round-off (`round_off`) by tol, with a margin of 10, means round-off alone can never fail the
    check near a zero component.
    """
    return 10 * round_off(value, h, dtype) / tol


def check_gradient(f: Callable[[np.ndarray], np.ndarray], x, analytic, *, variables, subject: str, analytic_source: str,
                   method: str = "central", h=None, dtype: str = "float64", tol: float | None = None,
                   floor: float | None = None, kinks_at: Callable[[np.ndarray, np.ndarray], list[Kink]] | None = None,
                   vectorised: bool = True, strict: bool = False, sweep: Sweep | None = None) -> GradcheckResult:
    """Compare `analytic` (n,) with the `method` difference quotient of the batched f (m, n) -> (m,) at x."""
    dt = DTYPES[dtype]
    tol = DEFAULT_TOL[dtype] if tol is None else float(tol)
    x = np.asarray(x, dtype=dt)
    if x.size == 0:
        raise UsageError(f"{subject} has no variables, so there is no gradient to check")
    a = np.asarray(analytic, dtype=float)
    steps = effective_step(x, method, h, dt)
    if not steps.all():
        given = "the step" if h is None else f"h = {float(np.min(np.abs(np.asarray(h, dtype=float)))):g}"
        raise UsageError(f"{given} rounds to 0 in {dtype} (its smallest step is "
                         f"{float(np.finfo(dt).smallest_subnormal):.3g}); give a larger --h")
    P = perturbed_points(x, steps, method)
    with np.errstate(all="ignore"):
        values = np.asarray(f(np.vstack([x[None, :], P])), dtype=float)
    value = float(values[0])
    if not np.isfinite(value):
        limit = "" if dt is np.float64 else f" or where {dtype} holds it (at most {float(np.finfo(dt).max):g})"
        raise UsageError(f"f is not finite at the point (f = {value}); choose a point in its domain{limit}")
    numeric = combine(values[1:], steps, method)
    if floor is None:
        # A step below the default one must not raise the floor: its round-off is the user's to see, not to hide.
        floor = auto_floor(value, np.maximum(steps, effective_step(x, method, None, dt)), tol, dt)
    floor = float(floor)
    kinks = kinks_at(x.astype(float), np.abs(steps).astype(float)) if kinks_at else []
    near = {v for k in kinks for v in k.components}
    # Differentiability is decided from f's one-sided derivatives, not from the presence of abs/max/relu: x·|x|,
    # relu(x)² and |x|³ are differentiable at 0. An analytic value that is not finite is checked the same way:
    # undefined where f is smooth (a hand gradient 1/(x-1) at 1) is a failure; sqrt at 0 is non-differentiable.
    infinite = {v for v, ai in zip(variables, a) if not np.isfinite(ai)}
    sides, bent, notes = {}, set(), {}
    for i, v in enumerate(variables):
        if v not in near and v not in infinite:
            continue
        o = one_sided(f, x.astype(float), i, v)
        if o.differentiable:
            numeric[i] = (o.left + o.right) / 2  # the limit the symmetric quotient cannot see across the kink
            sides[v] = [o.left, o.right]
            notes[v] = ("the analytic value is not finite, but f is differentiable here" if v in infinite else
                        "a kink f is differentiable across: compared with its one-sided derivatives")
        else:
            bent.add(v)
            sides[v] = None if not o.continuous else [o.left, o.right]
    if infinite & bent:
        kinks = kinks + [Kink("a derivative that is not finite", [], [], sorted(infinite & bent, key=variables.index))]
    # f(x ± h) undefined at a smooth point (log(x) at x = 1e-7 with h = 6e-6): the check cannot be made, and
    # calling it a failure would blame a right gradient.
    undefined = [v for v, q in zip(variables, numeric) if not np.isfinite(q) and v not in bent]
    rel = relative_errors(a, numeric, floor)
    err = np.abs(a - numeric)
    if undefined:
        raise UsageError(f"f is not finite at x ± h along {', '.join(undefined)} (h = {float(np.min(steps)):.3g}): "
                         "the step leaves f's domain; give a smaller --h")
    ok = rel <= tol
    slip = step_error(x, steps)
    components = [Component(v, float(a[i]), float(numeric[i]), float(err[i]), float(rel[i]), bool(ok[i]), v in bent,
                            float(steps[i]), float(slip[i]), sides.get(v), notes.get(v)) for i, v in enumerate(variables)]
    failing = [c.variable for c in components if not c.ok]
    real_failures = [v for v in failing if v not in bent]
    if real_failures:
        verdict, passed = "fail", False
    elif bent:
        verdict, passed = "non-differentiable", (False if strict else None)
    else:
        verdict, passed = "pass", True
    worst = variables[int(np.argmax(rel))] if len(variables) else None
    return GradcheckResult(
        subject=subject, analytic_source=analytic_source, variables=list(variables), point=x.astype(float).tolist(),
        value=value, method=method, dtype=dtype, tol=tol, floor=floor, passed=passed, verdict=verdict,
        max_relative_error=float(np.max(rel, initial=0.0)), max_abs_error=float(np.max(err, initial=0.0)),
        worst=worst, failing=failing, components=components, differentiable=not bent, kinks=kinks,
        vectorised=vectorised, evaluations=len(P) + (method not in ("forward", "backward")),  # P has x if one-sided
        strict=strict, sweep=sweep,
        interrupted=bool(sweep and sweep.interrupted), roundoff=round_off(value, steps, dt),
    )


def expression_function(expr, dtype: str = "float64") -> Callable[[np.ndarray], np.ndarray]:
    """The expression's NumPy evaluator as points (m, n) -> (m,), computing in `dtype` throughout."""
    if dtype == "float64":
        return expr.f
    dt = DTYPES[dtype]
    return lambda X: expr.f(X, dtype=dt).astype(np.float64)
