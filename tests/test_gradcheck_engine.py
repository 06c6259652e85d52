"""The gradcheck engine: difference formulas, steps, kinks, the error measure and the step sweep, against closed forms."""

import numpy as np
import pytest

from gdcli.engine.calculus.gradcheck import auto_floor, check_gradient, expression_function, relative_errors
from gdcli.engine.calculus.kinks import find_kinks
from gdcli.engine.calculus.numdiff import approx_gradient, default_step, effective_step, per_point
from gdcli.engine.calculus.stepsweep import fit_order, step_sweep
from gdcli.errors import UsageError
from gdcli.expr import compile_expression


def _f(X):  # f = sin(x) e^y, vectorised over rows
    X = np.asarray(X, dtype=float)
    return np.sin(X[:, 0]) * np.exp(X[:, 1])


X0 = np.array([1.0, 0.5])
G0 = np.array([np.cos(1.0) * np.exp(0.5), np.sin(1.0) * np.exp(0.5)])  # the closed form


@pytest.mark.parametrize("method, tol", [("forward", 1e-6), ("backward", 1e-6), ("central", 1e-9), ("richardson", 1e-11)])
def test_difference_formulas_against_closed_form(method, tol):
    assert np.allclose(approx_gradient(_f, X0, method), G0, rtol=tol, atol=0)


def test_default_step_depends_on_dtype_and_scale():
    eps64, eps32 = np.finfo(np.float64).eps, np.finfo(np.float32).eps
    x = np.array([0.5, -8.0])
    assert np.allclose(default_step(x, "forward"), eps64 ** 0.5 * np.array([1, 8]))
    assert np.allclose(default_step(x, "central"), eps64 ** (1 / 3) * np.array([1, 8]))
    assert np.allclose(default_step(x, "central", np.float32), eps32 ** (1 / 3) * np.array([1, 8]))
    h = effective_step(np.array([3.0]), "central")
    assert (3.0 + h) - 3.0 == h  # exactly representable at x


def test_per_point_fallback_matches_vectorised():
    scalar_f = lambda p: float(np.sin(p[0]) * np.exp(p[1]))  # noqa: E731
    assert np.allclose(approx_gradient(per_point(scalar_f), X0), approx_gradient(_f, X0), rtol=0, atol=0)


def test_float32_numeric_side_is_float32():
    expr = compile_expression("exp(x)*sin(y)")
    f32 = expression_function(expr, "float32")
    x = np.array([1.0, 2.0])
    assert f32(x[None, :])[0] == np.float32(np.float32(np.exp(np.float32(1))) * np.float32(np.sin(np.float32(2))))
    err32 = np.abs(approx_gradient(f32, x, "central", dtype=np.float32) - expr.grad(x)).max()
    err64 = np.abs(approx_gradient(expr.f, x, "central") - expr.grad(x)).max()
    assert 1e-7 < err32 < 1e-3 and err64 < 1e-9  # float32 round-off is visible, float64's is not


def test_float16_point_value_and_step_are_numpys_float16():
    # Seed 003: 0.1 is stored as 0.0999755859375 in float16 (2^-4 · 1638/1024, numpy's rounding is the oracle).
    expr = compile_expression("3*x**2")
    r = check_gradient(expression_function(expr, "float16"), [0.1], expr.grad(np.array([0.1])), variables=["x"],
                       subject="3*x**2", analytic_source="symbolic", dtype="float16")
    stored = np.float16(0.1)
    assert r.point == [0.0999755859375] == [float(stored)]
    assert r.value == float(np.float16(3) * stored**2) != float(3 * float(stored) ** 2)  # in float16 throughout
    h = np.float16(np.finfo(np.float16).eps ** (1 / 3))
    assert r.components[0].h == float((stored + h) - stored)  # the default step, representable at the point
    assert r.tol == 1e-1 and r.passed is True
    assert r.roundoff == pytest.approx(np.finfo(np.float16).eps / r.components[0].h)


def test_float16_rejects_a_step_it_cannot_hold_and_the_sweep_stops_at_its_smallest():
    expr = compile_expression("x**2")
    f16 = expression_function(expr, "float16")
    with pytest.raises(UsageError, match="rounds to 0 in float16"):
        check_gradient(f16, [1.0], [2.0], variables=["x"], subject="x**2", analytic_source="symbolic",
                       dtype="float16", h=1e-9)
    s = step_sweep(f16, np.array([1.0]), np.array([2.0]), dtype=np.float16)
    assert [row.h for row in s.rows] == [10.0**-k for k in range(1, 8)]  # 1e-8 / 2 is 0 in float16
    assert all(np.isfinite(e) for row in s.rows for e in row.errors.values())


def test_relative_error_and_floor():
    r = relative_errors(np.array([12.0, 20.0, 0.0]), np.array([12.0, 24.0, 1e-12]), floor=1e-3)
    assert r[0] == 0 and r[1] == pytest.approx(4 / 24) and r[2] == pytest.approx(1e-9)
    # round-off eps*|f|/h over tol, with a margin of 10
    assert auto_floor(66.0, np.array([2e-5]), 1e-6, np.float64) == pytest.approx(10 * 2.220446049250313e-16 * 66 / 2e-5 / 1e-6)


def test_wrong_hand_gradient_points_at_w1():
    expr = compile_expression("2*w0**2 + 3*w1**2")
    x = np.array([3.0, 4.0])
    r = check_gradient(expr.f, x, [12.0, 20.0], variables=expr.variables, subject="q", analytic_source="hand")
    assert (r.verdict, r.passed, r.failing, r.worst) == ("fail", False, ["w1"], "w1")
    assert r.max_relative_error == pytest.approx(4 / 24, rel=1e-9)
    assert r.components[1].numeric == pytest.approx(24, rel=1e-12)


@pytest.mark.parametrize("text, at, bent", [
    ("abs(x)", [0.0], ["x"]), ("relu(x)", [0.0], ["x"]), ("relu(x)", [2e-6], ["x"]),  # within one step
    ("relu(x)", [1.0], []), ("max(0, 1 - y*w)", [1.0, 1.0], ["w", "y"]), ("max(0, 1 - y*w)", [2.0, 1.0], []),
    ("abs(y) + x**2", [1.0, 0.0], ["y"]), ("min(x, y) + x", [1.0, 2.0], []), ("max(x, y)", [1.0, 1.0], ["x", "y"]),
])
def test_kinks(text, at, bent):
    expr = compile_expression(text)
    kinks = find_kinks(expr, np.array(at), default_step(np.array(at)))
    assert sorted({v for k in kinks for v in k.components}) == bent


def test_kink_is_not_a_failure_but_a_real_error_elsewhere_is():
    expr = compile_expression("abs(x) + y**2")
    x = np.array([0.0, 1.0])
    kinks_at = lambda p, h: find_kinks(expr, p, h)  # noqa: E731
    wrong_at_kink = check_gradient(expr.f, x, [1.0, 2.0], variables=expr.variables, subject="s", analytic_source="a",
                                   kinks_at=kinks_at)
    assert (wrong_at_kink.verdict, wrong_at_kink.passed, wrong_at_kink.differentiable) == ("non-differentiable", None, False)
    strict = check_gradient(expr.f, x, [1.0, 2.0], variables=expr.variables, subject="s", analytic_source="a",
                            kinks_at=kinks_at, strict=True)
    assert strict.passed is False
    wrong_y = check_gradient(expr.f, x, [0.0, 3.0], variables=expr.variables, subject="s", analytic_source="a",
                             kinks_at=kinks_at)
    assert (wrong_y.verdict, wrong_y.failing) == ("fail", ["y"])


def test_sweep_orders_and_roundoff_on_a_smooth_function():
    s = step_sweep(_f, X0, G0)
    assert [r.h for r in s.rows] == [10.0 ** -k for k in range(1, 16)]
    assert s.orders["forward"] == pytest.approx(1, abs=0.05)
    assert s.orders["central"] == pytest.approx(2, abs=0.05)
    truncation = [r for r in s.rows if 1e-4 <= r.h <= 1e-2]
    for r in truncation:  # halving h halves the forward error and quarters the central error
        assert r.halving_ratios["forward"] == pytest.approx(2, rel=0.02)
        assert r.halving_ratios["central"] == pytest.approx(4, rel=0.02)
    for m in ("forward", "central"):  # round-off: below the best step the error rises again
        best = s.best_h[m]
        assert 1e-10 <= best <= 1e-4
        tiny = s.rows[-1].errors[m]
        assert tiny > 100 * min(r.errors[m] for r in s.rows)
        assert [r.regimes[m] for r in s.rows if r.h < best] == ["round-off"] * sum(r.h < best for r in s.rows)


def test_fit_order_of_exact_power_laws():
    hs = 10.0 ** -np.arange(1, 16)
    errs = 3 * hs**2 + 1e-16 / hs  # truncation h^2, round-off eps/h
    order, rng, best = fit_order(hs, errs)
    assert order == pytest.approx(2, abs=0.01) and best == pytest.approx(1e-6) and rng == [1e-4, 1e-1]
    assert fit_order(hs, 1e-16 / hs)[0] is None  # round-off only (central differences of a quadratic)


def test_sweep_interrupted_keeps_rows():
    calls = {"n": 0}

    def f(X):
        calls["n"] += 1
        if calls["n"] > 12:
            raise KeyboardInterrupt
        return _f(X)

    s = step_sweep(f, X0, G0)
    assert s.interrupted and len(s.rows) == 3


def test_given_step_stands_and_its_round_off_is_reported():
    # Seed 002: "with h = 1e-15, f(1 + h) − f(1) evaluates to an inaccurate small value". In float64 1 + 1e-15 is
    # 1 + 5·2^-52 = 1 + 1.110e-15, so the forward quotient of x² at 1 is (2·5·2^-52 + (5·2^-52)²→rounded)/1e-15.
    expr = compile_expression("x**2")
    x = np.array([1.0])
    moved = (1.0 + 1e-15) - 1.0
    assert moved == 5 * 2.0**-52
    assert effective_step(x, "forward", 1e-15)[0] == 1e-15  # the user's h, not the snapped 1.11e-15
    numeric = approx_gradient(expr.f, x, "forward", 1e-15)[0]
    assert numeric == ((1.0 + 1e-15) ** 2 - 1.0) / 1e-15
    assert abs(numeric - 2) > 0.2  # ruined by round-off: 2.22, not 2
    r = check_gradient(expr.f, x, expr.grad(x), variables=["x"], subject="x**2", analytic_source="symbolic",
                       method="forward", h=1e-15)
    assert r.verdict == "fail"  # the floor of the default step: a tiny h cannot hide its own round-off
    assert r.components[0].step_error == abs(moved - 1e-15) / 1e-15
    assert r.roundoff == np.finfo(float).eps / 1e-15
    # Below the resolution x + h == x: the quotient is 0, a relative error of exactly 1.
    r = check_gradient(expr.f, x, expr.grad(x), variables=["x"], subject="x**2", analytic_source="symbolic",
                       method="forward", h=1e-17)
    assert r.components[0].numeric == 0 and r.components[0].step_error == 1 and r.max_relative_error == 1


def test_default_step_is_still_exactly_representable():
    for x0 in (3.0, 1e-300, 1e300, -7.25):
        x = np.array([x0])
        for method in ("forward", "central"):
            h = effective_step(x, method)
            assert (x + h) - x == h and h > 0


@pytest.mark.parametrize("method, count", [("forward", 11), ("backward", 11), ("central", 21), ("richardson", 41)])
def test_evaluation_count_is_seed_002s(method, count):
    # "30,730 parameters, 30,731 evaluations": one-sided differences need f at x and at x + h·e_i for each i.
    calls = []
    expr = compile_expression(" + ".join(f"w{i}**2" for i in range(10)))

    def f(X):
        calls.extend(map(tuple, np.atleast_2d(X)))
        return expr.f(X)

    x = np.ones(10)
    r = check_gradient(f, x, expr.grad(x), variables=list(expr.variables), subject="sum", analytic_source="symbolic",
                       method=method)
    assert r.evaluations == count == len(set(calls))
