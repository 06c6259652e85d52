"""Issue 13, parts 1, 3 and 5: `gdcli run` writes only under --out, user code needs --allow-code, no silent pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# -- 1. every file stays under --out -----------------------------------------------------------------------

@pytest.mark.parametrize("name,why", [
    ("'..'", "name must be 1 to 100 letters"),
    ("'.'", "name must be 1 to 100 letters"),
    ("a/b", "name must be 1 to 100 letters"),
    ('"x\\e[31m"', "name must be 1 to 100 letters"),
    ("summary.json", "name 'summary.json' is reserved for the batch summary"),
    ("'" + "a" * 101 + "'", "name must be 1 to 100 letters"),
])
def test_a_name_is_a_slug(cli, tmp_path, name, why):
    """Not '..' (the parent of --out), not a path, not summary.json, no terminal escapes."""
    f = write(tmp_path, "n.yaml", f"name: {name}\ncommand: grad\nexpression: x\nat: 1\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert f"n.yaml:1:1: {why}" in r.stderr
    assert "\x1b" not in r.stderr  # an escape is shown, not obeyed
    assert not (tmp_path / "out").exists() and not (tmp_path / "result.json").exists()


@pytest.mark.parametrize("key,value,line", [
    ("plot", "../../x.png", 6), ("csv", "/tmp/abs.csv", 6), ("csv", "sub/x.csv", 6), ("plot", "..", 6),
])
def test_an_output_key_is_a_file_name_inside_the_results_folder(cli, tmp_path, key, value, line):
    f = write(tmp_path, "o.yaml", f"name: o\ncommand: descend\nexpression: x**2\nstart: 1\nsteps: 3\n{key}: '{value}'\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2, r.stdout
    assert f"o.yaml:{line}:1: '{key}' must be a plain file name, written inside results/<name>/" in r.stderr
    assert not (tmp_path / "out").exists()


def test_output_key_in_a_sweep_is_checked_too(cli, tmp_path):
    f = write(tmp_path, "s.yaml", "name: s\ncommand: descend\nexpression: x**2\nstart: 1\n"
                                  "sweep:\n  - {csv: a.csv}\n  - {csv: ../b.csv}\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "s.yaml:5:1: 'csv' must be a plain file name" in r.stderr


def test_output_keys_become_files_in_the_experiment_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = write(tmp_path, "d.yaml", "name: d\ncommand: descend\nexpression: x**2\nstart: 1\nsteps: 4\n"
                                  "csv: mine.csv\nplot: mine.png\n")
    r = cli("run", f, "--out", "out")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert {"mine.csv", "mine.png", "iterates.csv", "descend.png", "result.json"} <= files_under(tmp_path / "out" / "d")
    rows = (tmp_path / "out" / "d" / "mine.csv").read_text().splitlines()
    assert rows[0].startswith("run,optimizer,lr,k,x,f") and len(rows) == 1 + 5  # x0..x4
    assert files_under(tmp_path) - {"d.yaml"} == {"out", *("out/" + p for p in files_under(tmp_path / "out"))}


def test_a_fractal_experiment_writes_nothing_in_the_current_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = write(tmp_path, "f.yaml", "name: f\ncommand: fractal\npoints: 2000\nresolution: 40\n")
    r = cli("run", f, "--out", "out")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert not (tmp_path / "fractal.png").exists()
    assert (tmp_path / "out" / "f" / "fractal.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cli_keeps_explicit_paths(cli, tmp_path):
    target = tmp_path / "deep" / "er" / "x.csv"
    r = cli("descend", "x**2", "--start", "1", "--steps", "2", "--csv", target)
    assert r.exit_code == 0 and target.exists()


def test_nothing_appears_outside_out_when_every_experiment_runs(tmp_path):
    """Every experiment of the repository, run from a folder holding a canary, with a sentinel beside --out."""
    work, out = tmp_path / "cwd", tmp_path / "area" / "out"
    work.mkdir()
    out.parent.mkdir()
    (work / "canary.txt").write_text("canary")
    (out.parent / "sentinel.txt").write_text("sentinel")
    home = tmp_path / "home"  # matplotlib and friends may cache under HOME: keep that visible too
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "MPLCONFIGDIR": str(home / "mpl")}
    p = subprocess.run([sys.executable, "-m", "gdcli", "run", str(ROOT / "experiments"), "--out", str(out),
                        "--jobs", "2"], capture_output=True, text=True, cwd=work, env=env, timeout=900)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
    assert files_under(work) == {"canary.txt"}
    assert files_under(out.parent) - {"out"} - {"out/" + f for f in files_under(out)} == {"sentinel.txt"}
    assert (out.parent / "sentinel.txt").read_text() == "sentinel"
    experiments = {p.stem for p in (ROOT / "experiments").glob("*.yaml")}
    summary = json.loads((out / "summary.json").read_text())
    assert {e["name"] for e in summary["experiments"]} == experiments
    for e in summary["experiments"]:
        assert all(Path(f).resolve().is_relative_to(out.resolve()) for f in e["files"]), e


# -- 3. user code needs an opt-in --------------------------------------------------------------------------

USER_CODE = """name: user
command: gradcheck
function: mymod:f
gradient: mymod:g
path: {path}
at: 1,2
expect:
  - {{path: passed, equals: true}}
"""


def test_user_code_needs_allow_code(cli, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mymod.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_name('IMPORTED').touch()\n"
        "def f(x):\n    return float((x**2).sum())\ndef g(x):\n    return 2*x\n")
    f = write(tmp_path, "u.yaml", USER_CODE.format(path=tmp_path / "lib"))
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "u.yaml:1:1: this experiment imports Python code (module:function); run it with --allow-code" in r.stderr
    assert not (tmp_path / "lib" / "IMPORTED").exists() and not (tmp_path / "out").exists()
    r = cli("run", f, "--out", tmp_path / "out", "--allow-code")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert (tmp_path / "lib" / "IMPORTED").exists()


def test_an_expression_gradcheck_needs_no_opt_in(cli, tmp_path):
    f = write(tmp_path, "e.yaml", "name: e\ncommand: gradcheck\nexpression: x**2\nat: 1\ngradient: 2*x\n")
    assert cli("run", f, "--out", tmp_path / "out").exit_code == 0


# -- 5. a result is never a silent pass ---------------------------------------------------------------------

DIVERGES = "name: dv\ncommand: descend\nexpression: x**2\nstart: 1\nlr: 1.5\nsteps: 2000\n"


def test_a_diverged_run_without_expect_fails(cli, tmp_path):
    r = cli("run", write(tmp_path, "d.yaml", DIVERGES), "--out", tmp_path / "out")
    assert r.exit_code == 1, r.stdout
    doc = json.loads((tmp_path / "out" / "dv" / "result.json").read_text())
    assert doc["status"] == "failed" and doc["result"]["runs"][0]["status"] == "diverged"
    assert doc["error"].startswith("runs[0].status: diverged, and no expect: check names it")


def test_a_diverged_run_that_expect_names_passes(cli, tmp_path):
    f = write(tmp_path, "d.yaml", DIVERGES + "expect:\n  - {run: 0, status: diverged}\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.stdout


def test_expected_outcomes_name_what_is_the_result_itself(cli, tmp_path):
    """A stability map is made of diverged cells: `expected_outcomes: [diverged]` says so for the whole file."""
    r = cli("run", write(tmp_path, "d.yaml", DIVERGES + "expected_outcomes: [diverged]\n"), "--out", tmp_path / "out")
    assert r.exit_code == 0, r.stdout
    r = cli("run", write(tmp_path, "d.yaml", DIVERGES + "expected_outcomes: [diverging]\n"), "--out", tmp_path / "out")
    assert r.exit_code == 1, r.stdout  # a different outcome is still a failure
    r = cli("run", write(tmp_path, "d.yaml", DIVERGES + "expected_outcomes: [diverge]\n"), "--out", tmp_path / "out")
    assert r.exit_code == 2 and "d.yaml:7:" in r.stderr and "did you mean 'diverged'" in r.stderr, r.stderr


def test_a_failed_gradcheck_without_expect_fails(cli, tmp_path):
    f = write(tmp_path, "g.yaml", "name: g\ncommand: gradcheck\nexpression: x**2\nat: 1\ngradient: 3*x\n")
    r = cli("run", f, "--out", tmp_path / "out", "--json")
    assert r.exit_code == 1
    (exp,) = json.loads(r.stdout)["experiments"]
    assert exp["status"] == "failed" and exp["error"].startswith("passed: passed is false")
    f = write(tmp_path, "g.yaml", "name: g\ncommand: gradcheck\nexpression: x**2\nat: 1\ngradient: 3*x\n"
                                  "expect:\n  - {path: passed, equals: false}\n")
    assert cli("run", f, "--out", tmp_path / "out").exit_code == 0


def test_one_failing_sweep_point_keeps_the_others(cli, tmp_path):
    (tmp_path / "good.csv").write_text("x,y\n0,1\n1,3\n2,5\n3,7\n")
    f = write(tmp_path, "s.yaml", f"name: s\ncommand: fit\nepochs: 50\nlr: 0.05\n"
                                  f"sweep:\n  - {{data: '{tmp_path / 'good.csv'}'}}\n  - {{data: '{tmp_path / 'missing.csv'}'}}\n")
    r = cli("run", f, "--out", tmp_path / "out")
    assert r.exit_code == 2
    doc = json.loads((tmp_path / "out" / "s" / "result.json").read_text())
    good, bad = doc["result"]["sweep"]
    assert good["status"] == "ok" and good["result"]["rows"] == 4
    assert good["result"]["closed_form"]["params"] == pytest.approx({"w": 2.0, "b": 1.0}, rel=1e-9)
    assert bad["status"] == "error" and "missing.csv" in bad["error"] and bad["result"] is None
    assert doc["status"] == "error" and doc["error"].startswith("run 1: ")


FILE_OPTIONS = {"plot", "csv", "out", "save_params", "animate", "landscape"}


@pytest.mark.parametrize("name", __import__("gdcli.commands", fromlist=["COMMANDS"]).COMMANDS)
def test_every_option_that_names_a_file_is_a_declared_output(name):
    """A command that gains a file option must declare it in OUTPUTS, or a YAML file could write anywhere."""
    import dataclasses

    from gdcli.commands import command_module

    module = command_module(name)
    fields = dataclasses.fields(module.OPTIONS)
    named = {f.name for f in fields if f.name in FILE_OPTIONS or "Path" in str(f.type)}
    assert named <= set(getattr(module, "OUTPUTS", ())), f"{name}: {sorted(named - set(module.OUTPUTS))}"
