"""A time budget for symbolic work: SymPy steps that run past it stop with `SymbolicTimeout` naming the step."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

from gdcli.errors import GdcliError

DEFAULT_SECONDS = 5.0  # long enough for every ordinary expression, short enough that nothing seems to hang
REPEAT = 0.05  # seconds between repeated alarms once a deadline has passed


class SymbolicTimeout(GdcliError):
    """A symbolic step ran out of its time budget: exit 2 naming the step, unless the caller falls back."""

    def __init__(self, step: str, seconds: float):
        super().__init__(f"{step} ran out of the {seconds:g} s time budget (raise it with --time-limit SECONDS)")
        self.step = step
        self.seconds = seconds


_deadline: dict[str, float | None] = {"at": None}  # the earliest deadline of the nested budgets in force


@contextlib.contextmanager
def time_limit(seconds: float | None, step: str):
    """Run the body under a wall-clock budget; past it, raise SymbolicTimeout(step) inside the body.

    SymPy is pure Python, so SIGALRM interrupts it between bytecodes. Budgets nest: an inner one never extends an
    outer one. `seconds=None` or 0 means no budget. Off the main thread (signals only reach it) the body runs
    unbounded; gdcli's batch runner uses processes, whose main threads do get the budget.
    """
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    now = time.monotonic()
    outer = _deadline["at"]
    at = now + seconds if outer is None else min(outer, now + seconds)
    if at <= now:
        raise SymbolicTimeout(step, seconds)

    active = {"on": True}

    def expire(signum, frame):
        if active["on"]:
            raise SymbolicTimeout(step, seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    _deadline["at"] = at
    # The alarm repeats every REPEAT seconds past the deadline: code that catches every Exception (SymPy does in
    # places) swallows one SymbolicTimeout, but not all of them.
    signal.setitimer(signal.ITIMER_REAL, at - now, REPEAT)
    try:
        yield
    finally:
        active["on"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _deadline["at"] = outer
        left = None if outer is None else outer - time.monotonic()
        if left is not None and left > 0:  # the outer budget's alarm goes on ticking
            signal.setitimer(signal.ITIMER_REAL, left, REPEAT)
        # An outer deadline already past is not re-armed: the step that ran into it has raised (or returned at
        # the last moment), and a second alarm would only replace that step's name with the outer one's.


class Budget:
    """One command's time budget shared by its symbolic steps, and the steps it had to skip.

    `step(name)` runs a step under what is left of the budget and raises `SymbolicTimeout(name)` past it;
    `attempt(name, fn)` does the same but returns None instead, recording the step as skipped, for steps with a
    numeric fallback. The caller says what the fallback was in its notes.
    """

    def __init__(self, seconds: float | None = DEFAULT_SECONDS, reserve: float = 0.0):
        self.seconds = seconds if seconds and seconds > 0 else None
        # The symbolic steps stop `reserve` seconds early, so that the numeric work after a skipped step (sampling,
        # central differences, a Newton search) still ends within the command's budget.
        self.symbolic = None if self.seconds is None else max(self.seconds - reserve, 0.5 * self.seconds)
        self.deadline = None if self.symbolic is None else time.monotonic() + self.symbolic
        self.skipped: list[str] = []

    @contextlib.contextmanager
    def step(self, name: str):
        if self.deadline is None:
            yield
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SymbolicTimeout(name, self.seconds)
        try:
            with time_limit(left, name):
                yield
        except SymbolicTimeout as exc:
            raise SymbolicTimeout(exc.step, self.seconds) from None

    def attempt(self, name: str, fn):
        """fn() under the budget, or None (and `name` recorded as skipped) when the budget runs out."""
        try:
            with self.step(name):
                return fn()
        except SymbolicTimeout:
            self.skipped.append(name)
            return None

    def note(self, skipped: str, instead: str) -> str:
        return f"{skipped} skipped: the {self.seconds:g} s time budget ran out (--time-limit); {instead}"
