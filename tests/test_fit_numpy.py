"""`fit` without torch: the NumPy path for linear-in-parameter models equals the torch path, and skips torch."""

import subprocess
import sys

import numpy as np
import pytest

from gdcli.engine.learn.data import generate_data, select
from gdcli.engine.learn.models import build_problem
from gdcli.engine.learn.numpy_train import NUMPY_MAX_ROWS, Arrays, train as numpy_train, use_numpy
from gdcli.engine.learn.spec import TrainSpec
from gdcli.engine.learn.train import Tensors, train as torch_train

CASES = [  # generator, model, loss, classes, reg
    ("3*x - 2", "w*x + b", "mse", None, 0.0),
    ("3*x - 2 + 0.5*x**2", "poly:2", "sse", None, 0.1),
    ("1.5*x + 4", "linear", "mae", None, 0.0),
    ("x - 1", "logistic", None, 2, 0.01),
    ("x - 1", "perceptron", None, 2, 0.0),
    ("x - 1", "w*x + b", "hinge", 2, 0.0),
    ("x", "svm", None, 3, 0.0),
]


def problem_and_data(gen, model, loss, classes, reg, n=60):
    data = generate_data(gen, n, 0.3, "normal:0,2", 4, classes=classes)
    features, target = select(data, None, None)
    return build_problem(model, data, features, target, loss, reg), data


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("case", CASES, ids=[c[1] + "/" + str(c[2]) for c in CASES])
def test_numpy_path_equals_torch_path(case, optimizer):
    problem, data = problem_and_data(*case)
    assert problem.linear_in_params
    spec = TrainSpec(optimizer=optimizer, lr=0.01, epochs=40)
    theta0 = np.random.default_rng(1).standard_normal(len(problem.params))
    ours = list(numpy_train(Arrays(problem, data), theta0, spec))
    theirs = list(torch_train(Tensors(problem, data), theta0, spec))
    assert [r.epoch for r in ours] == [r.epoch for r in theirs] == list(range(41))
    np.testing.assert_allclose([r.params for r in ours], [r.params for r in theirs], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose([r.loss for r in ours], [r.loss for r in theirs], rtol=1e-12, atol=1e-13)


def test_which_path_is_chosen():
    problem, data = problem_and_data("3*x - 2", "w*x + b", "mse", None, 0.0)
    spec = TrainSpec()
    assert use_numpy(problem, 50, spec, [None]) and use_numpy(problem, 50, spec, [50, None])
    assert not use_numpy(problem, 50, spec, [10])  # a mini-batch shuffles with torch's seeded randperm
    assert not use_numpy(problem, NUMPY_MAX_ROWS + 1, spec, [None])  # torch's threaded kernels win there
    for other in (TrainSpec(gradient="autograd"), TrainSpec(gradient="module"), TrainSpec(optimizer="newton"),
                  TrainSpec(optimizer="random-search")):
        assert not use_numpy(problem, 50, other, [None])
    nonlinear, _ = problem_and_data("3*x - 2", "exp(w*x) + b", "mse", None, 0.0)
    assert not use_numpy(nonlinear, 50, spec, [None])


def imports_torch(*args) -> bool:
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "gdcli", "fit", *args, "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return any(line.rstrip().endswith("| torch") for line in out.stderr.splitlines())


def test_a_small_linear_fit_does_not_import_torch():
    assert not imports_torch("--generate", "3*x + 2", "--n", "50", "--model", "w*x + b", "--noise", "0.1")
    assert imports_torch("--generate", "3*x + 2", "--n", "50", "--model", "w*x + b", "--gradient", "autograd")


def test_numpy_fit_reaches_the_closed_form(cli_json):
    doc = cli_json("fit", "--generate", "3*x + 2", "--n", "50", "--noise", "0.5", "--model", "w*x + b",
                   "--optimizer", "adam", "--lr", "0.1", "--epochs", "3000")
    cf = doc["closed_form"]
    assert doc["status"] == "done" and cf["param_distance"] < 1e-6 and abs(doc["loss"] - cf["loss"]) < 1e-10
