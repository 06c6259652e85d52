"""`gdcli run`: validation first (all errors, with positions), checks, results folder, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gdcli.experiments.checks import evaluate, lookup, parse_checks

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """name: good
command: grad
expression: 2*w0**2 + 3*w1**2
at: {w0: 3, w1: 4}
expect:
  - {path: value, equals: 66}
  - {path: gradient, approx: [12, 24]}
  - {path: norm, gt: 26.8, name: norm is about 26.83}
"""


def test_run_passes_and_writes_results(cli, tmp_path):
    f = write(tmp_path, "good.yaml", GOOD)
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 of 1 experiments passed" in r.stdout
    result = json.loads((tmp_path / "out" / "good" / "result.json").read_text())
    assert result["status"] == "passed" and result["result"]["value"] == 66
    assert [c["name"] for c in result["checks"]][2] == "norm is about 26.83"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(summary["versions"]) >= {"gdcli", "python", "numpy", "torch"}
    assert summary["experiments"][0]["status"] == "passed"


def test_failed_check_exits_1_and_names_the_check(cli, tmp_path):
    f = write(tmp_path, "bad.yaml", GOOD.replace("equals: 66", "equals: 67"))
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 1
    assert "value equals 67: got 66.0" in r.stdout


def test_invalid_files_report_all_errors_and_run_nothing(cli, tmp_path):
    write(tmp_path, "a_misspelt.yaml", "name: a\ncommand: grad\nexpresion: x**2\nat: [1]\n")
    write(tmp_path, "b_tag.yaml", f'name: b\ncommand: grad\nexpression: !!python/object/apply:os.system ["touch {tmp_path}/CANARY"]\nat: [1]\n')
    write(tmp_path, "c_dup.yaml", "name: c\ncommand: grad\nexpression: x\nat: [1]\nexpression: y\n")
    write(tmp_path, "d_good.yaml", GOOD)
    r = cli("run", tmp_path, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "a_misspelt.yaml:3:1: unknown key 'expresion' for grad; did you mean 'expression'?" in r.stderr
    assert "b_tag.yaml:3:13: the tag !!python/object/apply:os.system is not allowed" in r.stderr
    assert "c_dup.yaml:5:1: duplicate key 'expression' (first at line 3, again at line 5)" in r.stderr
    assert "3 errors in 3 files; nothing was run" in r.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "CANARY").exists()


def test_string_option_keeps_yaml11_words_as_text(cli, tmp_path):
    f = write(tmp_path, "m.yaml", "name: m\ncommand: grad\nexpression: x\nat: [1]\nmethod: on\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2  # 'on' is the text "on", an unknown method: an error, not a silent True
    assert "m.yaml:5:1: method must be one of symbolic" in r.stderr and "--method" not in r.stderr


def test_list_on_scalar_option_is_a_sweep(cli, tmp_path):
    f = write(tmp_path, "s.yaml", "name: s\ncommand: grad\nexpression: x**3\nat: [2]\nmethod: [symbolic, autodiff, numeric]\n"
              "expect:\n  - {path: 'sweep[2].result.gradient[0]', approx: 12, rel: 1e-8}\n"
              "  - {path: 'sweep[1].options.method', equals: autodiff}\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "│    3 │ passed" in r.stdout


def test_explicit_sweep_grid(cli, tmp_path):
    f = write(tmp_path, "g.yaml", "name: g\ncommand: grad\nexpression: x*y\nsweep:\n  at: ['1,2', '3,4']\n"
              "expect:\n  - {path: 'sweep[1].result.gradient', approx: [4, 3]}\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.stdout + r.stderr


def test_jobs_run_in_parallel_processes(cli, tmp_path):
    for i in range(3):
        write(tmp_path, f"e{i}.yaml", GOOD.replace("name: good", f"name: e{i}"))
    r = cli("run", tmp_path, "--out", tmp_path / "out", "--jobs", "2", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [e["name"] for e in doc["experiments"]] == ["e0", "e1", "e2"]
    assert all(e["status"] == "passed" for e in doc["experiments"])


def test_config_file_then_flags_override(cli, tmp_path):
    f = write(tmp_path, "c.yaml", "expression: x**2 + y\nat: {x: 3, y: 1}\n")
    doc = json.loads(cli("grad", "--config", f, "--json").stdout)
    assert doc["gradient"] == [6, 1]
    doc = json.loads(cli("grad", "--config", f, "--at", "x=1,y=0", "--json").stdout)
    assert doc["gradient"] == [2, 1]
    bad = write(tmp_path, "b.yaml", "expresion: x\n")
    r = cli("grad", "--config", bad, "--at", "1")
    assert r.exit_code == 2 and "b.yaml:1:1: unknown key 'expresion'; did you mean 'expression'?" in r.stderr


@pytest.mark.parametrize("line,message", [
    ("epochs: abc", "'epochs' expects int, got 'abc'"),
    ("n: [1, 2]", "'n' expects int, got [1, 2]"),
    ("momentum: abc", "'momentum' expects float, got 'abc'"),
    ("json: maybe", "'json' expects bool, got 'maybe'"),
])
def test_a_config_files_wrong_types_are_one_line_errors(cli, tmp_path, line, message):
    """The --config path checks value types as `gdcli run` does: a clear error, not an internal one."""
    f = write(tmp_path, "c.yaml", f"generate: 2*x + 1\n{line}\n")
    r = cli("fit", "--config", f)
    assert r.exit_code == 2 and f"c.yaml:2:1: {message}" in r.stderr, r.stderr
    assert "internal error" not in r.stderr and r.stderr.strip().count("\n") == 0


def test_a_config_file_skips_the_runners_own_keys_but_not_an_option_of_that_name(cli, tmp_path):
    """An experiment file as --config: its `sweep:` runs and `expect:` checks are the runner's; gradcheck's own
    `sweep: true` is an option."""
    f = write(tmp_path, "g.yaml", "name: g\ncommand: gradcheck\nexpression: x**2\nat: 3\n"
                                  "sweep: [{at: 1}, {at: 2}]\nexpect: [{path: passed, equals: true}]\n")
    doc = json.loads(cli("gradcheck", "--config", f, "--json").stdout)
    assert doc["passed"] and doc["point"] == [3] and doc["sweep"] is None  # one check at x = 3, no h sweep
    f = write(tmp_path, "s.yaml", "expression: x**2\nat: 3\nsweep: true\n")
    assert json.loads(cli("gradcheck", "--config", f, "--json").stdout)["sweep"]  # the h sweep


def test_a_sweeps_values_are_type_checked_before_anything_runs(cli, tmp_path):
    f = write(tmp_path, "sw.yaml", "name: sw\ncommand: fit\ngenerate: 2*x + 1\nsweep: [{epochs: 3}, {epochs: abc}]\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "sw.yaml:4:1: 'epochs' expects int, got 'abc'" in r.stderr, r.stderr
    assert "internal error" not in r.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("path,expected", [("a.b[1]", 2), ("a.b.1", 2), ("runs[0].status", "ok")])
def test_lookup(path, expected):
    assert lookup({"a": {"b": [1, 2]}, "runs": [{"status": "ok"}]}, path) == expected


def test_shorthand_checks():
    (check,) = parse_checks([{"run": 0, "status": "converged"}])
    assert check.path == "runs[0].status"
    assert evaluate(check, {"runs": [{"status": "converged"}]}).passed
    assert not evaluate(check, {"runs": [{"status": "diverged"}]}).passed


def test_every_experiment_in_the_repo_is_valid():
    from gdcli.experiments.schema import expand_paths, load_experiment

    files = expand_paths([str(ROOT / "experiments")])
    assert files
    for f in files:
        load_experiment(f)


def test_run_as_subprocess(tmp_path):
    f = write(tmp_path, "good.yaml", GOOD)
    p = subprocess.run([sys.executable, "-m", "gdcli", "run", str(f), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "o" / "good" / "result.json").exists()


def test_validation_catches_missing_options_bad_expressions_and_check_typos(cli, tmp_path):
    write(tmp_path, "e.yaml", "name: e\ncommand: descend\nexpression: x**2\n")
    write(tmp_path, "f.yaml", 'name: f\ncommand: grad\nexpression: "x +"\nat: 1\n')
    write(tmp_path, "d.yaml", "name: d\ncommand: grad\nexpression: x\nat: 1\nexpect:\n  - {path: value, equal: 1}\n")
    r = cli("run", tmp_path, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "e.yaml:1:1: missing option start for descend" in r.stderr
    assert "f.yaml:3:1: expression: syntax error: invalid syntax\n  x +\n     ^" in r.stderr
    assert "d.yaml:5:1: expect[0]: unknown key 'equal'; did you mean 'equals'?" in r.stderr
    assert "3 errors in 3 files; nothing was run" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_check_can_compare_two_fields():
    doc = {"sweep": [{"loss": 0.5}, {"loss": 0.2}], "best": 0.2}
    (lt,) = parse_checks([{"path": "sweep[1].loss", "lt": {"path": "sweep[0].loss"}}])
    assert evaluate(lt, doc).passed
    (gt,) = parse_checks([{"path": "sweep[1].loss", "gt": {"path": "sweep[0].loss"}}])
    result = evaluate(gt, doc)
    assert not result.passed and result.message == "got 0.2, expected gt 0.5"
    (close,) = parse_checks([{"path": "sweep[1].loss", "approx": {"path": "best"}, "rel": 1e-12}])
    assert evaluate(close, doc).passed
    (missing,) = parse_checks([{"path": "best", "equals": {"path": "nowhere"}}])
    assert not evaluate(missing, doc).passed and "nowhere" in evaluate(missing, doc).message
    (literal,) = parse_checks([{"path": "best", "equals": {"path": "x", "other": 1}}])  # not a reference: a value
    assert not evaluate(literal, doc).passed
