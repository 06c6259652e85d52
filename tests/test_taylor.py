"""`gdcli taylor`: polynomials checked against closed-form series, SymPy's series expansion and the Taylor
remainder; kinks and bad orders exit 2 naming the order."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from gdcli.engine.calculus.taylor import MAX_ORDER, evaluate_orders, taylor_polynomial
from gdcli.errors import UsageError
from gdcli.expr import compile_expression


def expand(text, at, order, step=None):
    f = compile_expression(text)
    return taylor_polynomial(f, f.point(at), order, step=step)


def test_exp_at_0_gives_the_seed_figures(cli_json):
    doc = cli_json("taylor", "exp(x)", "--at", "0", "--order", "3", "--step", "0.1")
    values = [a["value"] for a in doc["approximations"]]
    closed = [sum(0.1 ** j / math.factorial(j) for j in range(k + 1)) for k in range(4)]
    assert values == pytest.approx(closed, rel=1e-15)
    assert values == pytest.approx([1, 1.1, 1.105, 1.1051667], abs=5e-8)  # 001 §11.2, 000 §3.4
    assert doc["truth"] == pytest.approx(math.exp(0.1), rel=1e-15)
    assert [a["error"] for a in doc["approximations"]] == pytest.approx([math.exp(0.1) - v for v in closed], rel=1e-9)
    assert doc["polynomial"] == "1 + δ + δ**2/2 + δ**3/6"


def test_sin_to_second_order_is_x():
    r = expand("sin(x)", "0", 2)
    assert r.polynomial == "δ" and r.polynomial_at == "x" and r.terms == ["0", "δ", "0"]


@pytest.mark.parametrize("text, a, k", [("exp(x)*cos(x)", 0.7, 6), ("log(1 + x**2)", -0.4, 5), ("x**5 - 3*x**2", 2, 7),
                                        ("sigmoid(x)", 0.3, 4), ("sqrt(x)", 2.5, 5)])
def test_coefficients_match_sympy_series(text, a, k):
    """A second method: SymPy's series expansion (not repeated differentiation), at a rational point."""
    r = expand(text, str(a), k)
    f = compile_expression(text)
    x = f.symbols[0]
    d = sp.Symbol("d")
    series = sp.series(f.sym.rewrite(sp.exp).subs(x, sp.Rational(str(a)) + d), d, 0, k + 1).removeO()
    expected = {j: complex(sp.N(series.coeff(d, j), 30)).real for j in range(k + 1)}
    got = {c["order"]: c["value"] for c in r.coefficients}
    for j in range(k + 1):
        assert got.get(j, 0.0) == pytest.approx(expected[j], rel=1e-12, abs=1e-14)


def test_several_variables_against_the_closed_form_of_exp_of_a_linear_form():
    """exp(x + 2y) at a: P_K(δ) = e^(a0 + 2 a1) Σ_k (δx + 2δy)^k / k!."""
    a, delta, K = (0.3, -0.2), np.array([0.05, -0.03]), 4
    r = expand("exp(x + 2*y)", "0.3,-0.2", K, step=delta)
    s = delta[0] + 2 * delta[1]
    closed = [math.exp(a[0] + 2 * a[1]) * sum(s ** j / math.factorial(j) for j in range(k + 1)) for k in range(K + 1)]
    assert [x.value for x in r.approximations] == pytest.approx(closed, rel=1e-14)
    assert r.truth == pytest.approx(math.exp(a[0] + 2 * a[1] + s), rel=1e-15)
    assert len([c for c in r.coefficients if c["order"] == 2]) == 3  # δx², δxδy, δy²


def test_second_order_agrees_with_the_hessian_command(cli_json):
    """The order-2 value is f + ∇f·δ + ½δᵀHδ, which `hessian --step` computes from the numeric Hessian."""
    args = ("x**2*y + exp(x*y)", "--at", "1,2", "--step", "0.1,-0.05")
    t = cli_json("taylor", *args, "--order", "2")
    h = cli_json("hessian", *args)
    assert t["approximations"][1]["value"] == pytest.approx(h["taylor"]["first_order"], rel=1e-14)
    assert t["approximations"][2]["value"] == pytest.approx(h["taylor"]["second_order"], rel=1e-14)


def test_the_error_shrinks_like_the_next_term():
    """Lagrange remainder: (f − P_3)(δ) / δ⁴ → f⁗(a)/4! = sin(1)/24 as δ → 0."""
    ratios = [expand("sin(x)", "1", 3, step=[d]).approximations[3].error / d ** 4 for d in (1e-1, 3e-2, 1e-2)]
    assert ratios[-1] == pytest.approx(math.sin(1) / 24, rel=0.01)
    assert abs(ratios[-1] - math.sin(1) / 24) < abs(ratios[0] - math.sin(1) / 24)


def test_order_30_reaches_e_and_huge_or_tiny_coefficients_stay_finite():
    r = expand("exp(x)", "0", MAX_ORDER, step=[1])
    assert r.approximations[-1].value == pytest.approx(math.e, rel=1e-15)
    big = expand("1e300*x**2", "1", 2, step=[1e-3])
    assert big.approximations[2].value == pytest.approx(1e300 * 1.001 ** 2, rel=1e-14)
    tiny = expand("1e-300*exp(x)", "0", 3, step=[0.1])
    assert tiny.approximations[3].value == pytest.approx(1e-300 * 1.1051666666666667, rel=1e-14)


@pytest.mark.parametrize("text, at, order, fails", [
    ("abs(x)", "0", 1, "not differentiable"), ("abs(x)**3", "0", 3, "not 3 times differentiable"),
    ("heaviside(x)", "0", 2, "not differentiable"), ("sqrt(x)", "0", 1, "not differentiable"),
    ("max(x, y)", "1,1", 1, "not differentiable"), ("relu(x - 1)**2", "1", 2, "not 2 times differentiable"),
])
def test_a_kink_exits_2_naming_the_order(cli, text, at, order, fails):
    r = cli("taylor", text, "--at", at, "--order", order)
    assert r.exit_code == 2
    assert fails in r.stderr and f"--order {r.stderr.split('stops at order ')[1][0]}" in r.stderr
    assert "Traceback" not in r.stderr


def test_below_the_failing_order_a_kink_is_fine():
    assert expand("abs(x)**3", "0", 2).polynomial == "0"  # |x|³ is twice differentiable at 0
    assert expand("relu(x)", "1", 3).polynomial == "1 + δ"  # away from its kink relu is smooth


@pytest.mark.parametrize("order, message", [(-1, ">= 0"), (MAX_ORDER + 1, "beyond"), (10 ** 12, "beyond")])
def test_negative_or_huge_order_exits_2(cli, order, message):
    r = cli("taylor", "exp(x)", "--at", "0", "--order", order)
    assert r.exit_code == 2 and message in r.stderr


def test_too_many_partial_derivatives_are_refused_up_front():
    f = compile_expression("+".join(f"x{i}" for i in range(12)))
    with pytest.raises(UsageError, match="partial derivatives"):
        taylor_polynomial(f, np.zeros(12), 12)


def test_outside_the_domain_exits_2(cli):
    r = cli("taylor", "log(x)", "--at", "-1", "--order", "2")
    assert r.exit_code == 2 and "not finite" in r.stderr


def test_time_limit_stops_the_symbolic_work(cli):
    r = cli("taylor", "exp(sin(x)*cos(x**2))*tan(x)", "--at", "0.3", "--order", "30", "--time-limit", "0.05")
    assert r.exit_code == 2 and "time budget" in r.stderr


def test_plot_overlays_every_order(cli, tmp_path):
    path = tmp_path / "t.png"
    r = cli("taylor", "sin(x)", "--at", "0", "--order", "5", "--step", "1", "--plot", path)
    assert r.exit_code == 0, r.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = cli("taylor", "x*y", "--at", "1,1", "--plot", tmp_path / "u.png")
    assert bad.exit_code == 2 and "--step" in bad.stderr


def test_evaluate_orders_matches_the_step_table():
    r = expand("exp(x)*y", "0.5,2", 3, step=[0.1, -0.2])
    P = evaluate_orders(r, np.array([[0.6, 1.8]]))
    assert P[:, 0] == pytest.approx([a.value for a in r.approximations], rel=1e-14)


def test_config_yaml_and_help(cli, tmp_path):
    cfg = tmp_path / "t.yaml"
    cfg.write_text("command: taylor\nexpression: cos(x)\nat: {x: 0}\norder: 4\n")
    r = cli("taylor", "--config", cfg, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["polynomial"] == "1 - δ**2/2 + δ**4/24"
    h = cli("taylor", "--help")
    assert h.exit_code == 0 and "Example" in h.stdout and "gdcli taylor" in h.stdout


@pytest.mark.parametrize("text, at, shown", [
    ("2*w0**2 + 3*w1**2", "3,4", "66 + 12*(w0 - 3) + 24*(w1 - 4) + 2*(w0 - 3)**2 + 3*(w1 - 4)**2"),
    ("x*y", "1,-2", "-2 - 2*(x - 1) + (y + 2) + (x - 1)*(y + 2)"),
    ("exp(x)", "1", "e + e*(x - 1) + e*(x - 1)**2/2"),
    ("0.1*x**2", "1", "1/10 + (x - 1)/5 + (x - 1)**2/10"),  # decimals as typed, not 0.100000000000000
    ("1e-300*x**3", "1", "1e-300 + 3e-300*(x - 1) + 3e-300*(x - 1)**2"),
])
def test_the_form_in_x_minus_a_keeps_its_factors(text, at, shown):
    """Expanding it back gives the δ form: the same polynomial, not c·x − c·a spilled into separate terms."""
    r = expand(text, at, 2)
    assert r.polynomial_at == shown
    f = compile_expression(text)
    a = f.point(at)
    P = evaluate_orders(r, (a + 0.37)[None, :])[-1, 0]
    back = compile_expression(shown, f.variables)  # read back by the expression language itself
    assert float(back.f(a + 0.37)) == pytest.approx(P, rel=1e-14)
