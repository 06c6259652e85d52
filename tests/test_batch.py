"""Batched runs (runs x variables) against the same runs one by one, divergence masking, and the status rule."""

import itertools
import math

import numpy as np
import pytest

from gdcli.engine.optim.batch import BATCHABLE, advance, runs_of, statuses
from gdcli.engine.optim.descent import LIMIT, Settings, build_optimizer, iterate, status_of
from gdcli.engine.optim.record import Keep
from gdcli.engine.optim.sweep import descend, run_one
from gdcli.expr import compile_expression

E = compile_expression("x**2 + 3*y**2 + x*y + 0.1*x**4")
START = [1.5, -2.0]
ALL = Keep(all_rows=True)


def one_by_one(e, x0, s, keep=ALL):
    return run_one(e, np.asarray(x0, dtype=float), s, keep=keep)


def numpy_run(e, x0, s):
    """One run by the bare loop with the same NumPy evaluator the batch uses: every step record."""
    opt = build_optimizer(s, lambda x: float(e.f(x)), e.hessian)
    return list(iterate(e.value_and_grad, np.asarray(x0, dtype=float), opt, steps=s.steps, tol=s.tol,
                        threshold=s.threshold))


def assert_same_run(batched, single, tol=1e-12):
    """Same statuses and rows; iterates within tol of each other relative to the run's scale (the single run
    evaluates the gradient as straight-line float code, the batch with NumPy: they differ in the last bits)."""
    assert batched.status == single.status and batched.steps == single.steps
    assert [st.k for st in batched.history] == [st.k for st in single.history]
    a, b = np.array([st.x for st in batched.history]), np.array([st.x for st in single.history])
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.max(np.abs(b)))
    fa, fb = np.array([st.f for st in batched.history]), np.array([st.f for st in single.history])
    np.testing.assert_allclose(fa, fb, rtol=tol, atol=tol * np.max(np.abs(fb)))


@pytest.mark.parametrize("name", BATCHABLE)
def test_batched_equals_one_by_one_for_every_optimizer(name):
    settings = [Settings(optimizer=name, lr=lr, momentum=m, beta1=b1, beta2=b2, steps=300, tol=1e-10)
                for lr, m, b1, b2 in [(0.01, 0.9, 0.9, 0.999), (0.05, 0.5, 0.8, 0.99), (0.2, 0.0, 0.95, 0.9),
                                      (0.002, 0.99, 0.5, 0.5)]]
    batch = advance(E.value_and_grad, START, settings, keep=ALL)
    for (run, trace), s in zip(runs_of(batch, settings, ALL), settings):
        records = numpy_run(E, START, s)  # the same evaluator: the same iterates to 1e-12 relative, each
        assert len(records) == len(run.history) and run.status == records[-1].status
        np.testing.assert_allclose([st.x for st in run.history], [st.x for st in records], rtol=1e-12, atol=0)
        np.testing.assert_allclose([st.f for st in run.history], [st.f for st in records], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", BATCHABLE)
def test_batched_equals_the_single_run_path(name):
    # run_one evaluates the straight-line float gradient: the last bits differ from NumPy's, which RMSProp and
    # Adam amplify once they hover at the minimum with steps of fixed size; over the first 60 steps they agree.
    settings = [Settings(optimizer=name, lr=lr, momentum=m, steps=60, tol=1e-10) for lr, m in [(0.01, 0.9), (0.05, 0.5)]]
    batch = advance(E.value_and_grad, START, settings, keep=ALL)
    for (run, trace), s in zip(runs_of(batch, settings, ALL), settings):
        assert_same_run(run, one_by_one(E, START, s))


def test_a_sweep_mixing_batches_and_per_run_optimizers_keeps_its_order():
    settings = [Settings(optimizer=o, lr=lr, line_search=ls, steps=200)
                for o, lr, ls in [("adam", 0.1, "none"), ("gd", 0.1, "none"), ("newton", 1.0, "none"),
                                  ("adam", 0.01, "none"), ("gd", 0.01, "armijo"), ("gd", 0.05, "none")]]
    d = descend(E, START, settings, keep=ALL)
    assert [r.settings for r in d.runs] == settings
    for run, s in zip(d.runs, settings):
        single = one_by_one(E, START, s)
        assert_same_run(run, single)
        assert run.regime == descend(E, START, [s]).runs[0].regime  # the statistics too


def test_a_diverging_run_does_not_change_the_others():
    e = compile_expression("x**2 + sqrt(y)")  # big steps push y below 0: sqrt gives NaN there
    rates = [0.01, 0.1, 3.0, 0.3]
    settings = [Settings(lr=lr, steps=500, tol=0.0) for lr in rates]
    runs = [r for r, _ in runs_of(advance(e.value_and_grad, [1.0, 4.0], settings, keep=ALL), settings, ALL)]
    assert runs[2].status == "diverged" and runs[2].steps < 10
    calm = [s for s in settings if s.lr != 3.0]
    alone = [r for r, _ in runs_of(advance(e.value_and_grad, [1.0, 4.0], calm, keep=ALL), calm, ALL)]
    for a, b in zip([runs[0], runs[1], runs[3]], alone):
        assert a.status == b.status and a.steps == b.steps
        np.testing.assert_array_equal([st.x for st in a.history], [st.x for st in b.history])
    # and a run whose iterate overflows to inf: x_k = (1 - 2 lr)^k grows past the limit at lr = 1e150
    settings = [Settings(lr=lr, steps=50, tol=0.0) for lr in (0.1, 1e150, 0.2)]
    b = advance(compile_expression("x**2").value_and_grad, [1.0], settings, keep=ALL)
    assert list(b.status) == ["max-steps", "diverged", "max-steps"] and b.steps[1] == 1
    np.testing.assert_allclose(b.x[[0, 2], 0], [0.8**50, 0.6**50], rtol=1e-13)


def test_statuses_is_status_of_on_arrays():
    values = [0.0, 1.0, -5.0, 2e12, -2e12, math.inf, -math.inf, math.nan]
    norms = [0.0, 1e-9, 1.0, 2e12, math.inf, math.nan]
    cases = list(itertools.product(values, norms, [0.5, 2e12, math.nan], [3, 10]))
    f, gn, xn, steps = (np.array(c, dtype=float) for c in zip(*cases))
    for threshold in (None, -1.0, 1.0):
        thr = np.full(len(cases), -math.inf if threshold is None else threshold)
        got = statuses(f, gn, xn, 3, steps, np.full(len(cases), 1e-8), thr)
        want = [status_of(*c[:3], 3, c[3], 1e-8, threshold) for c in cases]
        assert list(got) == want
    assert LIMIT == 1e12


def test_basin_sized_batch_ends_where_single_runs_end():
    e = compile_expression("(x**2 + y - 11)**2 + (x + y**2 - 7)**2")  # Himmelblau
    g = np.linspace(-5, 5, 7)
    X0 = np.array([[a, b] for a in g for b in g])
    settings = [Settings(lr=0.01, steps=2000, tol=1e-8)] * len(X0)
    b = advance(e.value_and_grad, X0, settings, record=False)
    for i in range(0, len(X0), 6):
        single = run_one(e, X0[i], settings[i])
        assert b.status[i] == single.status and b.steps[i] == single.steps
        np.testing.assert_allclose(b.x[i], single.history[-1].x, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("keep", [Keep(head=4, tail=3), Keep(), Keep(every=7), Keep(head=0, tail=1)])
def test_a_batch_keeps_the_rows_a_single_run_keeps(keep):
    settings = [Settings(lr=lr, steps=steps, tol=0.0) for lr, steps in [(0.01, 300), (0.02, 5), (0.03, 150)]]
    batch = advance(E.value_and_grad, START, settings, keep=keep)
    for (run, _), s in zip(runs_of(batch, settings, keep), settings):
        single = one_by_one(E, START, s, keep=keep)
        assert [st.k for st in run.history] == [st.k for st in single.history]
        assert list(run.path.k) == list(single.path.k)
