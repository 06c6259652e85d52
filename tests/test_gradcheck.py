"""`gdcli gradcheck` end to end: verdicts and exit codes, hand and Python gradients, kinks, the sweep, errors."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

QUAD = "2*w0**2 + 3*w1**2"


def test_wrong_hand_gradient_fails_and_points_at_w1(cli, cli_json):
    doc = cli_json("gradcheck", QUAD, "--gradient", "4*w0, 5*w1", "--at", "3,4", exit_code=1)
    assert doc["passed"] is False and doc["verdict"] == "fail" and doc["failing"] == ["w1"]
    w0, w1 = doc["components"]
    assert (w0["analytic"], w1["analytic"]) == (12, 20)
    assert w1["numeric"] == pytest.approx(24, rel=1e-10) and not w1["ok"] and w0["ok"]
    assert doc["max_relative_error"] == pytest.approx(4 / 24, rel=1e-9)  # |20-24| / max(20, 24)
    r = cli("gradcheck", QUAD, "--gradient", "4*w0, 5*w1", "--at", "3,4")
    assert r.exit_code == 1 and "FAIL: w1" in r.stdout and "✗" in r.stdout


def test_right_hand_gradient_passes(cli_json):
    doc = cli_json("gradcheck", QUAD, "--gradient", "4*w0, 6*w1", "--at", "w0=3,w1=4")
    assert doc["passed"] is True and doc["max_relative_error"] < 1e-9 and doc["tol"] == 1e-6
    for key in ("passed", "max_relative_error", "tol", "components", "sweep", "floor", "method", "kinks"):
        assert key in doc
    assert doc["sweep"] is None


@pytest.mark.parametrize("method", ["forward", "backward", "central", "richardson"])
def test_engine_gradient_against_differences(cli_json, method):
    doc = cli_json("gradcheck", "exp(x)*sin(y) + log(1 + x**2)", "--at", "1,2", "--method", method)
    g = [np.exp(1) * np.sin(2) + 2 / 2, np.exp(1) * np.cos(2)]  # closed form
    assert [c["analytic"] for c in doc["components"]] == pytest.approx(g, rel=1e-14)
    assert [c["numeric"] for c in doc["components"]] == pytest.approx(g, rel=1e-6)
    assert doc["passed"] is True and doc["method"] == method


def test_autodiff_analytic(cli_json):
    doc = cli_json("gradcheck", "sigmoid(a*b) + softplus(a)", "--at", "0.3,-1.2", "--analytic", "autodiff")
    assert doc["analytic_source"] == "autodiff" and doc["passed"] is True


@pytest.mark.parametrize("text", ["abs(x)", "relu(x)"])
def test_kink_at_zero_is_reported_not_failed(cli, cli_json, text):
    doc = cli_json("gradcheck", text, "--at", "0")
    assert doc["verdict"] == "non-differentiable" and doc["passed"] is None and doc["differentiable"] is False
    assert doc["kinks"][0]["components"] == ["x"]
    r = cli("gradcheck", text, "--at", "0")
    assert r.exit_code == 0 and "NON-DIFFERENTIABLE" in r.stdout
    assert cli("gradcheck", text, "--at", "0", "--strict").exit_code == 1


def test_hinge_exactly_at_the_margin(cli_json):
    doc = cli_json("gradcheck", "max(0, 1 - y*(w*x + b))", "--vars", "w,b,x,y", "--at", "1,0,1,1")
    assert doc["verdict"] == "non-differentiable" and set(doc["kinks"][0]["components"]) == {"w", "b", "x", "y"}


def test_sweep_orders_and_plot(cli_json, tmp_path):
    png = tmp_path / "sweep.png"
    doc = cli_json("gradcheck", "exp(x)*sin(y)", "--at", "1,2", "--sweep", "--plot", png)
    s = doc["sweep"]
    assert len(s["rows"]) == 15 and s["rows"][0]["h"] == 0.1 and s["rows"][-1]["h"] == 1e-15
    assert s["orders"]["forward"] == pytest.approx(1, abs=0.05) and s["orders"]["central"] == pytest.approx(2, abs=0.05)
    row = s["rows"][2]  # h = 1e-3, deep in the truncation range
    assert row["halving_ratios"]["forward"] == pytest.approx(2, rel=0.02)
    assert row["halving_ratios"]["central"] == pytest.approx(4, rel=0.02)
    assert s["rows"][-1]["regimes"]["central"] == "round-off"
    assert s["rows"][-1]["errors"]["central"] > 1e3 * s["rows"][3]["errors"]["central"]  # round-off at tiny h
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_table(cli):
    r = cli("gradcheck", "exp(x)*sin(y)", "--at", "1,2", "--sweep")
    assert r.exit_code == 0 and "fitted order 1.00" in r.stdout and "fitted order 2.00" in r.stdout
    assert "round-off takes" in r.stdout and "◀" in r.stdout


def test_float32_is_looser(cli_json):
    doc = cli_json("gradcheck", "exp(x)*sin(y)", "--at", "1,2", "--dtype", "float32")
    assert doc["tol"] == 1e-2 and doc["passed"] is True and 1e-8 < doc["max_relative_error"] < 1e-2


def test_float16_reports_the_stored_point(cli, cli_json):
    doc = cli_json("gradcheck", "x**2 + y", "--at", "0.1,2", "--dtype", "float16")
    assert doc["point"] == [0.0999755859375, 2.0] and doc["dtype"] == "float16" and doc["passed"] is True
    assert doc["components"][0]["analytic"] == 2 * 0.0999755859375  # the gradient at the stored point, not at 0.1
    r = cli("gradcheck", "exp(x)", "--at", "12", "--dtype", "float16")  # e^12 = 162755 > 65504
    assert r.exit_code == 2 and "float16 holds it (at most 65504)" in r.stderr


def test_config_file(cli_json, tmp_path):
    cfg = tmp_path / "gc.yaml"
    cfg.write_text(f"expression: '{QUAD}'\nat: {{w0: 3, w1: 4}}\ngradient: ['4*w0', '5*w1']\n")
    doc = cli_json("gradcheck", "--config", cfg, exit_code=1)
    assert doc["failing"] == ["w1"]


MODULE = textwrap.dedent("""
    import numpy as np

    def f(x):
        return float(np.sum(x**2) + np.sin(x[0]) * x[1])

    def grad(x):
        g = 2 * x
        g[0] += np.cos(x[0]) * x[1]
        g[1] += np.sin(x[0])
        return g

    def wrong_grad(x):
        return 2 * x  # forgets the sin(x0) x1 term

    def f_batched(X):
        X = np.asarray(X)
        return np.sum(X**2, axis=-1) + np.sin(X[..., 0]) * X[..., 1]
""")


@pytest.fixture
def userdir(tmp_path):
    (tmp_path / "mylosses.py").write_text(MODULE)
    return tmp_path


def test_python_module_correct_passes_incorrect_fails(cli_json, userdir):
    good = cli_json("gradcheck", "--function", "mylosses:f", "--gradient", "mylosses:grad", "--path", userdir,
                    "--at", "random", "--dim", "4", "--seed", "3")
    assert good["passed"] is True and good["vectorised"] is False and good["variables"][0] == "x[0]"
    assert good["point"] == pytest.approx(np.random.default_rng(3).standard_normal(4).tolist())
    bad = cli_json("gradcheck", "--function", "mylosses:f", "--gradient", "mylosses:wrong_grad", "--path", userdir,
                   "--at", "0.5,1,2", exit_code=1)
    assert bad["failing"] == ["x[0]", "x[1]"]


def test_python_vectorised_function_is_detected(cli_json, userdir):
    doc = cli_json("gradcheck", "--function", "mylosses:f_batched", "--gradient", "mylosses:grad", "--path", userdir,
                   "--at", "0.5,1,2")
    assert doc["vectorised"] is True and doc["passed"] is True


def test_python_gradient_for_an_expression(cli_json, userdir):
    doc = cli_json("gradcheck", "x0**2 + x1**2 + sin(x0)*x1", "--gradient", "mylosses:grad", "--path", userdir,
                   "--at", "0.5,1")
    assert doc["passed"] is True and doc["analytic_source"] == "mylosses:grad"


@pytest.mark.parametrize("args, message", [
    (["--function", "nosuchmod:f", "--gradient", "nosuchmod:g", "--at", "1"], "no module 'nosuchmod'"),
    (["--function", "mylosses:nope", "--gradient", "mylosses:grad", "--at", "1"], "has no 'nope'"),
    (["--function", "mylosses:f", "--at", "1"], "needs --gradient module:function"),
    (["--function", "mylosses:f", "--gradient", "mylosses:grad", "--at", "random"], "needs --dim"),
    (["x**2", "--at", "1", "--method", "centered"], "--method must be one of"),
    (["x**2 + y", "--at", "1,2", "--gradient", "2*x"], "needs 2 components"),
    (["x**2 + y", "--at", "1,2", "--gradient", "2*x, z"], "'z', which is not a variable"),
    (["x**2", "--at", "1", "--gradient", "2*x +"], "--gradient component 1"),
    (["log(x)", "--at", "-1"], "not finite"),
    (["x**2", "--at", "1", "--tol", "-1"], "--tol must be positive"),
    (["x**2"], "missing --at"),
])
def test_bad_input_exits_2(cli, userdir, monkeypatch, args, message):
    monkeypatch.chdir(userdir)
    r = cli("gradcheck", *args)
    assert r.exit_code == 2 and message in r.stderr and r.stdout == ""


def test_module_raising_on_import_exits_2(cli, tmp_path):
    (tmp_path / "broken_mod.py").write_text("raise RuntimeError('boom')\n")
    r = cli("gradcheck", "--function", "broken_mod:f", "--gradient", "broken_mod:g", "--path", tmp_path, "--at", "1")
    assert r.exit_code == 2 and "RuntimeError: boom" in r.stderr


def test_subprocess_exit_code_and_json(userdir):
    env = dict(os.environ)
    p = subprocess.run([sys.executable, "-m", "gdcli", "gradcheck", "--function", "mylosses:f", "--gradient",
                        "mylosses:wrong_grad", "--at", "1,2", "--json"], cwd=userdir, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    assert json.loads(p.stdout)["failing"] == ["x[0]", "x[1]"]


def test_no_torch_or_matplotlib_for_a_plain_check():
    code = ("import sys; from typer.testing import CliRunner; from gdcli.cli.app import app; "
            "r = CliRunner().invoke(app, ['gradcheck', 'x**2*y', '--at', '1,2']); "
            "print(r.exit_code, 'torch' in sys.modules, 'matplotlib' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.stdout.split() == ["0", "False", "False"], p.stderr


def test_artifacts(userdir, tmp_path):
    from gdcli.commands import gradcheck as mod

    opts = mod.GradcheckOptions(expression="exp(x)*sin(y)", at="1,2", sweep=True)
    result = mod.compute(opts)
    paths = mod.artifacts(result, opts, tmp_path / "out")
    assert [p.name for p in paths] == ["gradcheck_sweep.csv", "gradcheck_sweep.png"]
    lines = paths[0].read_text().splitlines()
    assert lines[0].startswith("h,forward_error") and len(lines) == 16


def test_ctrl_c_during_sweep_keeps_rows_and_exits_130(cli, monkeypatch):
    import gdcli.engine.calculus.stepsweep as stepsweep

    real, calls = stepsweep._error, {"n": 0}

    def interrupting(*args):
        calls["n"] += 1
        if calls["n"] > 8:  # 4 error evaluations per row: two rows, then Ctrl-C
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(stepsweep, "_error", interrupting)
    r = cli("gradcheck", "exp(x)*sin(y)", "--at", "1,2", "--sweep", "--json")
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["interrupted"] is True and [row["h"] for row in doc["sweep"]["rows"]] == [0.1, 0.01]


# -- review fixes: bad input that used to end in an internal error (exit 3), and a garbled kink line ----------

def test_constant_expression_is_a_usage_error_not_a_crash(cli):
    r = cli("gradcheck", "5", "--at", "1")
    assert r.exit_code == 2 and "no variables" in r.stderr and "internal error" not in r.stderr


def test_yaml_point_as_a_list_for_a_python_function(cli_json, userdir, tmp_path):
    cfg = tmp_path / "gc.yaml"
    cfg.write_text(f"function: mylosses:f\ngradient: mylosses:wrong_grad\npath: {userdir}\nat: [0.5, 1, 2]\n")
    doc = cli_json("gradcheck", "--config", cfg, exit_code=1)
    assert doc["point"] == [0.5, 1, 2] and doc["failing"] == ["x[0]", "x[1]"]


def test_yaml_dim_that_is_not_a_number_exits_2(cli, tmp_path):
    cfg = tmp_path / "gc.yaml"
    cfg.write_text("expression: 'x**2'\nat: 1\ndim: abc\n")
    r = cli("gradcheck", "--config", cfg)
    assert r.exit_code == 2 and "--dim" in r.stderr and "internal error" not in r.stderr


def test_infinite_derivative_is_named_plainly(cli):
    # d/dx sqrt(x) = 1/(2 sqrt(x)) is infinite at 0: a non-differentiable point at x itself, not "within one step".
    r = cli("gradcheck", "sqrt(x)", "--at", "0")
    assert r.exit_code == 0
    assert "non-differentiable: a derivative that is not finite at the point, along x" in r.stdout
    assert "(its arguments" not in r.stdout


def test_step_leaving_the_domain_is_not_a_false_failure(cli):
    # log(x) at 1e-7: its gradient 1e7 is right, but central differences with the default h ≈ 6e-6 evaluate
    # log at a negative x. That used to be reported as FAIL with an infinite relative error (and "nan").
    r = cli("gradcheck", "log(x)", "--at", "1e-7")
    assert r.exit_code == 2 and "leaves f's domain" in r.stderr and "smaller --h" in r.stderr


def test_float32_sweep_shows_no_nan(cli, cli_json):
    # Below float32's resolution at x = 1 (h < 6e-8) x ± h rounds to x: f(x + h) − f(x − h) is 0, the quotient 0,
    # and the error the whole gradient (|∂/∂x| = 2, |∂/∂y| = 1): the round-off the seed warns about, never NaN.
    r = cli("gradcheck", "x**2 + y", "--at", "1,2", "--sweep", "--dtype", "float32")
    assert r.exit_code == 0 and "nan" not in r.stdout
    doc = cli_json("gradcheck", "x**2 + y", "--at", "1,2", "--sweep", "--dtype", "float32")
    assert doc["sweep"]["rows"][-1]["errors"]["central"] == 2.0
    assert doc["sweep"]["rows"][-1]["regimes"]["central"] == "round-off"


def test_infinite_derivative_row_shows_no_nan(cli):
    r = cli("gradcheck", "sqrt(x)", "--at", "0")
    row = next(line for line in r.stdout.splitlines() if line.startswith("│ x"))
    assert "nan" not in row and "inf" in row  # the analytic side really is infinite
