"""`fit` as a library: the seeds' figures, the closed form as oracle, and three gradient paths that agree."""

import math

import numpy as np
import pytest

from gdcli.engine.learn.data import Dataset, generate_data, select
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.models import build_problem, closed_form
from gdcli.engine.learn.spec import TrainSpec, updates_per_epoch
from gdcli.engine.learn.train import Tensors, train

FIVE = Dataset(("x", "y"), np.array([[1, 3], [2, 5], [3, 7], [4, 9], [5, 11.0]]), "seed 001 §4.2")


def problem_for(data, model, loss=None, reg=0.0, params=None):
    features, target = select(data, None, None)
    return build_problem(model, data, features, target, loss, reg, params)


def test_five_point_workout_sse_and_solution():
    p = problem_for(FIVE, "w*x + b", "sse")
    r = fit(p, FIVE, TrainSpec(lr=0.01, epochs=3000), init="w=1.5,b=1")
    assert r.history[0]["loss"] == pytest.approx(13.75, abs=1e-12)  # 0.25 + 1 + 2.25 + 4 + 6.25
    assert r.params["w"] == pytest.approx(2.0, abs=1e-6)
    assert r.params["b"] == pytest.approx(1.0, abs=1e-6)
    assert r.closed_form["params"] == pytest.approx({"w": 2.0, "b": 1.0}, abs=1e-12)
    assert r.closed_form["loss"] == pytest.approx(0.0, abs=1e-20)
    assert r.updates_per_epoch == 1


def test_listing_3_1_linear_data_within_noise_and_closed_form():
    data = generate_data("1.5*x + 2.73", 100, 0.5, "normal:0,10", seed=0)
    p = problem_for(data, "w*x + b")
    r = fit(p, data, TrainSpec(lr=0.005, epochs=2000, seed=0))
    # oracle: NumPy's own least-squares line through the same points
    w, b = np.polyfit(data.column("x"), data.column("y"), 1)
    assert r.closed_form["params"]["w"] == pytest.approx(w, abs=1e-10)
    assert r.closed_form["params"]["b"] == pytest.approx(b, abs=1e-10)
    assert abs(r.params["w"] - w) < 1e-3 and abs(r.params["b"] - b) < 1e-3
    assert r.closed_form["param_distance"] < 1e-3
    # within noise of the truth: 0.5 noise over 100 points moves b by ~0.05, w by ~0.005
    assert abs(r.params["w"] - 1.5) < 0.02 and abs(r.params["b"] - 2.73) < 0.2
    assert r.true_params == pytest.approx({"w": 1.5, "b": 2.73})


def test_linear_model_fails_on_quadratic_data_but_poly2_recovers_it():
    data = generate_data("x**2 - x + 2", 200, 0.25, "uniform:0,10", seed=1)
    lin = fit(problem_for(data, "linear"), data, TrainSpec(lr=0.01, epochs=3000))
    assert lin.loss > 50 * 0.25**2 * 10  # far from the data: mean squared error ≫ noise variance
    assert lin.model_misfit > 5 and lin.true_params is None
    quad = fit(problem_for(data, "poly:2"), data, TrainSpec(optimizer="adam", lr=0.1, epochs=3000))
    assert [quad.params[k] for k in ("w0", "w1", "w2")] == pytest.approx([2, -1, 1], abs=0.1)
    assert quad.closed_form["param_distance"] < 1e-3
    assert quad.true_params == pytest.approx({"w0": 2, "w1": -1, "w2": 1})


SVM = Dataset(("x", "c"), np.array([[-3, 0], [-2.5, 0], [-2, 0], [0, 1], [0.5, 1], [-0.5, 1], [3, 2], [2.5, 2], [2, 2.0]]), "svm")
AGREE = [
    (FIVE, "w*x + b", "mse"),
    (FIVE, "a*exp(k*x/5)", "mse"),  # not linear in its parameters: the Jacobian path
    (FIVE, "w*x + b", "mae"),
    (SVM, "svm", None),
    (SVM, "w*x + b", "cross-entropy"),
]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("batch", [None, 2])
@pytest.mark.parametrize("data,model,loss", AGREE)
def test_three_gradient_paths_agree(data, model, loss, optimizer, batch):
    if loss == "cross-entropy":
        data = Dataset(data.columns, np.column_stack([data.values[:, 0], data.values[:, 1] > 0]), "binary")
    p = problem_for(data, model, loss, reg=0.01)
    tensors = Tensors(p, data)
    theta0 = np.random.default_rng(3).normal(size=len(p.params)) * 0.3
    finals = {}
    for g in ("manual", "autograd", "module"):
        spec = TrainSpec(optimizer=optimizer, lr=0.01, epochs=15, batch_size=batch, gradient=g, seed=5)
        finals[g] = [r.params for r in train(tensors, theta0, spec)][-1]
    np.testing.assert_allclose(finals["autograd"], finals["manual"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(finals["module"], finals["manual"], atol=1e-6, rtol=0)
    assert np.abs(finals["manual"] - theta0).max() > 1e-3  # they did move


def test_updates_per_epoch_is_ceiling_and_sgd_reaches_closed_form():
    assert updates_per_epoch(100, 7) == 15 and updates_per_epoch(100, 1) == 100 and updates_per_epoch(100, None) == 1
    data = generate_data("1.5*x + 2.73", 100, 0.5, "uniform:-1,1", seed=2)
    r = fit(problem_for(data, "w*x + b"), data, TrainSpec(lr=0.05, epochs=60, batch_size=7, seed=1), init="zeros")
    assert r.updates_per_epoch == 15
    assert r.loss == pytest.approx(r.closed_form["loss"], rel=0.05)  # SGD rattles around the minimum


def test_sweep_rows_one_per_batch_size():
    data = generate_data("1.5*x + 2.73", 100, 0.5, "uniform:-1,1", seed=2)
    r = fit(problem_for(data, "w*x + b"), data, TrainSpec(lr=0.05, epochs=5), batch_sizes=[1, 10, 100, None])
    assert [s.batch_size for s in r.sweep] == [1, 10, None, None]  # 100 rows in a batch of 100 is full GD
    assert [s.updates_per_epoch for s in r.sweep] == [100, 10, 1, 1]
    assert all(s.seconds > 0 and math.isfinite(s.loss) for s in r.sweep)
    assert r.sweep[0].loss < r.sweep[3].loss  # 500 small steps beat 5 full ones


def test_ridge_closed_form_matches_normal_equations():
    data = generate_data("1.5*x1 - 2*x2 + 0.5", 50, 0.3, "normal:0,1", seed=4)
    p = problem_for(data, "linear", reg=0.1)
    X = np.column_stack([np.ones(50), data.column("x1"), data.column("x2")])  # b, w1, w2
    D = np.diag([0.0, 1.0, 1.0])  # the intercept is not penalised
    exact = np.linalg.solve(X.T @ X / 50 + 0.1 * D, X.T @ data.column("y") / 50)
    cf = closed_form(p, data)
    assert [cf.params[k] for k in ("b", "w1", "w2")] == pytest.approx(exact.tolist(), abs=1e-10)
    r = fit(p, data, TrainSpec(lr=0.1, epochs=1000))
    assert r.closed_form["param_distance"] < 1e-6


def test_newton_one_step_solves_least_squares():
    data = generate_data("1.5*x + 2.73", 30, 0.5, "normal:0,10", seed=0)
    r = fit(problem_for(data, "w*x + b"), data, TrainSpec(optimizer="newton", lr=1.0, epochs=1))
    assert r.closed_form["param_distance"] < 1e-9


SEPARABLE = Dataset(("x1", "x2", "label"), np.array(
    [[2, 3, 1], [3, 3, 1], [1, 4, 1], [3, 5, 1], [-1, -2, 0], [-2, -1, 0], [-3, -2, 0], [-1, -3, 0.0]]), "separable")
XOR = Dataset(("x1", "x2", "label"), np.array([[0, 0, -1], [1, 1, -1], [0, 1, 1], [1, 0, 1.0]]), "xor")


@pytest.mark.parametrize("batch", [None, 1])
def test_perceptron_separates_separable_data_from_a_wrong_start(batch):
    p = problem_for(SEPARABLE, "perceptron")
    r = fit(p, SEPARABLE, TrainSpec(lr=1.0, epochs=50, batch_size=batch), init="b=0,w1=-1,w2=-1")
    assert r.history[0]["loss"] > 0
    assert r.classification["errors"] == 0 and r.classification["separated"]
    assert r.loss == 0


def test_perceptron_reports_it_cannot_separate_xor():
    r = fit(problem_for(XOR, "perceptron"), XOR, TrainSpec(lr=1.0, epochs=100, batch_size=1))
    assert r.classification["errors"] >= 1 and not r.classification["separated"]
    assert "cannot separate" in r.classification["message"]


def test_multiclass_svm_loss_matches_seed_002_formula():
    # L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + 1), checked by hand at one parameter vector
    p = problem_for(SVM, "svm")
    theta = np.arange(len(p.params), dtype=float) / 10
    tensors = Tensors(p, SVM)
    import torch

    value = float(tensors.loss(torch.tensor(theta)))
    th = dict(zip(p.params, theta))
    total = 0.0
    for x, c in SVM.values:
        s = [th[f"w{k}_1"] * x + th[f"b{k}"] for k in range(3)]
        total += sum(max(0.0, s[j] - s[int(c)] + 1) for j in range(3) if j != int(c))
    assert value == pytest.approx(total / len(SVM.values), abs=1e-12)
    r = fit(p, SVM, TrainSpec(lr=0.1, epochs=300))
    assert r.classification["errors"] == 0


def test_interrupt_keeps_parameters_reached_so_far():
    p = problem_for(FIVE, "w*x + b", "sse")
    calls = {"n": 0}

    def tick():  # once per finished epoch (1, 2, 3, ...), not for the start
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    r = fit(p, FIVE, TrainSpec(lr=0.01, epochs=100), init="w=1.5,b=1", tick=tick)
    assert r.status == "interrupted"
    assert len(r.history) == 4 and r.epochs == 3
    assert r.params != {"w": 1.5, "b": 1.0}


def test_too_large_a_step_is_reported_as_diverged_not_an_error():
    p = problem_for(FIVE, "w*x + b", "sse")
    r = fit(p, FIVE, TrainSpec(lr=1.0, epochs=500), init="zeros")
    assert r.status == "diverged"
    assert r.epochs < 500 and r.loss > 1e6 * r.history[0]["loss"]
