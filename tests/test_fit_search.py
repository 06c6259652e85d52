"""`fit --optimizer random-search | random-local-search` (seed 002), `--classes` and inline data."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from gdcli.engine.learn.data import generate_data, load_data, select
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.models import build_problem
from gdcli.engine.learn.spec import TrainSpec
from gdcli.errors import DataError


def svm_data(seed=0, n=120):
    return generate_data("x1 - x2", n, 0.2, "normal:0,1", seed=seed, classes=3)


def svm_problem(data):
    features, target = select(data, None, None)
    return build_problem("svm", data, features, target, None, 0.0)


def svm_loss(data, theta):
    """Seed 002's L = (1/N) Σ_i Σ_{j≠y_i} max(0, s_j − s_{y_i} + 1), written out in NumPy as the oracle.
    θ is in the problem's order: b0, b1, b2, w0_1, w0_2, w1_1, w1_2, w2_1, w2_2."""
    X = np.column_stack([data.column("x1"), data.column("x2")])
    y = data.column("y").astype(int)
    b, W = theta[:3], theta[3:].reshape(3, 2)
    S = X @ W.T + b
    margins = np.maximum(0, S - S[np.arange(len(y)), y][:, None] + 1)
    margins[np.arange(len(y)), y] = 0
    return margins.sum(axis=1).mean()


def reference_search(data, theta0, epochs, step, local, seed):
    """The seed's two loops, verbatim in NumPy with the same random stream."""
    rng = np.random.default_rng(seed)
    theta, best = np.array(theta0, dtype=float), svm_loss(data, theta0)
    for _ in range(epochs):
        z = rng.standard_normal(theta.shape)
        trial = theta + step * z if local else step * z
        L = svm_loss(data, trial)
        if L < best:
            theta, best = trial, L
    return theta, best


@pytest.mark.parametrize("name,local,step", [("random-search", False, 1.0), ("random-local-search", True, 0.1)])
def test_search_matches_the_seed_loop_and_lowers_the_loss(name, local, step):
    data = svm_data()
    p = svm_problem(data)
    assert p.params == ("b0", "b1", "b2", "w0_1", "w0_2", "w1_1", "w1_2", "w2_1", "w2_2")
    r = fit(p, data, TrainSpec(optimizer=name, epochs=200, seed=3))
    theta0 = np.array([r.initial_params[k] for k in p.params])
    theta, best = reference_search(data, theta0, 200, step, local, seed=3)
    assert r.history[0]["loss"] == pytest.approx(svm_loss(data, theta0), rel=1e-12)
    assert r.loss == pytest.approx(best, rel=1e-12)
    assert [r.params[k] for k in p.params] == pytest.approx(theta.tolist(), abs=1e-12)
    assert r.loss < r.history[0]["loss"]
    losses = [h["loss"] for h in r.history]
    assert all(b <= a for a, b in zip(losses, losses[1:]))  # keeping the best never raises the loss
    assert r.step_size == step and r.updates_per_epoch == 1


def test_gradient_descent_beats_both_searches_for_the_same_budget():
    """Seed 002's argument: the same 500 loss evaluations, the same start; the gradient gets lowest."""
    data = svm_data(seed=1, n=200)
    p = svm_problem(data)
    losses = {name: fit(p, data, TrainSpec(optimizer=name, lr=1.0, epochs=500, seed=0)).loss
              for name in ("random-search", "random-local-search", "gd")}
    assert losses["gd"] < losses["random-local-search"] < losses["random-search"]


def test_tries_per_epoch_follow_the_batch_size():
    """⌈M/m⌉ tries per epoch, each scored on all rows: 5 epochs at m = 30 (4 tries) = 20 epochs of one try."""
    data = svm_data(n=120)
    p = svm_problem(data)
    a = fit(p, data, TrainSpec(optimizer="random-local-search", epochs=5, batch_size=30, seed=2, step_size=0.2))
    b = fit(p, data, TrainSpec(optimizer="random-local-search", epochs=20, seed=2, step_size=0.2))
    assert a.updates_per_epoch == 4 and b.updates_per_epoch == 1
    assert a.params == pytest.approx(b.params, abs=0) and a.loss == b.loss
    assert a.history[1]["loss"] == b.history[4]["loss"]


def test_generated_classes_are_equal_count_bins():
    data = generate_data("x1 - x2", 90, 0.0, "uniform:-1,1", seed=0, classes=3)
    y, v = data.column("y"), data.column("x1") - data.column("x2")
    assert np.bincount(y.astype(int)).tolist() == [30, 30, 30]
    # the bins are intervals of x1 − x2: every class-0 value lies below every class-1 value, and so on
    assert v[y == 0].max() < v[y == 1].min() and v[y == 1].max() < v[y == 2].min()
    assert data.truth is None and data.generator is None  # no regression truth for labels


def test_inline_data_columns_and_their_errors():
    d = load_data({"x": [1, 2, 3], "y": [3, 5, 7.5]})
    assert d.columns == ("x", "y") and d.values.tolist() == [[1, 3], [2, 5], [3, 7.5]]
    with pytest.raises(DataError, match="ragged"):
        load_data({"x": [1, 2, 3], "y": [3, 5]})
    with pytest.raises(DataError, match="row 2, column 'y'"):
        load_data({"x": [1, 2], "y": [3, "five"]})
    with pytest.raises(DataError, match="not a finite"):
        load_data({"x": [1, 2], "y": [3, math.inf]})


def test_cli_search_json_and_errors(cli, cli_json):
    base = ("fit", "--generate", "x1 - x2", "--classes", "3", "--x-dist", "normal:0,1", "--model", "svm",
            "--epochs", "50")
    doc = cli_json(*base, "--optimizer", "random-local-search", "--step-size", "0.3")
    assert doc["optimizer"] == "random-local-search" and doc["step_size"] == 0.3
    assert doc["loss"] < doc["history"][0]["loss"]
    r = cli(*base, "--optimizer", "random-search")
    assert r.exit_code == 0 and "tries per epoch: 1" in r.stdout and "step size=1" in r.stdout
    for gradient in ("autograd", "module"):
        r = cli(*base, "--optimizer", "random-search", "--gradient", gradient)
        assert r.exit_code == 2 and "--gradient manual" in r.stderr
    r = cli(*base, "--optimizer", "random-search", "--step-size", "0")
    assert r.exit_code == 2 and "--step-size must be > 0" in r.stderr
    r = cli("fit", "--data", "nofile.csv", "--classes", "2")
    assert r.exit_code == 2 and "--classes" in r.stderr
    r = cli("fit", "--generate", "x", "--classes", "1")
    assert r.exit_code == 2 and "at least 2" in r.stderr


def test_help_documents_the_tries_budget(cli):
    r = cli("fit", "--help")
    text = " ".join(r.stdout.split())
    assert "random-local-search" in text and "tries per epoch" in text


def test_random_search_as_a_subprocess():
    p = subprocess.run([sys.executable, "-m", "gdcli", "fit", "--generate", "x1*x2", "--classes", "2",
                        "--x-dist", "uniform:-1,1", "--model", "perceptron", "--optimizer", "random-search",
                        "--epochs", "30", "--seed", "4", "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["optimizer"] == "random-search" and doc["loss"] <= doc["history"][0]["loss"]
    assert doc["classification"]["separated"] is False  # XOR-like labels: no line separates them


def test_ctrl_c_keeps_the_best_found_so_far(cli, monkeypatch):
    import gdcli.engine.learn.search as search_module
    import gdcli.engine.learn.train as train_module

    real = search_module.search

    def interrupted(*args, **kwargs):
        for i, rec in enumerate(real(*args, **kwargs)):
            if i == 5:
                raise KeyboardInterrupt
            yield rec

    monkeypatch.setattr(train_module, "search", interrupted)  # the name train calls
    r = cli("fit", "--generate", "x1 - x2", "--classes", "3", "--model", "svm", "--optimizer", "random-local-search",
            "--epochs", "100", "--json")
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["status"] == "interrupted" and len(doc["history"]) == 5
    assert doc["loss"] == doc["history"][-1]["loss"] <= doc["history"][0]["loss"]
