"""Issue 12 §2 and §3: verdicts right at every scale, and kinks reported honestly.

Oracles: the sign of a typed coefficient (closed form), NumPy's eigenvalues of the closed-form Hessian,
math.hypot, and one-sided difference quotients written out here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdcli.engine.calculus.definiteness import exact_signs, kind_of, numeric_tolerance, scaled_norm
from gdcli.engine.calculus.kinks import one_sided

# -- wrong proofs: the commands ---------------------------------------------------------------------

PROOFS = [
    ("-1e-100*x**2", "strictly-concave"),
    ("-1e-40*x**2 + x", "strictly-concave"),
    ("1e-200*x**2 - 1e-200*y**2", "neither"),
    ("x**2/10**40 - y**2/10**40", "neither"),
    ("1e-300*x**2 + 1e-300*y**2", "strictly-convex"),
    ("1e300*x**2 - 1e-300*y**2", "neither"),
]


@pytest.mark.parametrize("expression, verdict", PROOFS)
def test_tiny_and_huge_coefficients_are_decided_exactly(cli_json, expression, verdict):
    doc = cli_json("convex", expression)
    assert doc["verdict"] == verdict and doc["proved"] and doc["method"] == "constant-hessian"
    assert "decided exactly" in doc["reason"]


DEFINITENESS = [  # (expression, point, definiteness): the signs of the typed coefficients decide it
    ("-1e-100*x**2", "0", "negative-definite"),
    ("1e-30*x**2 - 1e-30*y**2", "0,0", "indefinite"),
    ("1e200*x**2 + y**2", "0,0", "positive-definite"),
    ("x**2 + 1e-12*y**2", "0,0", "positive-definite"),
    ("x**2 + 0*y", "0,0", "positive-semidefinite"),
    ("(x - 0.1)**2*y + y**2", "0.1,0", "positive-semidefinite"),  # H = [[0,0],[0,2]] exactly, in decimals
]


@pytest.mark.parametrize("expression, at, kind", DEFINITENESS)
def test_definiteness_is_exact_where_the_hessian_is(cli_json, expression, at, kind):
    doc = cli_json("hessian", expression, "--at", at)
    assert doc["definiteness"] == kind and doc["definiteness_exact"] is True
    assert doc["definiteness_tolerance"] is None


def test_otherwise_a_relative_tolerance_is_used_and_stated(cli_json):
    doc = cli_json("hessian", "sin(x)*cos(y) + 1e-9*x*y", "--at", "1,2")
    assert doc["definiteness_exact"] is False
    x, y = 1.0, 2.0  # the closed-form Hessian, its eigenvalues by NumPy
    H = np.array([[-math.sin(x) * math.cos(y), -math.cos(x) * math.sin(y) + 1e-9],
                  [-math.cos(x) * math.sin(y) + 1e-9, -math.sin(x) * math.cos(y)]])
    lam = np.linalg.eigvalsh(H)
    assert doc["definiteness_tolerance"] == pytest.approx(64 * 2 * np.finfo(float).eps * np.abs(lam).max(), rel=1e-6)
    assert doc["definiteness"] == kind_of(np.sign(lam))


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1.0, 1e150, 1e300])
def test_the_numeric_tolerance_scales_with_the_matrix(scale):
    lam = np.array([1e-12, 1.0]) * scale
    assert numeric_tolerance(lam) < lam[0]


def test_exact_signs_count_by_descartes_rule():
    import sympy as sp

    H = sp.Matrix([[2, 1, 0], [1, 2, 1], [0, 1, 2]])  # eigenvalues 2 - √2, 2, 2 + √2
    assert exact_signs(H) == (3, 0, 0)
    assert exact_signs(sp.Matrix([[1, 2], [2, 1]])) == (1, 0, 1)  # 3 and -1
    assert exact_signs(sp.Matrix([[0, 0], [0, sp.Rational(-1, 10**300)]])) == (0, 1, 1)
    assert exact_signs(sp.Matrix([[sp.sqrt(2)]])) is None  # not rational: the caller goes numeric


# -- norms ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, at, norm", [
    ("1e160*x + 1e160*y", "1,1", math.hypot(1e160, 1e160)),
    ("1e-200*x**2", "1", 2e-200),
    ("1e-170*x + 1e-170*y", "0,0", math.hypot(1e-170, 1e-170)),
])
def test_gradient_norms_neither_overflow_nor_underflow(cli_json, expression, at, norm):
    assert cli_json("grad", expression, "--at", at)["norm"] == pytest.approx(norm, rel=1e-15)


def test_scaled_norm_matches_hypot():
    v = np.array([3e-170, 4e-170])
    assert scaled_norm(v) == pytest.approx(math.hypot(*v), rel=1e-15) and scaled_norm([]) == 0.0


def test_descend_does_not_call_an_underflowed_gradient_converged(cli_json):
    doc = cli_json("descend", "1e-170*x**2 + 1e-170*y**2", "--start", "1,1", "--tol", "0", "--steps", "3")
    run = doc["runs"][0]
    assert run["status"] == "max-steps"
    assert run["final"]["grad_norm"] == pytest.approx(math.hypot(2e-170, 2e-170), rel=1e-12)


# -- --method all, empty domains ------------------------------------------------------------------------------

def test_method_all_names_the_method_that_failed(cli_json):
    doc = cli_json("grad", "log(x)", "--at", "1e-7", "--method", "all")
    assert doc["max_disagreement"] is None  # inf: no agreement can be claimed
    assert set(doc["failed"]) == {"numeric"} and "not finite" in doc["failed"]["numeric"]
    assert doc["methods"]["symbolic"] == [pytest.approx(1e7)] and doc["methods"]["autodiff"] == [pytest.approx(1e7)]


def test_method_all_agrees_where_all_methods_work(cli_json):
    doc = cli_json("grad", "x**3 + y", "--at", "2,1", "--method", "all")
    assert doc["failed"] is None and doc["max_disagreement"] < 1e-8


@pytest.mark.parametrize("expression", ["sqrt(-1-x**2)", "log(-x**2-y**2-1)", "sqrt(-exp(x))"])
def test_an_empty_domain_exits_2(cli, expression):
    r = cli("convex", expression)
    assert r.exit_code == 2 and "empty" in r.stderr and "error:" in r.stderr.strip().splitlines()[0]


# -- kinks -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression", ["x*abs(x)", "relu(x)**2", "max(x,0)**2", "abs(x)**3", "abs(x)*x**2 + y"])
def test_c1_functions_pass_gradcheck_strict_at_their_kink(cli_json, expression):
    at = "0,1" if "y" in expression else "0"
    doc = cli_json("gradcheck", expression, "--at", at, "--strict")
    assert doc["passed"] is True and doc["verdict"] == "pass"
    assert doc["components"][0]["one_sided"] == [pytest.approx(0, abs=1e-9)] * 2


@pytest.mark.parametrize("expression, left, right", [("abs(x)", -1, 1), ("relu(x)", 0, 1), ("max(x, 0)", 0, 1),
                                                     ("min(x, 0)", 1, 0), ("3*abs(x) + x", -2, 4)])
def test_real_kinks_are_still_reported(cli, cli_json, expression, left, right):
    doc = cli_json("gradcheck", expression, "--at", "0")
    assert doc["verdict"] == "non-differentiable" and doc["passed"] is None
    assert doc["components"][0]["one_sided"] == [pytest.approx(left), pytest.approx(right)]
    assert cli("gradcheck", expression, "--at", "0", "--strict").exit_code == 1


def test_grad_at_a_kink_gives_the_one_sided_derivatives_and_the_convention(cli_json, cli):
    doc = cli_json("grad", "relu(x)", "--at", "0")
    assert doc["gradient"] == [0.5]
    (side,) = doc["one_sided"]
    assert (side["left"], side["right"], side["differentiable"]) == (0.0, pytest.approx(1.0), False)
    assert "Heaviside(0) = 1/2" in doc["convention"]
    assert "left derivative 0, right derivative 1" in cli("grad", "relu(x)", "--at", "0").stdout
    smooth = cli_json("grad", "x*abs(x)", "--at", "0")
    assert smooth["one_sided"][0]["differentiable"] is True and smooth["convention"] is None
    assert cli_json("grad", "relu(x)", "--at", "1")["one_sided"] is None  # no kink at x = 1


def test_hessian_at_a_kink_shows_no_dirac_delta_and_no_smooth_class(cli_json):
    doc = cli_json("hessian", "abs(x)", "--at", "0")
    assert "DiracDelta" not in str(doc["hessian_symbolic"])
    assert doc["classification"].startswith("non-smooth point") and doc["kinks"]
    assert cli_json("hessian", "abs(x) + x**2", "--at", "1")["classification"] == "not a critical point"


def test_a_hand_gradient_undefined_where_f_is_smooth_fails_naming_it(cli_json):
    doc = cli_json("gradcheck", "x**2 + y**2", "--gradient", "1/(x-1), 2*y", "--at", "1,3", exit_code=1)
    assert doc["verdict"] == "fail" and doc["failing"] == ["x"]
    assert "not finite" in doc["components"][0]["note"]


def test_an_infinite_slope_of_f_itself_stays_non_differentiable(cli_json):
    doc = cli_json("gradcheck", "sqrt(x)", "--at", "0")
    assert doc["verdict"] == "non-differentiable"


def oracle_one_sided(f, x, h=1e-8):
    return (f(x) - f(x - h)) / h, (f(x + h) - f(x)) / h


@pytest.mark.parametrize("f", [lambda t: np.where(t > 0, 3 * t + t**2, -2 * t), lambda t: np.maximum(t, 0) * 2 - t,
                               lambda t: np.where(t > 0, np.sin(t), t**2)])
def test_one_sided_matches_difference_quotients(f):
    o = one_sided(lambda P: f(P[:, 0]), np.array([0.0]), 0, "x")
    left, right = oracle_one_sided(f, 0.0)
    assert o.left == pytest.approx(left, abs=1e-5) and o.right == pytest.approx(right, abs=1e-5)


def test_a_jump_is_not_continuous_whatever_function_makes_it():
    """Generic over the non-smooth set: sign and heaviside (issue 16) jump, and no derivative is claimed."""
    for f in (np.sign, lambda t: np.heaviside(t, 0.5) + t):
        o = one_sided(lambda P: f(P[:, 0]), np.array([0.0]), 0, "x")
        assert (o.continuous, o.differentiable, o.left, o.right) == (False, False, None, None)
