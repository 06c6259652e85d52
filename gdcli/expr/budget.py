"""A time budget for symbolic work: SymPy steps that run past it stop with `SymbolicTimeout` naming the step."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

from gdcli.errors import GdcliError

DEFAULT_SECONDS = 5.0  # long enough for every ordinary expression, short enough that nothing seems to hang


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

    def expire(signum, frame):
        raise SymbolicTimeout(step, seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    _deadline["at"] = at
    signal.setitimer(signal.ITIMER_REAL, at - now)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _deadline["at"] = outer
        left = None if outer is None else outer - time.monotonic()
        if left is not None and left > 0:  # the outer budget's alarm goes on ticking
            signal.setitimer(signal.ITIMER_REAL, left)
        # An outer deadline already past is not re-armed: the step that ran into it has raised (or returned at
        # the last moment), and a second alarm would only replace that step's name with the outer one's.
