"""`gdcli critical`: points checked against closed forms and against scipy.optimize.root from many starts;
classes against the Hessian's closed form; kinks named, never classified as smooth."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import root

from gdcli.engine.calculus.critical import critical_points
from gdcli.engine.convex.domain import make_domain
from gdcli.expr import compile_expression

FIG_3_14 = "x**4 - 5*x**2 + 4*x"
HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"


def scipy_critical_points(text, lo, hi, starts=400, seed=1):
    """The independent oracle: scipy's hybr root finder on ∇f = 0 (with the exact Jacobian) from a grid of starts."""
    f = compile_expression(text)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    rng = np.random.default_rng(seed)
    found = []
    for x0 in lo + rng.random((starts, lo.size)) * (hi - lo):
        sol = root(lambda x: f.grad(x), x0, jac=lambda x: f.hessian(x), method="hybr", tol=1e-13)
        if sol.success and np.all(sol.x >= lo) and np.all(sol.x <= hi) and np.max(np.abs(f.grad(sol.x))) < 1e-8:
            if not any(np.allclose(sol.x, p, atol=1e-6) for p in found):
                found.append(sol.x)
    return sorted(found, key=lambda p: tuple(p))


def as_sorted(points):
    return sorted((np.asarray(p["point"] if isinstance(p, dict) else p.point) for p in points), key=lambda p: tuple(p))


def test_fig_3_14_two_minima_and_the_maximum_between(cli_json):
    doc = cli_json("critical", FIG_3_14)
    roots = np.sort(np.roots([4, 0, -10, 4]).real)  # f' = 4x³ − 10x + 4
    assert doc["complete"] is True and doc["method"] == "symbolic"
    pts = doc["points"]
    assert [p["value"] for p in pts] == sorted(p["value"] for p in pts)  # sorted by f
    assert sorted(p["point"][0] for p in pts) == pytest.approx(roots, rel=1e-12)
    for p in pts:
        x = p["point"][0]
        assert p["classification"] == ("minimum" if 12 * x * x - 10 > 0 else "maximum")
        assert p["eigenvalues"] == pytest.approx([12 * x * x - 10], rel=1e-12)
        assert p["value"] == pytest.approx(x ** 4 - 5 * x ** 2 + 4 * x, rel=1e-12)
        assert p["exact"] is True
    assert [p["classification"] for p in pts] == ["minimum", "minimum", "maximum"]
    assert pts[0]["point"][0] < pts[2]["point"][0] < pts[1]["point"][0]  # the maximum lies between


def test_positive_definite_quadratic_has_one_minimum_and_is_complete():
    A = np.array([[4, 1, 0], [1, 3, -1], [0, -1, 2]])
    b = np.array([1, -2, 3])
    text = " + ".join(f"{A[i, j] / 2}*x{i}*x{j}" for i in range(3) for j in range(3)) + " - " + \
        " - ".join(f"({b[i]})*x{i}" for i in range(3))
    r = critical_points(compile_expression(text))
    assert r.complete and len(r.points) == 1
    p = r.points[0]
    assert p.classification == "minimum" and p.exact
    assert p.point == pytest.approx(np.linalg.solve(A, b), rel=1e-12)
    assert p.eigenvalues == pytest.approx(np.linalg.eigvalsh(A), rel=1e-12)
    assert p.value == pytest.approx(-0.5 * b @ np.linalg.solve(A, b), rel=1e-12)


def test_sin_on_0_10_exactly():
    f = compile_expression("sin(x)")
    r = critical_points(f, make_domain(f, "x=0:10"))
    assert r.complete and r.method == "symbolic"
    by_x = sorted(r.points, key=lambda p: p.point[0])
    assert [p.point[0] for p in by_x] == pytest.approx([math.pi / 2, 3 * math.pi / 2, 5 * math.pi / 2], rel=1e-15)
    assert [p.classification for p in by_x] == ["maximum", "minimum", "maximum"]
    assert [p.coordinates for p in by_x] == [["pi/2"], ["3*pi/2"], ["5*pi/2"]]


def test_sin_without_a_domain_names_the_periodic_families(cli):
    r = cli("critical", "sin(x)", "--json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0 and doc["complete"] is False and doc["points"] == []
    assert doc["families"] == ["x = 2*pi*n + pi/2 (n ∈ ℤ)", "x = 2*pi*n + 3*pi/2 (n ∈ ℤ)"]
    table = cli("critical", "sin(x)")
    assert "infinitely many" in table.stdout and "--domain" in table.stdout


@pytest.mark.parametrize("text, lo, hi", [
    (HIMMELBLAU, [-5, -5], [5, 5]),
    ("sin(x)*cos(y)", [-3, -3], [3, 3]),
    ("sin(3*x) + 0.1*x**2", [-4], [4]),
    ("exp(-x**2 - y**2)*(x - y) + 0.05*(x**2 + y**2)", [-3, -3], [3, 3]),
])
def test_numeric_search_finds_what_scipy_finds(text, lo, hi):
    f = compile_expression(text)
    box = make_domain(f, ",".join(f"{v}={a}:{b}" for v, a, b in zip(f.variables, lo, hi)))
    r = critical_points(f, box, time_limit_s=0.5)
    oracle = scipy_critical_points(text, lo, hi)
    assert len(oracle) >= 2
    ours = as_sorted(r.points)
    assert len(ours) == len(oracle)
    for p, q in zip(ours, oracle):
        assert p == pytest.approx(q, abs=1e-7)
    assert not r.complete and any("can miss" in w for w in r.warnings)
    for p in r.points:  # each class agrees with the Hessian's eigenvalues at the point
        lam = np.linalg.eigvalsh(f.hessian(np.asarray(p.point)))
        expected = "minimum" if lam.min() > 0 else "maximum" if lam.max() < 0 else "saddle"
        assert p.classification == expected


def test_himmelblau_has_four_minima_four_saddles_one_maximum(cli_json):
    doc = cli_json("critical", HIMMELBLAU, "--domain", "x=-5:5,y=-5:5", "--time-limit", "0.5")
    kinds = [p["classification"] for p in doc["points"]]
    assert sorted(kinds) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    assert doc["points"][0]["value"] == pytest.approx(0, abs=1e-20)
    assert any(p["point"] == pytest.approx([3, 2], abs=1e-12) for p in doc["points"])


def test_huge_and_tiny_coefficients():
    f = compile_expression("1e300*(x - 1)**2 + 1e300*(y + 2)**2")
    r = critical_points(f)
    assert r.complete and r.points[0].point == [1.0, -2.0] and r.points[0].classification == "minimum"
    g = compile_expression("1e-300*(sin(3*x) + 0.1*x**2)")
    numeric = critical_points(g, make_domain(g, "x=-4:4"), time_limit_s=0.5)
    oracle = scipy_critical_points("sin(3*x) + 0.1*x**2", [-4], [4])
    assert np.ravel(as_sorted(numeric.points)) == pytest.approx(np.ravel(oracle), abs=1e-7)
    wide = compile_expression("(x - 3)**2*(x + 1e6)")
    assert sorted(p.point[0] for p in critical_points(wide).points) == pytest.approx(
        sorted(np.roots([3, 2 * 1e6 - 12 + 0, -6 * 1e6 + 9]).real), rel=1e-12)


def test_s0_07_the_norm_has_a_kink_minimum_at_the_origin(cli_json):
    doc = cli_json("critical", "sqrt(w0**2 + w1**2)")
    (p,) = doc["points"]
    assert p["point"] == [0, 0] and p["classification"] == "kink" and p["eigenvalues"] is None
    assert p["local"] == "minimum" and doc["complete"] is True


@pytest.mark.parametrize("text, where, local, slopes", [
    ("abs(x)", 0.0, "minimum", [-1, 1]), ("relu(x)", 0.0, "minimum", [0, 1]),
    ("-abs(x - 2) + 1", 2.0, "maximum", [1, -1]), ("max(x, -2*x)", 0.0, "minimum", [-2, 1]),
])
def test_kinks_are_named_with_one_sided_slopes(text, where, local, slopes):
    r = critical_points(compile_expression(text), None)
    kinks = [p for p in r.points if p.classification == "kink"]
    assert [p.point[0] for p in kinks] == [where]
    assert kinks[0].local == local and kinks[0].eigenvalues is None
    assert kinks[0].kink["slopes"] == pytest.approx(slopes, abs=1e-5)


def test_smooth_pieces_and_kinks_together():
    r = critical_points(compile_expression("abs(x) + (x - 1)**2"))
    assert r.complete and [(p.point, p.classification) for p in r.points] == [([0.5], "minimum")]  # 0 is no extremum
    step = critical_points(compile_expression("heaviside(x) + x**2"))
    assert step.complete and step.points == []  # the jump at 0 goes up through it: not critical
    r = critical_points(compile_expression("sign(x)*x**2 - x"))
    assert [(p.point[0], p.classification) for p in r.points] == [(0.5, "minimum"), (-0.5, "maximum")]
    r = critical_points(compile_expression("sign(x)*x"))  # |x| written with sign: no constant "piece" at 0
    assert r.complete and r.families == [] and [(p.point, p.classification) for p in r.points] == [([0.0], "kink")]
    flat = critical_points(compile_expression("max(x**2, 1)"))
    assert flat.families == ["f is constant where -1 ≤ x ≤ 1"] and not flat.complete


def test_a_non_isolated_set_is_described():
    r = critical_points(compile_expression("(x - y)**2"))
    assert r.families == ["x = y"] and r.points == [] and not r.complete


def test_a_kink_in_several_variables_is_a_warning_not_a_silent_miss(cli_json):
    doc = cli_json("critical", "abs(x) + y**2", "--domain", "x=-1:1,y=-1:1")
    assert doc["complete"] is False
    assert any("not differentiable where x = 0" in w for w in doc["warnings"])


def test_degenerate_points():
    r = critical_points(compile_expression("x**4 + y**2"))
    (p,) = r.points
    assert p.classification == "degenerate" and p.eigenvalues == pytest.approx([0, 2])
    assert p.local == "minimum"  # x⁴ + y² is lowest at 0, which the Hessian alone cannot tell
    (q,) = critical_points(compile_expression("x**3")).points
    assert q.classification == "degenerate" and q.local == "neither"  # an inflection
    (m,) = critical_points(compile_expression("-x**4 - y**6")).points
    assert m.classification == "degenerate" and m.local == "maximum" and m.eigenvalues == [0.0, 0.0]


@pytest.mark.parametrize("args, message", [
    (("exp(x) - x**2",), "--domain"), (("exp(x) - x**2", "--domain", "x>0"), "--domain"),
    (("x**2", "--domain", "x=5:1"), "empty"), (("3",), "no variables"), (("0*x + 2",), "constant"),
    (("x**2", "--starts", "0", "--domain", "x=-1:1"), "--starts"),
    (("sin(" + "+".join(f"x{i}" for i in range(30)) + ")", "--starts", "100000",
      "--domain", ",".join(f"x{i}=-1:1" for i in range(30))), "lower --starts"), (("x*y*z", "--plot", "p.png"), "one or two"),
])
def test_bad_input_exits_2(cli, tmp_path, args, message):
    r = cli("critical", *args)
    assert r.exit_code == 2, r.stdout
    assert message in r.stderr and "Traceback" not in r.stderr


def test_domain_limits_a_complete_list(cli_json):
    doc = cli_json("critical", FIG_3_14, "--domain", "x=0:2")
    assert doc["complete"] is True and [p["classification"] for p in doc["points"]] == ["minimum", "maximum"]


def test_seeded_search_is_reproducible(cli_json):
    args = ("critical", "sin(3*x) + 0.1*x**2", "--domain", "x=-4:4", "--seed", "7", "--starts", "50",
            "--time-limit", "0.5")
    assert cli_json(*args) == cli_json(*args)


def test_plot_config_help(cli, tmp_path):
    for text, domain in (("sin(x)", "x=0:10"), (HIMMELBLAU, "x=-5:5,y=-5:5")):
        path = tmp_path / "c.png"
        r = cli("critical", text, "--domain", domain, "--plot", path, "--time-limit", "0.5")
        assert r.exit_code == 0, r.stderr
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        path.unlink()
    cfg = tmp_path / "c.yaml"
    cfg.write_text("command: critical\nexpression: x**2 - 2*x\n")
    doc = json.loads(cli("critical", "--config", cfg, "--json").stdout)
    assert doc["points"][0]["point"] == [1.0]
    h = cli("critical", "--help")
    assert h.exit_code == 0 and "Example" in h.stdout and "gdcli critical" in h.stdout
