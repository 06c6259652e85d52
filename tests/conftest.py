"""Shared test helpers: invoke the CLI in-process and parse its JSON; run it on a terminal to wait for its progress."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import threading
import time

import pytest
from typer.testing import CliRunner

from gdcli.cli.app import app


@pytest.fixture
def cli():
    """cli(*args) -> click Result with .exit_code, .stdout, .stderr."""
    runner = CliRunner()

    def invoke(*args, **kwargs):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def cli_json(cli):
    """cli_json(*args) -> the parsed JSON document of a successful `--json` run."""

    def invoke(*args, exit_code=0):
        result = cli(*args, "--json")
        assert result.exit_code == exit_code, result.stderr + result.stdout
        return json.loads(result.stdout)

    return invoke


# -- a process on a terminal: wait for its progress, not for a fixed time -----------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class OnTerminal:
    """A gdcli process whose stderr is a pseudo-terminal, so that it draws its progress bars; stdout stays a pipe.

    A test that interrupts a run waits until a bar counts past zero: the work has begun (the imports, a pilot and a
    compile are over). A fixed sleep does not know that: on a loaded machine the imports alone can outlast it.
    """

    def __init__(self, args, **kwargs):
        env = {k: v for k, v in kwargs.pop("env", os.environ).items() if k != "GDCLI_NO_PROGRESS"}
        env["TERM"] = "xterm"  # not "dumb" (as on some CI runners): Rich draws no live bar there
        # a session of its own, so that close() can kill what it forked (a fractal's workers outlive a killed
        # parent); stdin not pytest's terminal (Rich would take its width, and a Ctrl-C typed there)
        kwargs.setdefault("start_new_session", True)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        master, slave = pty.openpty()
        try:
            self.proc = subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=slave, text=True,
                                         env=env, **kwargs)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self._closed, self._session = False, bool(kwargs["start_new_session"])
        self._master, self._raw, self._lock = master, bytearray(), threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)  # a full terminal would block the process
        self._reader.start()

    def _read(self) -> None:
        try:
            while chunk := os.read(self._master, 65536):
                with self._lock:
                    self._raw += chunk
        except OSError:  # EIO: every process holding the terminal has closed it
            pass

    @property
    def stderr(self) -> str:
        """What the process wrote to its terminal so far, without colours and cursor moves."""
        with self._lock:
            text = bytes(self._raw).decode(errors="replace")
        return _ANSI.sub("", text).replace("\r\n", "\n")

    def wait_for_progress(self, label: str, bars: int = 1, timeout: float = 300) -> None:
        """Until `bars` progress bars named `label` show a count above zero together (in one redraw of the screen).

        A guard against a hang, not a timing claim: `timeout` only bounds a run that never gets going.
        """
        bar = re.compile(rf"^\s*{re.escape(label)}\b.*?\s(\d[\d,]*)/\d[\d,]*(\s|$)")
        deadline = time.monotonic() + timeout
        while True:
            run = 0
            for line in re.split(r"[\r\n]+", self.stderr):  # a redraw's lines are consecutive; the batch bar leads it
                m = bar.match(line)
                run = run + 1 if m and int(m[1].replace(",", "")) > 0 else 0
                if run >= bars:
                    return
            assert self.proc.poll() is None, f"exited ({self.proc.returncode}) before {label} progressed: {self.stderr}"
            assert time.monotonic() < deadline, f"{label} never progressed: {self.stderr[-2000:]}"
            time.sleep(0.05)

    def communicate(self, timeout: float) -> tuple[str, str]:
        """(stdout, the terminal's text) once the process has exited."""
        out, _ = self.proc.communicate(timeout=timeout)
        self._reader.join(timeout=10)  # the rest of the terminal's output (a forked worker may still hold it)
        self._close_terminal()
        return out, self.stderr

    def _close_terminal(self) -> None:
        if not self._closed and not self._reader.is_alive():  # never under a read in progress (fd reuse)
            os.close(self._master)
            self._closed = True

    def close(self) -> None:
        """Kill the process and whatever it forked (its group, even once the leader is gone); close the fds."""
        if not self._session:
            if self.proc.poll() is None:
                self.proc.kill()
        else:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # a group outlives its leader while members remain
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._reader.join(timeout=10)  # EIO once every holder of the terminal is dead
        self._close_terminal()


@pytest.fixture
def on_terminal():
    """on_terminal(*args, **popen_kwargs) -> an OnTerminal process; it and what it forked are killed at the end
    of the test, its terminal and pipe closed."""
    started: list[OnTerminal] = []

    def start(*args, **kwargs) -> OnTerminal:
        started.append(OnTerminal(args, **kwargs))
        return started[-1]

    yield start
    for t in started:
        t.close()
