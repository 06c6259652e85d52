"""Review of `fit`: models outside their domain, non-finite numbers, badly scaled columns, honest messages."""

import numpy as np
import pytest

from gdcli.engine.learn.data import Dataset, select
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.models import build_problem, closed_form
from gdcli.engine.learn.spec import TrainSpec

FIVE = Dataset(("x", "y"), np.array([[1, 3], [2, 5], [3, 7], [4, 9], [5, 11.0]]), "seed 001 §4.2")


def problem_for(data, model, loss=None, reg=0.0):
    features, target = select(data, None, None)
    return build_problem(model, data, features, target, loss, reg)


@pytest.fixture
def five_csv(tmp_path):
    path = tmp_path / "five.csv"
    path.write_text("x,y\n1,3\n2,5\n3,7\n4,9\n5,11\n")
    return str(path)


@pytest.mark.parametrize("gradient", ["manual", "autograd"])
def test_sqrt_of_a_parameter_trains_with_every_gradient(gradient):
    # y = 2x + 1 is s = sqrt(w)·x + b with w = 4: the jacobian x/(2·sqrt(w)) must evaluate on tensors
    p = problem_for(FIVE, "sqrt(w)*x + b", "sse")
    r = fit(p, FIVE, TrainSpec(lr=0.01, epochs=3000, gradient=gradient), init="w=1,b=0")
    assert r.status == "done"
    assert r.params["w"] == pytest.approx(4.0, abs=1e-6) and r.params["b"] == pytest.approx(1.0, abs=1e-6)


def test_a_start_outside_the_domain_is_a_one_line_error(cli, five_csv):
    # log(w·x) at w = -1 is log of a negative number on every row: exit 2, never a `nan` "diverged" table
    r = cli("fit", "--data", five_csv, "--model", "log(w*x) + b", "--init", "w=-1,b=0", "--epochs", "5")
    assert r.exit_code == 2
    assert "not finite at the start (b=0, w=-1)" in r.stderr and "nan" not in r.stdout


def test_data_so_large_the_loss_overflows_at_the_start_is_a_one_line_error(cli, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("x,y\n1e200,1\n2e200,2\n")
    r = cli("fit", "--data", str(path), "--epochs", "3")
    assert r.exit_code == 2 and "overflow" in r.stderr and "inf" not in r.stdout



def test_a_run_that_overflows_says_non_finite_never_inf_and_warns_nothing(cli, five_csv):
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # what a terminal would print on stderr
        warnings.simplefilter("always")
        r = cli("fit", "--data", five_csv, "--lr", "1e300", "--epochs", "3")
    assert r.exit_code == 0 and "diverged" in r.stdout
    assert "non-finite" in r.stdout and " inf" not in r.stdout and "nan" not in r.stdout
    assert "RuntimeWarning" not in r.stderr and [str(w.message) for w in caught] == []
    # θ is about 5.4e301 from the closed form: finite, though its square overflows
    doc = cli("fit", "--data", five_csv, "--lr", "1e300", "--epochs", "3", "--json")
    import json

    d = json.loads(doc.stdout)["closed_form"]["param_distance"]
    assert 1e301 < d < 1e302


@pytest.mark.parametrize("scale", [1e-200, 1e-8, 1.0, 1e150])
def test_closed_form_is_exact_whatever_the_scale_of_a_column(scale):
    # y = 2x + 1 at x = scale·(1..5): the exact line is w = 2/scale, b = 1 (the oracle is the generating line)
    x = scale * np.arange(1.0, 6.0)
    data = Dataset(("x", "y"), np.column_stack([x, 2 * np.arange(1.0, 6.0) + 1]), "scaled")
    cf = closed_form(problem_for(data, "w*x + b", "sse"), data)
    assert cf.params["w"] == pytest.approx(2 / scale, rel=1e-9)
    assert cf.params["b"] == pytest.approx(1.0, rel=1e-9)
    assert cf.loss == pytest.approx(0.0, abs=1e-18)


def test_logistic_on_separable_data_does_not_claim_it_cannot_separate():
    from gdcli.engine.learn.data import generate_data

    data = generate_data("x1 - x2", 100, 0.0, "normal:0,10", seed=0, classes=2)  # separable by x1 = x2
    r = fit(problem_for(data, "logistic"), data, TrainSpec(lr=0.1, epochs=50))
    assert not r.classification["separated"]  # 50 epochs are not enough here...
    assert "cannot separate" not in r.classification["message"]  # ...which says nothing about separability
    assert "more epochs help only if a hyperplane can split the classes" in r.classification["message"]


@pytest.mark.parametrize("model,hint", [("adaline", "only if a hyperplane can split"),
                                        ("logistic", "only if a hyperplane can split"),
                                        ("w1*x1 + w2*x2 + b", "only if a hyperplane can split"),
                                        ("w*x1*x2 + b", "if a boundary of this model's form can split"),
                                        ("mlp:2", "more hidden units may help")])
def test_the_unseparated_message_fits_the_model(model, hint):
    """On XOR a linear model cannot get there with more epochs (it must not suggest they help); a network or an
    expression with its own boundary may."""
    from gdcli.engine.learn.data import Dataset
    from gdcli.engine.learn.networks import build_network, is_dense

    xor = Dataset(("x1", "x2", "y"), np.array([[0, 0, -1], [0, 1, 1], [1, 0, 1], [1, 1, -1]], float), "xor")
    if is_dense(model, 2):
        problem = build_network(model, xor, ("x1", "x2"), "y", None, 0.0, "relu", None)
    else:
        problem = problem_for(xor, model, "logistic")
    r = fit(problem, xor, TrainSpec(lr=0.01, epochs=5))
    assert not r.classification["separated"] and hint in r.classification["message"]
