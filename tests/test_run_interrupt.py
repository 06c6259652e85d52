"""Issue 13, part 4: Ctrl-C stops a batch, serial and parallel, as real processes receiving SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FAST = "name: {name}\ncommand: grad\nexpression: x**2\nat: 3\nexpect:\n  - {{path: value, equals: 9}}\n"
# About a billion points: minutes of work that the fractal stops at the next chunk when interrupted.
SLOW = "name: {name}\ncommand: fractal\npoints: 1000000000\nresolution: 16\nexpect:\n  - {{path: points, gt: 0}}\n"


def batch(folder: Path, kinds: str) -> list[str]:
    """One experiment file per letter: f = fast, s = slow; named in order so that they run in order."""
    names = []
    for i, kind in enumerate(kinds):
        name = f"e{i}-{'fast' if kind == 'f' else 'slow'}"
        (folder / f"{name}.yaml").write_text((FAST if kind == "f" else SLOW).format(name=name))
        names.append(name)
    return names


def start(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gdcli", "run", str(folder), "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
                            start_new_session=True)


def start_on_terminal(on_terminal, folder: Path, out: Path, *extra: str):
    """`gdcli run` drawing its bars (stderr on a pseudo-terminal): a test can wait for a slow one's points."""
    return on_terminal(sys.executable, "-m", "gdcli", "run", folder, "--out", out, *extra, cwd=folder,
                       start_new_session=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def interrupt(run, group: bool, times: int = 1) -> tuple[str, str]:
    proc = getattr(run, "proc", run)
    for i in range(times):
        if group:  # a terminal's Ctrl-C reaches the whole foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        else:  # kill -INT PID: only the parent hears it and must stop its workers itself
            proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
    try:
        return run.communicate(timeout=60)  # a guard against a hang, not a timing claim
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def check_summary(out: Path, expected: dict[str, str]) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert {e["name"]: e["status"] for e in summary["experiments"]} == expected
    assert not list(out.glob(".*.tmp"))  # written atomically: no temporary file left behind
    for name, status in expected.items():
        if status == "not run":
            assert not (out / name).exists()
        else:
            result = json.loads((out / name / "result.json").read_text())
            assert result["status"] == status
        if status == "interrupted":
            assert result["checks"] == [] and result["result"]["interrupted"] is True  # partial result, no checks
            assert 0 < result["result"]["panels"][0]["points"] < 1_000_000_000  # the points reached
            assert (out / name / "fractal.png").exists()  # its picture of the points reached so far
    return summary


@pytest.mark.parametrize("times", [1, 2])
def test_ctrl_c_stops_a_serial_batch(tmp_path, times, on_terminal):
    names = batch(tmp_path, "fssf")
    out = tmp_path / "out"
    run = start_on_terminal(on_terminal, tmp_path, out)
    proc = run.proc
    # the first slow one has binned points (a fixed sleep could end in its imports, with no points to keep)
    run.wait_for_progress("fractal")
    stdout, stderr = interrupt(run, group=False, times=times)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert "interrupted: summary.json lists what ran" in stderr
    check_summary(out, {names[0]: "passed", names[1]: "interrupted", names[2]: "not run", names[3]: "not run"})
    assert "1 of 4 experiments passed, 1 interrupted, 2 not run" in stdout


@pytest.mark.parametrize("group", [False, True], ids=["kill-parent", "terminal-group"])
def test_ctrl_c_stops_a_parallel_batch(tmp_path, group, on_terminal):
    names = batch(tmp_path, "fsssf")
    out = tmp_path / "out"
    run = start_on_terminal(on_terminal, tmp_path, out, "--jobs", "2")
    proc = run.proc
    wait_for(out / names[0] / "result.json", proc)
    run.wait_for_progress("fractal", bars=2)  # both workers busy with e1 and e2, each with points binned
    stdout, stderr = interrupt(run, group=group, times=2)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    summary = check_summary(out, {names[0]: "passed", names[1]: "interrupted", names[2]: "interrupted",
                                  names[3]: "not run", names[4]: "not run"})
    assert summary["executor"] == "processes" and summary["jobs"] == 2


def test_a_killed_jobs_worker_is_an_error_not_a_crash(tmp_path):
    psutil = pytest.importorskip("psutil")
    names = batch(tmp_path, "fss")
    out = tmp_path / "out"
    proc = start(tmp_path, out, "--jobs", "2")
    wait_for(out / names[0] / "result.json", proc)
    victim = psutil.Process(proc.pid).children()[0]
    victim.kill()
    try:
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    statuses = {e["name"]: (e["status"], e["error"]) for e in summary["experiments"]}
    assert statuses[names[0]] == ("passed", None)
    assert {statuses[n][0] for n in names[1:]} == {"error"}
    assert all("a worker process died" in statuses[n][1] for n in names[1:])
