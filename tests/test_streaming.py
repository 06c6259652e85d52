"""Streaming descent: bounded memory, the rows kept, and statistics equal to those of the whole history."""

import csv

import numpy as np
import pytest

from gdcli.engine.optim.descent import Settings, build_optimizer, iterate
from gdcli.engine.optim.record import PATH_POINTS, Keep
from gdcli.engine.optim.regime import curvature, gd_regime, oscillation
from gdcli.engine.optim.sweep import descend, is_quadratic
from gdcli.expr import compile_expression

CASES = [
    ("x**2", [1.0], 0.1, 1000),  # monotone, converges at k = 86
    ("x**2", [1.0], 0.8, 1000),  # oscillating, converging
    ("x**2", [1.0], 1.0, 300),  # oscillates for ever: max-steps
    ("x**2", [1.0], 1.01, 5000),  # diverges after ~1,400 steps
    ("x**2 + 10*y**2", [1.0, 1.0], 0.08, 200),
    ("(1 - a)**2 + 100*(b - a**2)**2", [-1.5, 2.0], 1e-3, 3000),
    ("(1 - a)**2 + 100*(b - a**2)**2", [-1.5, 2.0], 1.2e-3, 3000),  # hovers across the valley
]


def full_history(e, x0, s):
    """Every iterate, by the bare loop with no recorder and the same evaluator: the reference."""
    opt = build_optimizer(s, lambda x: float(e.f(x)), e.hessian)
    steps = list(iterate(e.fast_value_and_grad, x0, opt, steps=s.steps, tol=s.tol, threshold=s.threshold))
    xs = np.array([st.x for st in steps])
    return steps, xs[np.all(np.isfinite(xs), axis=1)]


@pytest.mark.parametrize("text, x0, lr, steps", CASES)
def test_streaming_statistics_equal_full_history(text, x0, lr, steps):
    e = compile_expression(text)
    s = Settings(lr=lr, steps=steps)
    result = descend(e, x0, [s])
    run = result.runs[0]
    records, xs = full_history(e, x0, s)
    assert run.status == records[-1].status and run.steps == records[-1].k
    assert run.steps > 128 or len(run.history) == run.steps + 1
    curv = curvature(e.hessian(np.array(x0)), is_quadratic(e))
    assert run.regime == gd_regime(curv, lr, xs, run.status)
    assert run.oscillation == oscillation(xs)
    # the kept rows are the first 64 and the last 64 of the full history, exactly
    kept = {st.k: st for st in run.history}
    for k in list(range(min(64, len(records)))) + list(range(max(0, len(records) - 64), len(records))):
        np.testing.assert_array_equal(kept[k].x, records[k].x)


def test_oscillation_and_regime_seen_by_streaming_runs():
    runs = descend(compile_expression("x**2"), [1.0], [Settings(lr=lr) for lr in (0.1, 0.8, 1.0, 1.01)]).runs
    assert [r.regime.observed for r in runs] == ["monotone", "oscillating-converging", "oscillating", "diverging"]
    assert runs[0].oscillation is None and runs[2].oscillation is not None and runs[3].oscillation is not None


def test_newton_damping_totals_equal_the_full_history():
    e = compile_expression("x**4 - 3*x**2 + y**4 - y**2")
    s = Settings(optimizer="newton", lr=0.05, steps=400, tol=0.0)
    run = descend(e, [0.1, 0.2], [s]).runs[0]
    full = descend(e, [0.1, 0.2], [s], keep=Keep(all_rows=True)).runs[0]
    mus = [(st.k, st.damping) for st in full.history if st.damping]
    assert len(run.history) < len(full.history) == 401
    assert run.damping.steps == len(mus) and run.damping.first_step == mus[0][0]
    assert run.damping.max_mu == max(m for _, m in mus)


def test_memory_is_bounded_in_the_number_of_steps():
    e = compile_expression("x**2 + y**2")
    for steps in (10_000, 100_000):
        run = descend(e, [1.0, 1.0], [Settings(lr=1e-6, steps=steps, tol=0.0)]).runs[0]
        assert run.steps == steps and len(run.history) == 128
        ks = list(run.path.k)
        assert len(ks) <= PATH_POINTS + 1 and ks[-1] == steps and ks == sorted(ks) and ks[0] == 0
        np.testing.assert_allclose(run.path.x[:, 0], (1 - 2e-6) ** run.path.k, rtol=1e-9)  # x_k = (1 - 2 lr)^k


def test_every_keeps_the_nth_rows_and_the_last():
    e = compile_expression("x**2")
    run = descend(e, [1.0], [Settings(lr=1e-3, steps=1003, tol=0.0)], keep=Keep(every=100)).runs[0]
    ks = [st.k for st in run.history]
    assert set(range(0, 1001, 100)) <= set(ks) and ks[-1] == 1003


def test_csv_streams_every_iterate(cli, tmp_path):
    out = tmp_path / "it.csv"
    r = cli("descend", "x**2 + y**2", "--start", "1,2", "--lr", "1e-4,2e-4", "--steps", "3000", "--tol", "0",
            "--csv", out, "--json")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 * 3001
    for run, lr in ((0, 1e-4), (1, 2e-4)):
        mine = [row for row in rows if row["run"] == str(run)]
        assert [int(row["k"]) for row in mine] == list(range(3001))
        x = np.array([float(row["x"]) for row in mine])
        np.testing.assert_allclose(x, (1 - 2 * lr) ** np.arange(3001), rtol=1e-12)  # closed form x_k


def test_table_marks_the_gap_between_kept_rows(cli):
    r = cli("descend", "x**2", "--start", "1", "--lr", "1e-3", "--steps", "5000", "--tol", "0", "--every", "1000")
    ks = [line.strip("│").split("│")[0].strip() for line in r.stdout.split("└")[0].splitlines() if line.startswith("│")]
    assert ks == ["0", "1000", "2000", "3000", "4000", "5000"]
    r = cli("descend", "x**2", "--start", "1", "--lr", "1e-3", "--steps", "5000", "--tol", "0")
    ks = [line.strip("│").split("│")[0].strip() for line in r.stdout.split("└")[0].splitlines() if line.startswith("│")]
    assert ks == ["0", "1", "2", "3", "…", "4998", "4999", "5000"]


@pytest.mark.parametrize("args", [
    ["x**2", "--start", "1", "--lr", "1,0.999999", "--steps", "100000000", "--tol", "0"],  # a batched sweep
    ["x**2 + y**2", "--start-grid", "x=-1:1:30, y=-1:1:30", "--lr", "1e-9", "--steps", "100000000"],  # basins
])
def test_real_ctrl_c_keeps_partial_batched_results(args, tmp_path, on_terminal):
    import json
    import signal
    import sys

    t = on_terminal(sys.executable, "-m", "gdcli", "descend", *args, "--json")
    t.wait_for_progress("basin map" if "--start-grid" in args else "descend")  # steps taken: past the imports
    t.proc.send_signal(signal.SIGINT)
    out, err = t.communicate(timeout=60)
    assert t.proc.returncode == 130, err
    doc = json.loads(out)
    assert doc["interrupted"] and "Traceback" not in err
    if "runs" in doc:
        steps = {r["steps"] for r in doc["runs"]}
        assert [r["status"] for r in doc["runs"]] == ["interrupted"] * 2 and len(steps) == 1 and steps.pop() > 0
        assert {h["point"][0] for h in doc["runs"][0]["history"]} == {1.0, -1.0}
    else:
        labels = np.array(doc["labels"])
        assert labels.shape == (30, 30) and np.all(labels == -3)  # none had finished: all kept as interrupted
