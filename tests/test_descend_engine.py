"""The descent loop, its stopping rules and the curvature regimes, against closed forms and the seeds."""

import math
import warnings

import numpy as np
import pytest

from gdcli.engine.optim import transforms as optim
from gdcli.engine.optim.descent import LIMIT, Settings, iterate
from gdcli.engine.optim.record import Keep
from gdcli.engine.optim.regime import classify, curvature, gd_regime, oscillation
from gdcli.engine.optim.sweep import descend, is_quadratic
from gdcli.expr import compile_expression

X2 = compile_expression("x**2")
ROSENBROCK = compile_expression("(1 - a)**2 + 100*(b - a**2)**2")


def test_table_2_1_is_the_closed_form():
    # 003, Table 2.1: x_k = x_0 (1 - 2 alpha)^k = 0.8^k; x_1 = 0.8, x_2 = 0.64, x_3 = 0.512, x_40 ~ 0.00013.
    run = descend(X2, [1.0], [Settings(lr=0.1, steps=500, tol=0.0)], keep=Keep(all_rows=True)).runs[0]
    xs = np.array([s.x[0] for s in run.history])
    np.testing.assert_allclose(xs[:4], [1, 0.8, 0.64, 0.512], rtol=1e-15)
    assert round(xs[40], 5) == 0.00013
    np.testing.assert_allclose(xs, 0.8 ** np.arange(501), rtol=1e-12)
    assert 1e-49 <= xs[500] < 1e-48  # the seed's last row: 10^-49


def test_seed_workout_step():
    # 001 §9.4: one step of lr 0.1 on 2 w0^2 + 3 w1^2 from (3, 4) lands on (1.8, 1.6) with L = 14.16.
    e = compile_expression("2*w0**2 + 3*w1**2")
    run = descend(e, [3.0, 4.0], [Settings(lr=0.1, steps=1)]).runs[0]
    np.testing.assert_allclose(run.final.point, [1.8, 1.6])
    assert run.final.value == pytest.approx(14.16)
    assert run.history[0].f == 66 and run.status == "max-steps" and run.steps == 1


# lr, predicted regime, status with the default 1000 steps and tol 1e-8 (closed form x_k = (1 - 2 lr)^k)
SWEEP = [
    (0.01, "monotone", "converged"),
    (0.1, "monotone", "converged"),
    (0.5, "one-step", "converged"),
    (0.8, "oscillating-converging", "converged"),
    (1.0, "oscillating", "max-steps"),
    (1.01, "diverging", "diverged"),
]


@pytest.mark.parametrize("lr,regime,status", SWEEP)
def test_sweep_regimes_match_prediction_and_closed_form(lr, regime, status):
    d = descend(X2, [1.0], [Settings(lr=lr)])
    run = d.runs[0]
    assert run.status == status
    assert run.regime.predicted == regime and run.regime.observed == regime and run.regime.agrees
    (direction,) = run.regime.directions
    assert direction.contraction == pytest.approx(abs(1 - 2 * lr))
    assert direction.lr_lambda == pytest.approx(2 * lr)
    if status == "converged" and lr != 0.5:
        # first k with 2 |1 - 2 lr|^k <= 1e-8
        assert run.steps == math.ceil(math.log(5e-9) / math.log(abs(1 - 2 * lr)))
    assert d.curvature.max_stable_lr == pytest.approx(1.0) and d.curvature.exact


def test_divergence_reports_step_and_value():
    run = descend(X2, [1.0], [Settings(lr=1.01)]).runs[0]
    k = math.ceil(math.log(1e6) / math.log(1.02))  # |x_k| = 1.02^k passes 1e6, so f passes 1e12
    assert run.divergence.step == run.steps == k
    assert run.divergence.value == pytest.approx(1.02 ** (2 * k))
    assert abs(run.divergence.value) > LIMIT
    assert run.oscillation is not None and run.oscillation.variables == [0]


def test_overflow_diverges_without_nan():
    e = compile_expression("exp(x**2)")
    run = descend(e, [3.0], [Settings(lr=1.0)]).runs[0]
    assert run.status == "diverged"
    assert run.final.value is None or math.isfinite(run.final.value)
    assert all(v is None or math.isfinite(v) for v in run.final.point)


def test_oscillation_detected_only_when_steps_keep_reversing():
    assert oscillation(np.array([[(-0.6) ** k] for k in range(30)])) is not None
    assert oscillation(np.array([[0.8**k] for k in range(30)])) is None
    assert oscillation(np.array([[1.0], [0.5]])) is None


def test_threshold_and_converged_at_start():
    run = descend(X2, [1.0], [Settings(lr=0.1, threshold=0.01)]).runs[0]
    # f_k = 0.64^k <= 0.01 first at k = 11
    assert run.status == "threshold" and run.steps == 11
    run = descend(X2, [0.0], [Settings(lr=0.1)]).runs[0]
    assert run.status == "converged" and run.steps == 0


def test_classify_boundaries():
    assert [classify(1 - l) for l in (0.5, 1.0, 1.5, 2.0, 2.5, 0.0, -1.0)] == [
        "monotone", "one-step", "oscillating-converging", "oscillating", "diverging", "flat", "diverging"]


def test_two_directions_observed_ratios_are_eigen_factors():
    # H = diag(2, 20): lr 0.08 gives factors 0.84 (monotone) and -0.6 (oscillating, converging).
    e = compile_expression("x**2 + 10*y**2")
    run = descend(e, [1.0, 1.0], [Settings(lr=0.08, steps=30)]).runs[0]
    ratios = sorted(d.observed_ratio for d in run.regime.directions)
    np.testing.assert_allclose(ratios, [-0.6, 0.84], rtol=1e-9)
    assert run.regime.predicted == "monotone" == run.regime.observed  # the slow direction dominates


def test_local_prediction_for_non_quadratic():
    assert not is_quadratic(ROSENBROCK) and is_quadratic(compile_expression("x*y + 3*x + 1"))
    d = descend(ROSENBROCK, [-1.5, 2.0], [Settings(lr=1e-4, steps=5)])
    assert d.curvature.scope == "local"
    np.testing.assert_allclose(d.curvature.eigenvalues, np.linalg.eigvalsh(ROSENBROCK.hessian(np.array([-1.5, 2.0]))))


# optimiser, lr, line search, steps, tol, threshold: every one reaches (1, 1) on Rosenbrock from (-1.5, 2)
ROSENBROCK_CASES = [
    ("gd", 1e-3, "none", 30000, 1e-4, None),
    ("momentum", 1e-3, "none", 5000, 1e-4, None),
    ("nesterov", 1e-3, "none", 5000, 1e-4, None),
    ("adagrad", 0.5, "none", 30000, 1e-4, None),
    ("rmsprop", 1e-3, "armijo", 20000, 1e-4, None),
    ("rmsprop", 3e-4, "none", 20000, 0.0, 1e-4),  # a fixed-size RMSProp step hovers: stop on f instead
    ("adam", 0.05, "none", 5000, 1e-4, None),
    ("newton", 1.0, "none", 30, 1e-8, None),
    ("newton", 1.0, "armijo", 40, 1e-8, None),
]


@pytest.mark.parametrize("name,lr,ls,steps,tol,threshold", ROSENBROCK_CASES)
def test_every_optimizer_reaches_the_rosenbrock_minimum(name, lr, ls, steps, tol, threshold):
    s = Settings(optimizer=name, lr=lr, line_search=ls, steps=steps, tol=tol, threshold=threshold)
    run = descend(ROSENBROCK, [-1.5, 2.0], [s]).runs[0]
    assert run.status in ("converged", "threshold")
    np.testing.assert_allclose(run.final.point, [1, 1], atol=2e-2 if threshold else 1e-3)
    if name == "newton" and ls == "none":
        assert run.steps <= 30
        np.testing.assert_allclose(run.final.point, [1, 1], atol=1e-9)


def test_newton_damps_and_says_so():
    # at (0.1, 0.5) the Hessian of x^2 - y^2 + y^4 is diag(2, -2 + 12*0.25) PD; at y = 0.1 it is indefinite
    e = compile_expression("x**2 - y**2 + y**4")
    run = descend(e, [1.0, 0.1], [Settings(optimizer="newton", lr=1.0, steps=50)]).runs[0]
    assert run.damping is not None and run.damping.first_step == 1 and run.damping.max_mu > 0
    assert run.status == "converged"
    np.testing.assert_allclose(np.abs(run.final.point), [0, 1 / math.sqrt(2)], atol=1e-8)


def test_armijo_step_sizes_are_recorded():
    run = descend(X2, [1.0], [Settings(lr=10.0, line_search="armijo", steps=50)]).runs[0]
    assert run.status == "converged"
    assert run.history[0].step_size is None
    assert all(s.step_size is not None and 0 < s.step_size <= 10.0 for s in run.history[1:])


def test_iterate_matches_a_hand_loop_and_stops_at_a_boundary():
    e = compile_expression("2*w0**2 + 3*w1**2")
    records = list(iterate(e.value_and_grad, [3.0, 4.0], optim.momentum(0.05, 0.9), steps=25))
    x, v = np.array([3.0, 4.0]), np.zeros(2)
    for s in records[1:]:
        v = 0.9 * v + e.grad(x)
        x = x - 0.05 * v
        np.testing.assert_allclose(s.x, x, rtol=1e-14)
    assert records[-1].status == "max-steps" and all(r.status is None for r in records[:-1])
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] >= 5

    # the two GD runs advance as one batch, so both stop at k = 4; the line-search run is never started
    run = descend(e, [3.0, 4.0], [Settings(lr=0.1), Settings(lr=0.2), Settings(lr=0.1, line_search="armijo")],
                  stop=stop)
    assert run.interrupted and len(run.runs) == 2
    assert [r.status for r in run.runs] == ["interrupted"] * 2 and [r.steps for r in run.runs] == [4, 4]
    np.testing.assert_allclose(run.runs[1].final.point, [3 * (1 - 0.8) ** 4, 4 * (1 - 1.2) ** 4], rtol=1e-13)


def test_curvature_of_indefinite_hessian_has_no_stable_rate():
    c = curvature(np.diag([-1.0, -2.0]), exact=True)
    assert c.max_stable_lr is None
    r = gd_regime(c, 0.1, np.array([[1.0, 1.0], [1.1, 1.2], [1.21, 1.44]]), "max-steps")
    assert [d.predicted for d in r.directions] == ["diverging", "diverging"]


def test_divergence_by_overflow_raises_no_numpy_warning():
    # The loop detects the overflow itself (status diverged); NumPy's RuntimeWarnings on stderr were only noise.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runs = descend(X2, [1.0], [Settings(lr=1e308, steps=3), Settings(optimizer="adam", lr=1e308, steps=3,
                                                                          line_search="armijo")]).runs
    assert runs[0].status == "diverged" and runs[0].divergence.step == 1
    assert runs[0].final.point == [None]


@pytest.mark.parametrize("lr", [1e-9, 1e-7])
def test_tiny_learning_rate_is_monotone_not_a_mismatch(lr):
    # r = 1 - 2 lr is monotone; the measured ratio cannot tell it from 1 (flat), which is no disagreement.
    e = compile_expression("x**2 + 3*y**2")
    regime = descend(e, [1.0, 1.0], [Settings(lr=lr, steps=30, tol=0.0)]).runs[0].regime
    assert [d.predicted for d in regime.directions] == ["monotone", "monotone"]
    assert [d.observed for d in regime.directions] == ["monotone", "monotone"]
    assert regime.observed == "monotone" and regime.agrees
