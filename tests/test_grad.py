"""`gdcli grad` against the seeds' figures and closed forms, through the CLI (tables and JSON)."""

from __future__ import annotations

import math

import pytest

SEED = "2*w0**2 + 3*w1**2"  # seed 000: L(w0, w1) at (3, 4)


def L(w0, w1):
    return 2 * w0**2 + 3 * w1**2


def test_seed_example_json(cli_json):
    doc = cli_json("grad", SEED, "--at", "w0=3,w1=4")
    assert doc["variables"] == ["w0", "w1"]
    assert doc["point"] == [3, 4]
    assert doc["value"] == 66
    assert doc["partials"] == ["4*w0", "6*w1"]
    assert doc["gradient"] == [12, 24]  # (4*3, 6*4)
    assert doc["norm"] == pytest.approx(12 * math.sqrt(5), rel=1e-15)
    for key in ("variables", "point", "value", "gradient", "partials", "norm", "directional_derivative", "step",
                "methods", "max_disagreement"):
        assert key in doc


def test_seed_example_table(cli):
    r = cli("grad", SEED, "--at", "w0=3,w1=4")
    assert r.exit_code == 0 and r.stderr == ""
    out = r.stdout
    for text in ("4*w0", "6*w1", "f = 66", "∇f = (12, 24)", "‖∇f‖ = 26.83281573"):
        assert text in out, text


def test_directional_derivative_along_the_unit_vector(cli_json, cli):
    doc = cli_json("grad", SEED, "--at", "3,4", "--direction", "1,1")
    assert doc["direction"] == pytest.approx([1 / math.sqrt(2)] * 2, rel=1e-15)
    assert doc["directional_derivative"] == pytest.approx(36 / math.sqrt(2), rel=1e-14)
    # a second method: the slope of t -> L(x + t u) by a central difference
    t, u = 1e-5, 1 / math.sqrt(2)
    slope = (L(3 + t * u, 4 + t * u) - L(3 - t * u, 4 - t * u)) / (2 * t)
    assert doc["directional_derivative"] == pytest.approx(slope, rel=1e-8)
    # the length of the vector given does not matter
    assert cli_json("grad", SEED, "--at", "3,4", "--direction", "5,5")["directional_derivative"] == \
        pytest.approx(doc["directional_derivative"], rel=1e-15)
    assert "directional derivative along (0.707107, 0.707107): 25.45584412" in cli("grad", SEED, "--at", "3,4", "--direction", "1,1").stdout


def test_step_first_order_prediction_seed_000(cli_json, cli):
    doc = cli_json("grad", SEED, "--at", "w0=3,w1=4", "--step", "0.0003,0.0004")
    step = doc["step"]
    assert step["delta"] == [0.0003, 0.0004]
    assert step["predicted_change"] == pytest.approx(12 * 0.0003 + 24 * 0.0004, rel=1e-12) == 0.0132
    # seed 000 prints δL = 66.01320066 − 66 = 0.01320066; the closed form is 2(2·3·δ0 + δ0²) + 3(2·4·δ1 + δ1²)
    assert step["actual_change"] == pytest.approx(0.01320066, rel=1e-9)
    assert step["actual_change"] == pytest.approx(L(3.0003, 4.0004) - 66, rel=1e-12)
    out = cli("grad", SEED, "--at", "w0=3,w1=4", "--step", "0.0003,0.0004").stdout
    assert "66.01320066" in out and "0.01320066" in out and "0.0132" in out


def test_step_second_displacement_seed_000(cli_json):
    step = cli_json("grad", SEED, "--at", "3,4", "--step", "0.0004,0.0003")["step"]
    assert step["predicted_change"] == pytest.approx(0.012, rel=1e-12)
    # seed 000: L(3.0004, 4.0003) ≈ 66.0120006 (to 7 decimals)
    assert round(66 + step["actual_change"], 7) == 66.0120006
    assert step["actual_change"] == pytest.approx(2 * (2 * 3 * 0.0004 + 0.0004**2) + 3 * (2 * 4 * 0.0003 + 0.0003**2), rel=1e-10)
    # the first step is more aligned with the gradient, so it changes L more (the seed's point)
    assert step["actual_change"] < 0.01320066


@pytest.mark.parametrize("method", ["symbolic", "autodiff", "numeric"])
def test_each_method_gives_the_closed_form(cli_json, method):
    doc = cli_json("grad", "exp(x)*sin(y) + x*y^3", "--at", "0.3,1.2", "--method", method)
    x, y = 0.3, 1.2
    want = [math.exp(x) * math.sin(y) + y**3, math.exp(x) * math.cos(y) + 3 * x * y**2]
    assert doc["method"] == method
    assert doc["gradient"] == pytest.approx(want, rel=1e-12 if method != "numeric" else 1e-8)


def test_method_all_side_by_side(cli_json, cli):
    doc = cli_json("grad", "sqrt(w0^2 + w1^2)", "--at", "1,2", "--method", "all")
    assert set(doc["methods"]) == {"symbolic", "autodiff", "numeric"}
    want = [1 / math.sqrt(5), 2 / math.sqrt(5)]
    for method, g in doc["methods"].items():
        assert g == pytest.approx(want, rel=1e-8), method
    assert doc["norm"] == pytest.approx(1.0, rel=1e-14)
    assert 0 <= doc["max_disagreement"] < 1e-8
    out = cli("grad", "sqrt(w0^2 + w1^2)", "--at", "1,2", "--method", "all").stdout
    assert "largest disagreement between methods" in out


def test_method_all_on_the_seed(cli_json):
    doc = cli_json("grad", SEED, "--at", "3,4", "--method", "all")
    assert doc["methods"]["symbolic"] == [12, 24]
    assert doc["methods"]["autodiff"] == [12, 24]
    assert doc["methods"]["numeric"] == pytest.approx([12, 24], rel=1e-9)


def test_options_from_a_yaml_config(cli_json, tmp_path):
    config = tmp_path / "grad.yaml"
    config.write_text(f"expression: '{SEED}'\nat: {{w0: 3, w1: 4}}\nstep: [0.0003, 0.0004]\n")
    doc = cli_json("grad", "--config", config)
    assert doc["value"] == 66 and doc["step"]["predicted_change"] == pytest.approx(0.0132)
    # a flag overrides the file
    assert cli_json("grad", "--config", config, "--at", "0,0")["value"] == 0


def test_constant_expression_has_an_empty_gradient(cli_json):
    doc = cli_json("grad", "pi", "--at", "")
    assert doc["variables"] == [] and doc["gradient"] == [] and doc["value"] == pytest.approx(math.pi)


def test_constant_expression_needs_no_point(cli_json):
    doc = cli_json("grad", "5")
    assert doc["value"] == 5 and doc["gradient"] == [] and doc["norm"] == 0
