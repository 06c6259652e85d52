"""Issue 13, parts 6 and 7: faults of the environment are exit 2 (or 0 for a closed pipe), usage errors are one
line, sizes that cannot fit are refused up front, the internal-error line names the real tracker; progress nests."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESCEND = ["descend", "x**2 + y**2", "--start", "1,1", "--steps", "3000", "--tol", "0", "--all"]


def gdcli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "gdcli", *args], capture_output=True, text=True, timeout=120, **kwargs)


# -- unwritable output ----------------------------------------------------------------------------------------

def test_an_output_path_that_is_a_folder(cli, tmp_path):
    (tmp_path / "taken.csv").mkdir()
    r = cli("descend", "x**2", "--start", "1", "--steps", "3", "--csv", tmp_path / "taken.csv")
    assert r.exit_code == 2
    assert r.stderr == f"error: cannot write {tmp_path / 'taken.csv'}: it is a folder\n"


def test_a_read_only_file_system(cli, tmp_path):
    r = cli("descend", "x**2", "--start", "1", "--steps", "3", "--csv", "/sys/gdcli-test.csv")
    assert r.exit_code == 2 and r.stderr.startswith("error: cannot write /sys/gdcli-test.csv: ")
    assert len(r.stderr.splitlines()) == 1


def test_run_refuses_an_unwritable_out_before_running(cli, tmp_path):
    f = tmp_path / "g.yaml"
    f.write_text("name: g\ncommand: grad\nexpression: x\nat: 1\n")
    (tmp_path / "file").write_text("x")
    r = cli("run", f, "--out", tmp_path / "file")
    assert r.exit_code == 2 and r.stderr == f"error: cannot write {tmp_path / 'file'}: a file of that name is in the way\n"
    r = cli("run", f, "--out", "/sys/gdcli-results")
    assert r.exit_code == 2 and r.stderr.startswith("error: cannot write /sys/gdcli-results: ")


def test_a_full_disk_keeps_the_old_file_whole(cli, tmp_path, monkeypatch):
    import errno

    from gdcli.render import output

    target = tmp_path / "x.csv"
    target.write_text("old\n")

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real = output.os.fdopen
    monkeypatch.setattr(output.os, "fdopen", lambda fd, mode: Full(real(fd, mode)))
    r = cli("descend", "x**2", "--start", "1", "--steps", "3", "--csv", target)
    assert r.exit_code == 2 and r.stderr == f"error: cannot write {target}: No space left on device\n"
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["x.csv"]


@pytest.mark.parametrize("json", [False, True])
def test_stdout_on_dev_full(json):
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "gdcli", *DESCEND, *(["--json"] if json else [])], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr == "error: cannot write <stdout>: No space left on device\n"


def test_an_output_file_on_dev_full_is_written_not_replaced(cli):
    r = cli("descend", "x**2", "--start", "1", "--steps", "3", "--csv", "/dev/full")
    assert r.exit_code == 2 and r.stderr == "error: cannot write /dev/full: No space left on device\n"
    assert Path("/dev/full").is_char_device()


# -- a closed pipe is a normal end ------------------------------------------------------------------------------

@pytest.mark.parametrize("json", [False, True])
def test_a_reader_that_closes_the_pipe(json):
    proc = subprocess.Popen([sys.executable, "-m", "gdcli", *DESCEND, *(["--json"] if json else [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.strip() in (b"{", b"descending f = x**2 + y**2 from (x=1, y=1)")
    assert proc.returncode == 0, stderr
    assert stderr == ""


# -- usage errors are one line ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args,line", [
    (["descend", "x**2", "--start", "1", "--bogus", "1"], "error: no such option --bogus; see gdcli descend --help"),
    (["descend", "x**2", "--start", "1", "--stpe", "1"], "error: no such option --stpe (did you mean --steps?)"),
    (["grad", "x", "--at", "1", "--method"], "error: option '--method' requires an argument"),
    (["bogus"], "error: no such command 'bogus' (see gdcli --help)"),
    (["fit", "--generate", "2*x", "--seed", "-1"], "error: --seed must be >= 0; got -1"),
    (["gradcheck", "x**2", "--at", "random", "--seed", "-3"], "error: --seed must be a whole number >= 0; got -3"),
    (["convex", "x**2", "--seed", "-1"], "error: --seed must be >= 0; got -1"),
    (["fractal", "--seed", "-1"], "error: --seed must be"),
    (["run", "x.yaml", "--jobs", "0"], "error: --jobs must be at least 1; got 0"),
    (["run", "x.yaml", "--jobs", "100000"], "error: --jobs 100000 is more than 4 per core on this machine"),
])
def test_usage_errors_are_one_line(cli, tmp_path, args, line):
    (tmp_path / "x.yaml").write_text("name: x\ncommand: grad\nexpression: x\nat: 1\n")
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = cli(*args)
    finally:
        os.chdir(cwd)
    assert r.exit_code == 2
    assert r.stderr.startswith(line) and len(r.stderr.splitlines()) == 1, r.stderr
    assert "╭" not in r.stderr and "Usage:" not in r.stderr


# -- requests that cannot fit are refused up front --------------------------------------------------------------

@pytest.mark.parametrize("args,line", [
    (["fit", "--generate", "2*x", "--n", "1000000000000"], "error: --n must be between 1 and 10,000,000 rows; got 1,000,000,000,000"),
    (["fit", "--generate", "2*x", "--n", "1e12"], "error: invalid value for '--n': '1e12' is not a valid int"),
    (["gradcheck", "--function", "m:f", "--gradient", "m:g", "--at", "random", "--dim", "100000000"],
     "error: --dim must be between 1 and 100,000; got 100,000,000"),
])
def test_sizes_that_cannot_fit_are_refused(cli, args, line):
    r = cli(*args)
    assert r.exit_code == 2 and r.stderr.startswith(line), r.stderr


# -- the internal-error line ------------------------------------------------------------------------------------

def test_internal_error_names_the_tracker_from_pyproject(cli, monkeypatch):
    import gdcli.cli.grad as grad_cli

    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Issues"]

    def broken(opts):
        raise RuntimeError("boom")

    monkeypatch.setattr(grad_cli, "compute", broken)
    r = cli("grad", "x", "--at", "1")
    assert r.exit_code == 3
    assert r.stderr.startswith("internal error: RuntimeError: boom (at test_faults.py:")
    assert f"please report it at {url} (rerun with --debug for the traceback)" in r.stderr
    r = cli("grad", "x", "--at", "1", "--debug")  # after the subcommand
    assert r.exit_code == 3 and "Traceback (most recent call last)" in r.stderr
    assert url in r.stderr


def test_debug_after_the_subcommand_is_not_an_unknown_option(cli):
    r = cli("grad", "x**2", "--at", "3", "--debug", "--json")
    assert r.exit_code == 0 and '"gradient"' in r.stdout


# -- progress ---------------------------------------------------------------------------------------------------

def test_a_commands_bar_nests_under_the_batch_bar(monkeypatch):
    from rich.console import Console

    from gdcli.render import progress as progress_module
    from gdcli.render import output

    monkeypatch.setattr(progress_module, "_shown", lambda: True)
    monkeypatch.setattr(output, "console", lambda stderr=False: Console(file=io.StringIO(), force_terminal=True))

    class Exp:
        def __init__(self, name, runs):
            self.name, self.runs = name, [{}] * runs

    class Result:
        def __init__(self, name):
            self.name = name

    experiments = [Exp("first", 1), Exp("second", 2)]
    with progress_module.batch_progress(experiments) as batch:
        outer = progress_module._OUTER["bar"]
        assert [t.description for t in outer.tasks] == ["run first"]
        with progress_module.progress("fractal", total=10) as inner:
            inner.update(4)
            assert [(t.description, t.completed) for t in outer.tasks][1] == ("  fractal", 4)
        assert len(outer.tasks) == 1  # the inner line is gone, the batch bar stays
        batch.point(experiments[0], None)
        batch.done(Result("first"))
        batch.point(experiments[1], None)
        (task,) = outer.tasks
        assert task.description == "run second" and task.completed == pytest.approx(1.5) and task.total == 2
    assert progress_module._OUTER["bar"] is None


def test_a_workers_bar_is_relayed_under_the_batch_bar(monkeypatch):
    """`--jobs`: a command's progress in a worker goes through a queue and is drawn under the parent's bar."""
    import queue

    from rich.console import Console

    from gdcli.render import output
    from gdcli.render import progress as progress_module

    messages: queue.Queue = queue.Queue()
    monkeypatch.setattr(progress_module, "FORWARD_EVERY", 0.0)
    monkeypatch.setitem(progress_module._SINK, "queue", messages)
    with progress_module.progress("fit: epochs", total=5) as bar:  # the worker's side
        bar.update(2)
        bar.update(3)
    monkeypatch.setitem(progress_module._SINK, "queue", None)
    sent = [messages.get_nowait() for _ in range(messages.qsize())]
    assert [m[0] for m in sent] == ["start", "advance", "advance", "end"]
    monkeypatch.setattr(progress_module, "_shown", lambda: True)
    monkeypatch.setattr(output, "console", lambda stderr=False: Console(file=io.StringIO(), force_terminal=True))

    class Exp:
        name, runs = "only", [{}]

    with progress_module.batch_progress([Exp()]):  # the parent's side
        outer = progress_module._OUTER["bar"]
        for message in sent[:3]:
            progress_module.relay(message)
        assert [(t.description, t.completed, t.total) for t in outer.tasks][1] == ("  fit: epochs", 5, 5)
        progress_module.relay(sent[3])
        assert len(outer.tasks) == 1


@pytest.mark.parametrize("batch_size", [None, "4", "4,full"])
def test_the_fit_epoch_counter_ends_at_the_last_epoch(monkeypatch, batch_size):
    import contextlib

    from gdcli.commands import fit as fit_command
    from gdcli.render import progress as progress_module

    seen = []

    @contextlib.contextmanager
    def recording(description, total, enabled=True):
        class Bar:
            done = 0

            def update(self, advance=1, **kwargs):
                Bar.done += advance

        yield Bar()
        seen.append((description, Bar.done, total))

    monkeypatch.setattr(progress_module, "progress", recording)
    opts = fit_command.FitOptions(generate="2*x + 1", n=16, epochs=7, batch_size=batch_size)
    fit_command.compute(opts)
    runs = 1 if batch_size in (None, "4") else 2
    assert seen == [("fit: epochs", 7 * runs, 7 * runs)]
