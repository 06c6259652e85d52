"""`gdcli hessian` against closed forms: the matrix, its eigenvalues, definiteness, class and Taylor table."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from gdcli.engine.calculus.numdiff import approx_gradient
from gdcli.expr import compile_expression

ISSUE = "w0**2 + 2*w0*w1 + 3*w1**2"


def exact(text: str) -> sp.Expr:
    """An exact eigenvalue as printed, read back with the expression language itself."""
    return compile_expression(text).sym


def test_issue_example_json(cli_json):
    doc = cli_json("hessian", ISSUE, "--at", "0,0")
    for key in ("hessian", "hessian_symbolic", "eigenvalues", "definiteness", "classification", "taylor"):
        assert key in doc
    assert doc["hessian"] == [[2, 2], [2, 6]]
    assert doc["hessian_symbolic"] == [["2", "2"], ["2", "6"]]
    # eigenvalues of [[2,2],[2,6]]: 4 ± sqrt(4 + 4) = 4 ± 2√2, ascending
    assert doc["eigenvalues"] == pytest.approx([4 - 2 * math.sqrt(2), 4 + 2 * math.sqrt(2)], rel=1e-14)
    assert [exact(s) for s in doc["eigenvalues_exact"]] == [4 - 2 * sp.sqrt(2), 4 + 2 * sp.sqrt(2)]
    assert doc["definiteness"] == "positive-definite"
    assert doc["critical"] is True
    assert doc["classification"] == "minimum"
    assert doc["taylor"] is None


def test_issue_example_table(cli):
    r = cli("hessian", ISSUE, "--at", "0,0")
    assert r.exit_code == 0 and r.stderr == ""
    for text in ("1.171572875 = 4 - 2*sqrt(2)", "6.828427125", "positive-definite", "minimum", "formulas"):
        assert text in r.stdout, text


@pytest.mark.parametrize("text, at, eigenvalues, kind, cls", [
    ("x**2 - y**2", "0,0", [-2, 2], "indefinite", "saddle"),
    ("x*y", "0,0", [-1, 1], "indefinite", "saddle"),
    ("1 - x**2 - 2*y**2", "0,0", [-4, -2], "negative-definite", "maximum"),
    ("cos(x) + cos(y)", "0,0", [-1, -1], "negative-definite", "maximum"),
    ("x**4 + y**2", "0,0", [0, 2], "positive-semidefinite", "degenerate"),
    ("0 - x**4 - y**2", "0,0", [-2, 0], "negative-semidefinite", "degenerate"),
    ("x**3", "0", [0], "positive-semidefinite", "degenerate"),
    ("x**2 + y**2", "1,0", [2, 2], "positive-definite", "not a critical point"),
])
def test_critical_point_classes(cli_json, text, at, eigenvalues, kind, cls):
    doc = cli_json("hessian", text, "--at", at)
    assert doc["eigenvalues"] == pytest.approx(eigenvalues, abs=1e-14)
    assert doc["definiteness"] == kind
    assert doc["classification"] == cls
    assert doc["critical"] is (cls != "not a critical point")


def test_expression_starting_with_minus(cli, cli_json):
    # click reads a leading '-' as an option; after `--` (or with a leading space) it is the expression.
    r = cli("hessian", "--at", "0,0", "--json", "--", "-x**2 - 2*y**2")
    assert r.exit_code == 0 and json.loads(r.stdout)["classification"] == "maximum"
    assert cli_json("hessian", " -x**2 - 2*y**2", "--at", "0,0")["classification"] == "maximum"


def test_hessian_formulas_and_numbers_agree_with_closed_form(cli_json):
    x, y = 0.3, 1.2
    doc = cli_json("hessian", "exp(x)*sin(y) + x*y^3", "--at", f"{x},{y}")
    want = [[math.exp(x) * math.sin(y), math.exp(x) * math.cos(y) + 3 * y**2],
            [math.exp(x) * math.cos(y) + 3 * y**2, -math.exp(x) * math.sin(y) + 6 * x * y]]
    assert np.allclose(doc["hessian"], want, rtol=1e-13)
    assert doc["hessian_symbolic"][0][1] == doc["hessian_symbolic"][1][0]
    assert doc["eigenvalues"] == pytest.approx(sorted(np.linalg.eigvalsh(np.array(want))), rel=1e-12)
    assert doc["definiteness"] == "indefinite" and doc["classification"] == "not a critical point"


def test_hessian_matches_differences_of_the_gradient():
    """A second method: each Hessian column is a central difference of the symbolic gradient."""
    expr = compile_expression("log(1 + x^2 + y^2) + sigmoid(x*y) + softplus(x - y)")
    p = np.array([0.7, -0.4])
    H_fd = np.column_stack([approx_gradient(lambda X: expr.grad(X)[..., i], p) for i in range(2)]).T
    assert np.allclose(expr.hessian(p), H_fd, rtol=1e-7, atol=1e-9)


def test_taylor_table_exp_at_0(cli_json, cli):
    doc = cli_json("hessian", "exp(x)", "--at", "0", "--step", "0.1")
    t = doc["taylor"]
    assert t["delta"] == [0.1]
    assert t["actual"] == pytest.approx(math.exp(0.1), rel=1e-15)
    assert t["first_order"] == pytest.approx(1.1, rel=1e-15)  # 1 + δ
    assert t["second_order"] == pytest.approx(1.105, rel=1e-15)  # 1 + δ + δ²/2
    assert t["error_first"] == pytest.approx(math.exp(0.1) - 1.1, rel=1e-12)
    assert t["error_second"] == pytest.approx(math.exp(0.1) - 1.105, rel=1e-10)
    # the second-order error is the δ³/6 term to leading order
    assert t["error_second"] == pytest.approx(0.1**3 / 6, rel=0.03)
    out = cli("hessian", "exp(x)", "--at", "0", "--step", "0.1").stdout
    assert "1.10517091808" in out and "Taylor" in out


def test_taylor_second_order_is_exact_for_a_quadratic(cli_json):
    t = cli_json("hessian", ISSUE, "--at", "1,-2", "--step", "0.5,0.25")["taylor"]
    f = lambda a, b: a**2 + 2 * a * b + 3 * b**2  # noqa: E731
    assert t["actual"] == pytest.approx(f(1.5, -1.75), rel=1e-15)
    assert abs(t["error_second"]) < 1e-14
    assert t["error_first"] == pytest.approx(0.5 * (2 * 0.5**2 + 4 * 0.5 * 0.25 + 6 * 0.25**2), rel=1e-12)
