"""heaviside and sign in the expression language, and fit --noise normal:SD / uniform:A,B."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gdcli.engine.learn.data import generate_data, parse_noise
from gdcli.errors import UsageError
from gdcli.expr import compile_expression

X = np.array([-1e300, -2.5, -1e-300, 0.0, 1e-300, 3.0, 1e300])


@pytest.mark.parametrize("text, oracle", [("heaviside(x)", lambda x: np.heaviside(x, 0.5)), ("sign(x)", np.sign),
                                          ("heaviside(sign(x) - 0.5)", lambda x: (x > 0).astype(float))])
def test_values_match_numpy_and_torch(text, oracle):
    f = compile_expression(text)
    assert f.f(X[:, None]).tolist() == oracle(X).tolist()
    value, grad = f.autodiff_value_and_grad(X[:, None])
    assert value.tolist() == oracle(X).tolist()
    assert grad.tolist() == [[0.0]] * len(X)  # torch: derivative 0 (torch.heaviside has none at all)
    assert f.grad(X[:, None]).tolist() == [[0.0]] * len(X)


def test_formulas_print_in_the_language():
    assert compile_expression("heaviside(x - 1) + sign(y)").formula() == "heaviside(x - 1) + sign(y)"


def test_grad_agrees_across_methods_away_from_0(cli_json):
    doc = cli_json("grad", "heaviside(x - 1)*y**2 + sign(x)*y", "--at", "3,2", "--method", "all")
    assert doc["gradient"] == [0.0, 2 * 2 + 1] and doc["max_disagreement"] < 1e-8  # ∂/∂y = 2y·1 + 1


@pytest.mark.parametrize("text", ["heaviside(x)", "sign(x)", "heaviside(x)*x**2"])
def test_gradcheck_passes_away_from_0_and_reports_the_kink_at_0(cli_json, text):
    away = cli_json("gradcheck", text, "--at", "0.5")
    assert away["passed"] is True
    at0 = cli_json("gradcheck", text, "--at", "0")
    assert at0["kinks"] and at0["kinks"][0]["function"].split("(")[0] in ("heaviside", "sign")


@pytest.mark.parametrize("text", ["heaviside(x)", "sign(x)"])
def test_convex_finds_a_verified_counterexample(cli_json, text):
    doc = cli_json("convex", text)
    assert doc["verdict"] == "neither" and doc["witness"] is not None


def test_descend_on_a_step_does_not_move(cli_json):
    doc = cli_json("descend", "heaviside(x - 1)", "--start", "3", "--lr", "0.1", "--steps", "20")
    run = doc["runs"][0]
    assert run["final"]["point"] == [3.0] and run["final"]["grad_norm"] == 0


@pytest.mark.parametrize("gradient", ["manual", "autograd"])
def test_fit_with_a_threshold_unit_stalls_at_zero_gradient(cli, gradient):
    args = ("fit", "--generate", "heaviside(x - 1)", "--x-dist", "uniform:-3,3", "--model", "heaviside(w*x + b)",
            "--init", "w=1,b=0.5", "--lr", "0.5", "--epochs", "30", "--gradient", gradient)
    doc = json.loads(cli(*args, "--json").stdout)
    assert doc["params"] == {"b": 0.5, "w": 1.0} and doc["grad_norm"] == 0
    assert doc["loss"] == doc["history"][0]["loss"] > 0.1
    table = cli(*args)
    assert "gradient is exactly 0" in table.stdout


def test_a_smooth_model_reports_its_gradient_norm(cli_json):
    doc = cli_json("fit", "--generate", "2*x + 1", "--n", "50", "--model", "w*x + b", "--lr", "0.01",
                   "--epochs", "3000", "--x-dist", "uniform:-1,1")
    assert 0 < doc["grad_norm"] < 1e-6


# -- --noise -------------------------------------------------------------------------------------------------

def test_uniform_noise_lies_in_its_interval_with_its_moments():
    data = generate_data("x**2 - x + 2", 20000, "uniform:-0.25,0.25", "uniform:0,10", seed=3)
    eps = data.column("y") - data.truth
    assert eps.min() >= -0.25 and eps.max() <= 0.25
    assert eps.min() < -0.24 and eps.max() > 0.24  # it fills the interval
    assert eps.mean() == pytest.approx(0, abs=4 * 0.5 / np.sqrt(12 * 20000))
    assert eps.var() == pytest.approx(0.5 ** 2 / 12, rel=0.03)
    assert "U(-0.25, 0.25)" in data.source


def test_a_plain_number_stays_a_gaussian_sd_and_equals_normal_sd():
    a = generate_data("1.5*x + 2.73", 5000, 0.5, "normal:0,10", seed=0)
    b = generate_data("1.5*x + 2.73", 5000, "normal:0.5", "normal:0,10", seed=0)
    c = generate_data("1.5*x + 2.73", 5000, "0.5", "normal:0,10", seed=0)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.values, c.values)
    eps = a.column("y") - a.truth
    assert eps.std() == pytest.approx(0.5, rel=0.05) and np.abs(eps).max() > 1.0  # Gaussian tails beyond 2 SD


@pytest.mark.parametrize("text, message", [
    ("-1", ">= 0"), ("normal:-1", ">= 0"), ("uniform:1,1", "A < B"), ("uniform:2,1", "A < B"), ("uniform:1", "two"),
    ("normal:1,2", "one"), ("laplace:1", "expected"), ("normal:x", "not a number"), ("1e400", "out of range"),
])
def test_bad_noise_exits_2(cli, text, message):
    r = cli("fit", "--generate", "x", "--noise", text, "--model", "w*x", "--epochs", "1")
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(UsageError):
        parse_noise(text)


def test_noise_from_yaml(cli, tmp_path):
    cfg = tmp_path / "f.yaml"
    cfg.write_text("command: fit\ngenerate: 3*x\nnoise: uniform:-0.1,0.1\nmodel: w*x\nepochs: 1\n")
    doc = json.loads(cli("fit", "--config", cfg, "--json").stdout)
    assert doc["source"] == "generated: y = 3*x + U(-0.1, 0.1)"
