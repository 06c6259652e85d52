"""`gdcli convex`: the issue's table, the seeds' x³ witness, domains, rules, sampling, --expect, JSON and plots."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from gdcli.engine.convex.proof import decide_convexity, satisfies
from gdcli.expr import compile_expression

# The issue's "Must show" table: function, domain, expected verdict (checked with the same rule as --expect).
TABLE = [
    ("x**2", None, "strictly-convex"),
    ("x**3", None, "neither"),
    ("exp(x)", None, "convex"),
    ("log(x)", None, "concave"),
    ("-log(x)", None, "convex"),
    ("x**4", None, "convex"),
    ("2*w0**2 + 3*w1**2", None, "strictly-convex"),
    ("w0**2 + 2*w0*w1 + 3*w1**2", None, "strictly-convex"),
    ("sin(x)", None, "neither"),
    ("x**4 - 5*x**2 + 4*x", None, "neither"),
    ("abs(x)", None, "convex"),
    ("2*x + 3*y", None, "affine"),
]


def decide(text, domain=None, **kw):
    return decide_convexity(compile_expression(text), domain, **kw)


@pytest.mark.parametrize("text, domain, expected", TABLE)
def test_issue_table(text, domain, expected):
    r = decide(text, domain)
    assert satisfies(r.verdict, expected), (r.verdict, r.reason)
    if expected == "neither":
        assert r.convex is False and r.concave is False
        # Every witness is re-checked here by a second, independent evaluation with Python floats.
        for w, sense in ((r.witness, 1), (r.not_concave_witness, -1)):
            assert w is not None and w.kind == "jensen"
            f = lambda v: float(compile_expression(text).f(np.asarray(v)))  # noqa: E731
            mix = [r.witness and (w.alpha * a + (1 - w.alpha) * b) for a, b in zip(w.a, w.b)]
            assert np.allclose(mix, w.mix)
            assert sense * (f(w.mix) - (w.alpha * f(w.a) + (1 - w.alpha) * f(w.b))) > 0
    else:
        assert r.proved


def test_seed_x3_witness_is_the_books():
    w = decide("x**3").witness
    assert (w.a, w.b, w.alpha) == ([-8.0], [5.0], 0.3)
    # Seed §3.7.2: A = (−8, −512), B = (5, 125); C = 0.3A + 0.7B lies below D on the curve.
    assert (w.f_a, w.f_b) == (-512.0, 125.0)
    assert w.mix == [1.1] and w.secant == pytest.approx(-66.1, abs=1e-12) and w.f_mix == pytest.approx(1.331, abs=1e-12)
    assert w.gap == pytest.approx(1.331 + 66.1, abs=1e-12)


def test_exact_eigenvalues_of_the_seed_hessians():
    r = decide("w0**2 + 2*w0*w1 + 3*w1**2")
    assert r.method == "constant-hessian" and r.proved
    assert sorted(r.eigenvalues) == pytest.approx([4 - 2 * math.sqrt(2), 4 + 2 * math.sqrt(2)])
    assert set(r.eigenvalues_exact) == {"4 - 2*sqrt(2)", "2*sqrt(2) + 4"}
    assert decide("2*w0**2 + 3*w1**2").eigenvalues == [4.0, 6.0]


def test_methods_in_order():
    assert decide("x**2 + 3*x*y + 5*y**2").method == "constant-hessian"
    r = decide("x**4")
    assert r.method == "second-derivative" and "12*x**2" in r.reason
    assert decide("exp(x) + exp(y)").method == "separable"
    assert decide("exp(x + y)").method == "rules"
    assert decide("sin(x)").method == "sampling"


@pytest.mark.parametrize("text, expected, rule", [
    ("abs(x)", "convex", "abs"),
    ("max(x, y, 0)", "convex", "max"),
    ("relu(x - y) + softplus(2*y)", "convex", "relu"),
    ("log(exp(x) + exp(y))", "convex", "log-sum-exp"),
    ("sqrt(x**2 + y**2)", "convex", "norm"),
    ("exp(x**2 + y**2)", "convex", "nondecreasing"),
    ("-log(x) - log(y) + 3*abs(x - y)", "convex", "scaling"),
    ("min(x, y) + log(x + y)", "concave", "min"),
    ("(x**2 + y**2)**2", "convex", "even power"),
])
def test_composition_rules(text, expected, rule):
    r = decide(text)
    assert r.method == "rules" and r.verdict == expected and r.proved
    assert any(rule in line for line in r.trace), r.trace
    # Oracle: no sampled Jensen triple contradicts the proved curvature.
    from gdcli.engine.convex.domain import make_domain
    from gdcli.engine.convex.witness import jensen_trials

    e = compile_expression(text)
    gap = jensen_trials(e, make_domain(e), np.random.default_rng(1), 2000)[3]
    assert ((gap <= 0) if expected == "convex" else (gap >= 0)).all()


def test_nonsmooth_not_decided_by_hessians():
    r = decide("abs(x) - abs(y)")
    assert r.verdict == "neither" and r.method == "sampling" and not r.proved
    assert r.witness.kind == "jensen"
    assert "Hessians are not used" in r.reason


def test_sampling_never_proves_convexity_and_is_seeded():
    r = decide("sin(x)", "x=0:1e-12")  # concave there, but far too flat for sampling to tell
    assert r.verdict == "unknown" and r.convex is None and r.concave is None and not r.proved
    assert r.sampling.points > 0 and "sampling alone never proves convexity" in r.reason
    assert "[-0" not in r.reason  # no negative zeros in the eigenvalue range
    a, b = decide("sin(x) + cos(y)", seed=3), decide("sin(x) + cos(y)", seed=3)
    assert a.witness == b.witness and a.verdict == "neither"


def test_hessian_witness_when_no_secant_needed():
    from gdcli.engine.convex.domain import make_domain
    from gdcli.engine.convex.witness import verify_hessian

    e = compile_expression("x*y")
    w = verify_hessian(e, make_domain(e), [1.0, 2.0], 1)
    assert w.eigenvalue == pytest.approx(-1.0) and abs(np.dot(w.eigenvector, [1, -1])) == pytest.approx(math.sqrt(2))
    assert w.second_difference == pytest.approx(-1.0, rel=1e-6)


@pytest.mark.parametrize("text, domain, expected, shown", [
    ("log(x)", None, "strictly-concave", "x > 0"),
    ("sqrt(x)", None, "strictly-concave", "x ≥ 0"),
    ("x**3", "x>0", "strictly-convex", "x > 0"),
    ("x**3", "x=-5:0", "strictly-concave", "-5 ≤ x ≤ 0"),
    ("1/x", "x<0", "strictly-concave", "x < 0"),
    ("sin(x)", "x=0:3", "not-convex", "0 ≤ x ≤ 3"),  # concave there, but only sampling applies
])
def test_domains(text, domain, expected, shown):
    r = decide(text, domain)
    assert r.verdict == expected, r.reason
    assert r.domain == [shown]


def test_witness_inside_the_domain():
    r = decide("x**3", "x=-5:5")
    w = r.witness
    assert all(-5 <= v <= 5 for v in w.a + w.b)
    r = decide("1/x")  # x ≠ 0: the secant must not jump over the pole
    assert r.verdict == "neither" and not r.domain_convex
    assert np.sign(r.witness.a[0]) == np.sign(r.witness.b[0]) != 0
    assert r.restrictions == ["x ≠ 0 (needed by 1/x)"]


def test_restrictions_reported():
    r = decide("log(x + y) + sqrt(y)")
    assert "x + y > 0 (needed by log(x + y))" in r.restrictions
    assert "y ≥ 0 (needed by sqrt(y))" in r.restrictions
    assert r.verdict == "concave" and r.method == "rules"


# -- the command line --------------------------------------------------------------------------------------

def test_cli_json_keys(cli_json):
    doc = cli_json("convex", "x**3")
    for key in ("verdict", "convex", "concave", "proved", "method", "reason", "witness"):
        assert key in doc
    assert doc["verdict"] == "neither" and doc["witness"]["a"] == [-8.0] and doc["witness"]["alpha"] == 0.3


def test_cli_table(cli):
    r = cli("convex", "x**3")
    assert r.exit_code == 0
    assert "verdict: neither" in r.stdout and "-512" in r.stdout and "-66.1" in r.stdout and "1.331" in r.stdout


@pytest.mark.parametrize("text, expect, code", [
    ("x**2", "convex", 0), ("x**2", "strictly-convex", 0), ("2*x + 3*y", "concave", 0),
    ("x**3", "convex", 1), ("log(x)", "convex", 1), ("x**3", "nonconvex", 0), ("sin(x)", "unknown", 1),
])
def test_expect(cli, text, expect, code):
    r = cli("convex", text, "--expect", expect, "--json")
    assert r.exit_code == code, r.stdout + r.stderr
    assert json.loads(r.stdout)["expect_met"] is (code == 0)


@pytest.mark.parametrize("args, message", [
    (["x**2", "--expect", "convx"], "did you mean 'convex'"),
    (["x**2", "--domain", "z>0"], "'z' is not a variable"),
    (["x**2", "--domain", "x>3, x<1"], "empty"),
    (["x**2", "--domain", "x+1>0"], "single variable"),
    (["foo(x)"], "unknown function"),
])
def test_bad_input_exit_2(cli, tmp_path, args, message):
    r = cli("convex", *args)
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "p.png").exists()


def test_plots(cli, tmp_path):
    for text in ("x**3", "x*y", "x**2 + y**2"):
        out = tmp_path / f"{len(text)}.png"
        r = cli("convex", text, "--plot", out, "--json")
        assert r.exit_code == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_config_file(cli_json, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("command: convex\nexpression: x**3\ndomain: x>0\nseed: 5\n")
    doc = cli_json("convex", "--config", cfg)
    assert doc["verdict"] == "strictly-convex" and doc["domain"] == ["x > 0"]


def test_subprocess_json_and_no_heavy_imports():
    code = ("import runpy, sys; sys.argv = ['gdcli', 'convex', 'x**2 + 3*x*y + 5*y**2', '--json'];\n"
            "try: runpy.run_module('gdcli', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "print('HEAVY' if {'torch', 'matplotlib'} & set(sys.modules) else 'LIGHT', file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=60)
    doc = json.loads(p.stdout)
    assert doc["verdict"] == "strictly-convex" and doc["eigenvalues_exact"] == ["1", "11"]
    assert p.stderr.strip().endswith("LIGHT")


def test_subprocess_expect_exit_code():
    p = subprocess.run([sys.executable, "-m", "gdcli", "convex", "x**3", "--expect", "convex"],
                       capture_output=True, text=True, env=os.environ, timeout=60)
    assert p.returncode == 1 and "expected convex: does not hold" in p.stdout


def test_ctrl_c_keeps_partial_result_and_exits_130(cli, monkeypatch):
    import gdcli.engine.convex.proof as convexity

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(convexity, "counterexamples", interrupt)
    r = cli("convex", "sin(x)", "--json")
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["interrupted"] is True and doc["verdict"] == "unknown"
    r = cli("convex", "x**3")  # the proof stands; only the witness search was cut short
    assert r.exit_code == 130 and "verdict: neither" in r.stdout and "interrupted" in r.stdout


def test_a_concavity_violation_alone_is_not_concave_with_its_witness(cli):
    # x⁴/y is convex on y > 0 (no rule here covers it; x²/y now has one): sampling cannot say "convex",
    # but its verified concavity witness settles "not concave"; it used to be reported as "unknown".
    r = decide("x**4/y", "y>0")
    assert r.verdict == "not-concave" and (r.convex, r.concave, r.proved) == (None, False, False)
    assert r.witness is None and r.not_concave_witness is not None
    w = r.not_concave_witness
    f = lambda p: p[0] ** 4 / p[1]  # noqa: E731 - the closed form, independent of gdcli's evaluator
    assert w.b[1] > 0 and w.a[1] > 0 if w.kind == "jensen" else w.point[1] > 0
    if w.kind == "jensen":
        mix = [w.alpha * a + (1 - w.alpha) * b for a, b in zip(w.a, w.b)]
        assert f(mix) < w.alpha * f(w.a) + (1 - w.alpha) * f(w.b)
    assert cli("convex", "x**4/y", "--domain", "y>0", "--expect", "not-concave").exit_code == 0
    assert cli("convex", "x**4/y", "--domain", "y>0", "--expect", "unknown").exit_code == 1


def test_huge_exact_numbers_are_shown_as_floats(cli, cli_json):
    # 1e200 is exactly 10**200: the reason and the eigenvalue line used to print all 201 digits.
    r = cli("convex", "1e200*x**2")
    assert r.exit_code == 0 and "0" * 30 not in r.stdout
    assert "[[2e+200]]" in r.stdout and "Hessian eigenvalues: 2.0000000e+200" in r.stdout
    doc = cli_json("convex", "1e200*x**2")
    assert doc["eigenvalues_exact"] == [str(2 * 10**200)]  # JSON keeps the exact value
    assert "4 - 2*sqrt(2)" in cli("convex", "w0**2 + 2*w0*w1 + 3*w1**2").stdout  # short exact forms stay


def test_witness_table_names_the_variables(cli):
    lines = cli("convex", "x*y").stdout.splitlines()
    header = next(line for line in lines if line.startswith("┃ point"))
    assert "(x, y)" in header
    assert "┃   t ┃" in cli("convex", "t**3").stdout


def test_huge_box_is_sampled():
    # hi − lo overflowed to inf for x = -1e308:1e308, so every sample was inf: "no sampled point lies in the domain".
    r = decide("sin(x)", "x=-1e308:1e308")
    assert r.verdict == "neither" and r.sampling.points > 0
    for w in (r.witness, r.not_concave_witness):
        assert all(-1e308 <= v <= 1e308 for v in w.a + w.b)


def test_narrow_box_is_sampled_inside_not_rounded_away():
    # Sample points were rounded to 2 decimals: in a box of width 1e-6 they all fell on 0 or out of the box.
    from gdcli.engine.convex.domain import make_domain

    expr = compile_expression("sin(x)")
    X = make_domain(expr, "x=1e-6:2e-6").sample(expr, 1000, np.random.default_rng(0), decimals=2)
    assert len(X) > 900 and len(np.unique(X)) > 100 and ((X >= 1e-6) & (X <= 2e-6)).all()


@pytest.mark.parametrize("text, verdict", [("x**3.0", "neither"), ("x**2.0", "strictly-convex"),
                                           ("(x - y)**3.0", "neither")])
def test_integral_float_powers_are_defined_for_negative_bases(text, verdict):
    # NumPy gives (-2.0)**3.0 = -8: x**3.0 used to be read as needing x ≥ 0, and so proved strictly convex.
    expr = compile_expression(text)
    r = decide(text)
    assert r.verdict == verdict and r.restrictions == [] and r.domain == [", ".join(expr.variables) + " ∈ ℝ"]
    if verdict == "neither":
        assert r.witness is not None and r.not_concave_witness is not None
