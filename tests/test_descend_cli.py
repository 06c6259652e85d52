"""`gdcli descend` on the command line: the seed tables, sweeps, JSON, CSV, plots, YAML, errors and Ctrl-C."""

import csv
import json
import os
import signal
import subprocess
import sys

import pytest

from gdcli.commands import descend as descend_cli


def test_table_2_1_printed(cli):
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1")
    assert r.exit_code == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("│")]
    cells = [[c.strip() for c in row.strip("│").split("│")] for row in rows]
    xs = {c[0]: c[1] for c in cells if c[0].isdigit()}
    assert (xs["0"], xs["1"], xs["2"], xs["3"]) == ("1", "0.8", "0.64", "0.512")
    assert any(c[0] == "…" for c in cells)  # elided as the seed's table is
    assert "converged at k = 86" in r.stdout


def test_x40_with_enough_steps(cli_json):
    doc = cli_json("descend", "x**2", "--start", "x=1", "--lr", "0.1", "--steps", "40", "--tol", "0")
    (run,) = doc["runs"]
    assert run["status"] == "max-steps" and run["steps"] == 40
    assert round(run["history"][40]["point"][0], 5) == 0.00013
    assert run["final"]["point"][0] == pytest.approx(0.8**40, rel=1e-12)


def test_seed_step_json(cli_json):
    doc = cli_json("descend", "2*w0**2 + 3*w1**2", "--start", "3,4", "--lr", "0.1", "--steps", "1")
    run = doc["runs"][0]
    assert run["final"]["point"] == pytest.approx([1.8, 1.6])
    assert run["final"]["value"] == pytest.approx(14.16)
    assert doc["regime_prediction"]["eigenvalues"] == pytest.approx([4, 6])
    assert doc["regime_prediction"]["max_stable_lr"] == pytest.approx(1 / 3)


def test_sweep_seed_figures(cli, cli_json):
    doc = cli_json("descend", "x**2", "--start", "1", "--lr", "0.01,0.1,0.8,1,1.01")
    runs = doc["runs"]
    assert [r["lr"] for r in runs] == [0.01, 0.1, 0.8, 1, 1.01]
    assert [r["status"] for r in runs] == ["converged", "converged", "converged", "max-steps", "diverged"]
    assert [r["regime"]["observed"] for r in runs] == [
        "monotone", "monotone", "oscillating-converging", "oscillating", "diverging"]
    assert all(r["regime"]["agrees"] for r in runs)
    # 0.01 is slow: more steps than 0.1, which takes more than the oscillating 0.8 (Fig. 2.7's remark)
    assert runs[0]["steps"] > runs[1]["steps"] > runs[2]["steps"]
    # lr = 1 oscillates between +-1 for ever
    assert {h["point"][0] for h in runs[3]["history"]} == {1.0, -1.0}
    # 1.01: oscillating, |x| growing, then the divergence with its step and value
    hist = runs[4]["history"]  # the first and last 64 rows of a run of about 1,400 steps
    assert [h["k"] for h in hist] == list(range(64)) + list(range(runs[4]["steps"] - 63, runs[4]["steps"] + 1))
    pairs = [(a["point"][0], b["point"][0]) for a, b in zip(hist, hist[1:]) if b["k"] == a["k"] + 1]
    assert len(pairs) == 126 and all(a * b < 0 and abs(b) > abs(a) for a, b in pairs)
    assert runs[4]["diverged"]["step"] == runs[4]["steps"] and runs[4]["diverged"]["value"] > 1e12
    assert runs[4]["oscillating"]["variables"] == ["x"]
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.01,0.1,0.8,1,1.01")
    assert "sweep summary" in r.stdout and "diverged at step" in r.stdout and "nan" not in r.stdout.lower()
    assert "largest stable learning rate 2/λmax = 1" in r.stdout


def test_repeated_flags_cross_product(cli_json):
    doc = cli_json("descend", "x**2 + y**2", "--start", "1,1", "--optimizer", "gd", "--optimizer", "adam",
                   "--lr", "0.1", "--lr", "0.2", "--steps", "5")
    assert [(r["optimizer"], r["lr"]) for r in doc["runs"]] == [("gd", 0.1), ("gd", 0.2), ("adam", 0.1), ("adam", 0.2)]
    assert doc["runs"][2]["regime"] is None  # the prediction is for plain GD only


def test_no_nan_on_overflow(cli):
    r = cli("descend", "exp(x**2)", "--start", "3", "--lr", "1", "--json")
    assert r.exit_code == 0
    assert "NaN" not in r.stdout and "Infinity" not in r.stdout
    assert json.loads(r.stdout)["runs"][0]["status"] == "diverged"


def first_column(stdout):
    """The k column of the first (iterates) table."""
    table = stdout.split("└")[0]
    return [line.strip("│").split("│")[0].strip() for line in table.splitlines() if line.startswith("│")]


def test_every_and_all(cli):
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1", "--steps", "20", "--tol", "0", "--every", "5")
    ks = first_column(r.stdout)
    assert ks == ["0", "5", "10", "15", "20"]
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1", "--steps", "20", "--tol", "0", "--all")
    ks = first_column(r.stdout)
    assert ks == [str(k) for k in range(21)]


def test_line_search_and_newton_damping_shown(cli):
    r = cli("descend", "x**2 - y**2 + y**4", "--start", "1,0.1", "--optimizer", "newton", "--lr", "1",
            "--line-search", "armijo")
    assert r.exit_code == 0, r.stderr
    assert "step α" in r.stdout and "damping μ" in r.stdout and "not positive definite" in r.stdout


def test_csv_and_plot(cli, tmp_path):
    out_csv, out_png = tmp_path / "it.csv", tmp_path / "p.png"
    r = cli("descend", "2*w0**2 + 3*w1**2", "--start", "3,4", "--lr", "0.1,0.3", "--steps", "10",
            "--csv", out_csv, "--plot", out_png)
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(out_csv.open()))
    assert rows[0].keys() >= {"run", "optimizer", "lr", "k", "w0", "w1", "f", "grad_norm"}
    first_step = next(row for row in rows if row["run"] == "0" and row["k"] == "1")
    assert float(first_step["w0"]) == pytest.approx(1.8) and float(first_step["f"]) == pytest.approx(14.16)
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_artifacts_for_the_batch_runner(tmp_path):
    opts = descend_cli.DescendOptions(expression="x**2", start={"x": 1}, lr=[0.1, 1.01], steps=50)
    result = descend_cli.compute(opts)
    paths = descend_cli.artifacts(result, opts, tmp_path)
    assert sorted(p.name for p in paths) == ["descend.png", "iterates.csv"]
    assert all(p.exists() for p in paths)


def test_yaml_config_sweep(cli_json, tmp_path):
    cfg = tmp_path / "e.yaml"
    cfg.write_text("name: t21\ncommand: descend\nexpression: x**2\nstart: {x: 1}\nlr: [0.1, 0.8]\n"
                   "optimizer: [gd]\nsteps: 500\nexpect:\n  - {run: 0, status: converged}\n")
    doc = cli_json("descend", "--config", cfg)
    assert [r["status"] for r in doc["runs"]] == ["converged", "converged"]
    doc = cli_json("descend", "--config", cfg, "--lr", "1.01")  # a flag overrides the file
    assert [r["lr"] for r in doc["runs"]] == [1.01]


@pytest.mark.parametrize("args,message", [
    (["x**2", "--start", "1", "--lr", "-1"], "--lr must be a positive number"),
    (["x**2", "--start", "1", "--optimizer", "adm"], "did you mean 'adam'"),
    (["x**2", "--start", "y=1"], "'y' is not a variable"),
    (["x**2"], "missing --start"),
    (["x**2", "--start", "1", "--steps", "-3"], "--steps"),
    (["x**2", "--start", "1", "--line-search", "wolfe"], "--line-search"),
    (["3", "--start", "1"], "no variables"),
    (["x**2", "--start", "1", "--every", "0"], "--every"),
    # a start outside the domain, or past the divergence limit, is bad input, not a run that "diverged at step 0"
    (["log(x)", "--start", "-1"], "outside the domain"),
    (["1/x", "--start", "0"], "outside the domain"),
    (["sqrt(x)", "--start", "0"], "gradient is not finite"),
    (["x**2", "--start", "1e7"], "beyond the divergence limit"),
])
def test_bad_input_exits_2(cli, args, message):
    r = cli("descend", *args)
    assert r.exit_code == 2
    assert message in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_ctrl_c_stops_at_a_step_boundary(cli, monkeypatch):
    from gdcli.expr.expression import Expression

    real = Expression.value_and_grad
    calls = {"n": 0}

    def value_and_grad(self, x):
        calls["n"] += 1
        if calls["n"] == 50:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, caught by the command's handler
        return real(self, x)

    monkeypatch.setattr(Expression, "value_and_grad", value_and_grad)
    # the two GD rates advance as one batch: both keep what they computed; the Newton runs never start
    r = cli("descend", "x**2", "--start", "1", "--lr", "1,0.999", "--optimizer", "gd,newton", "--steps", "100000",
            "--json")
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["interrupted"] and len(doc["runs"]) == 2
    for run in doc["runs"]:
        assert run["status"] == "interrupted" and 45 <= run["steps"] <= 55
        assert len(run["history"]) == run["steps"] + 1
    assert {h["point"][0] for h in doc["runs"][0]["history"]} == {1.0, -1.0}  # lr = 1 flips x for ever
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler was restored


def test_subprocess_json():
    out = subprocess.run([sys.executable, "-m", "gdcli", "descend", "2*w0**2 + 3*w1**2", "--start", "3,4",
                          "--lr", "0.1", "--steps", "1", "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["runs"][0]["final"]["value"] == pytest.approx(14.16)
    assert "torch" not in out.stderr


def test_help_has_an_example(cli):
    r = cli("descend", "--help")
    assert r.exit_code == 0 and "gdcli descend" in r.stdout and "--line-search" in r.stdout


def test_newton_damping_note_names_the_damped_step(cli):
    # f'' = 12x^2 - 6 < 0 at x_0 = 0.1, so the very first step (row k = 1 of the damping column) is damped.
    r = cli("descend", "x**4 - 3*x**2", "--start", "0.1", "--optimizer", "newton", "--lr", "1", "--all")
    rows = {line.strip("│").split("│")[0].strip(): line for line in r.stdout.splitlines() if line.startswith("│")}
    assert rows["1"].rstrip("│ ").split("│")[-1].strip() not in ("—", "0")
    assert "first on the step from k = 0 to k = 1" in r.stdout


def test_newton_with_a_non_finite_hessian_prints_no_nan(cli):
    # f'' = 0.75 |x|^-1/2 is infinite at 0: the damping is not a number, and the note must not print `nan`.
    r = cli("descend", "x + abs(x)**1.5", "--start", "0", "--optimizer", "newton", "--lr", "1")
    assert r.exit_code == 0 and "diverged" in r.stdout
    assert "nan" not in r.stdout.lower().replace("non-finite", "")


def test_plot_of_a_path_far_from_the_origin(cli, tmp_path):
    # Every iterate is beyond 1e6: the contour window used to be built from no points at all (exit 3).
    r = cli("descend", "x + y", "--start", "1e7,1e7", "--steps", "3", "--plot", str(tmp_path / "far.png"))
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "far.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
