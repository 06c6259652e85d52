"""Progress bars on stderr, shown only when stderr is a terminal; a command's bar nests under `gdcli run`'s."""

from __future__ import annotations

import contextlib
import os
import sys

_OUTER: dict = {"bar": None, "relayed": {}}  # the batch's Rich Progress while `gdcli run` draws one
_SINK: dict = {"queue": None}  # in a `--jobs` worker: where its commands' progress goes (to the batch's bar)
FORWARD_EVERY = 0.2  # seconds between a worker's progress messages


class _Silent:
    def update(self, advance: float = 1, **kwargs) -> None:
        pass

    def point(self, experiment, outcome) -> None:
        pass

    def done(self, result) -> None:
        pass


def _shown() -> bool:
    return sys.stderr.isatty() and not os.environ.get("GDCLI_NO_PROGRESS")


def _columns():
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
            TimeElapsedColumn(), TimeRemainingColumn())


@contextlib.contextmanager
def progress(description: str, total: float | None, enabled: bool = True):
    """Yield an object with `update(advance=...)`; a Rich bar on a terminal, nothing otherwise.

    Inside `gdcli run` the bar is a second line under the batch's bar, removed when the work ends.
    """
    if enabled and _SINK["queue"] is not None:
        with _forwarded(description, total) as bar:
            yield bar
        return
    if not enabled or not _shown():
        yield _Silent()
        return
    outer = _OUTER["bar"]
    if outer is not None:
        task = outer.add_task("  " + description, total=total)

        class _Inner:
            def update(self, advance: float = 1, **kwargs) -> None:
                outer.update(task, advance=advance, **kwargs)

        try:
            yield _Inner()
        finally:
            outer.remove_task(task)
        return
    from rich.progress import Progress

    from gdcli.render.output import console

    with Progress(*_columns(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        class _Bar:
            def update(self, advance: float = 1, **kwargs) -> None:
                bar.update(task, advance=advance, **kwargs)

        yield _Bar()


@contextlib.contextmanager
def batch_progress(experiments):
    """`gdcli run`'s bar: experiments done out of the total, named while they run; sweeps advance by point."""
    if not _shown():
        yield _Silent()
        return
    from rich.progress import Progress
    from rich.markup import escape

    from gdcli.render.output import console

    with Progress(*_columns(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("experiments", total=len(experiments))
        pending = [e.name for e in experiments]  # in file order: the first is the one running (serially)

        class _Batch:
            def point(self, experiment, outcome) -> None:
                bar.update(task, advance=1 / len(experiment.runs))

            def done(self, result) -> None:
                if result.name in pending:
                    pending.remove(result.name)
                bar.update(task, description=_names(pending))

        def _names(names) -> str:
            return f"run {escape(names[0])}" if names else "experiments"

        bar.update(task, description=_names(pending))
        _OUTER["bar"] = bar
        try:
            yield _Batch()
        finally:
            _OUTER["bar"], _OUTER["relayed"] = None, {}


# -- `--jobs`: a worker's bars drawn under the parent's batch bar ---------------------------------------------

def forward_to(queue) -> None:
    """In a worker process: send the progress of the commands it runs to the parent through `queue`."""
    _SINK["queue"] = queue


@contextlib.contextmanager
def _forwarded(description: str, total):
    import time

    queue, key = _SINK["queue"], f"{os.getpid()}:{id(object())}"
    queue.put(("start", key, description, total))
    pending, last = [0.0], [time.monotonic()]

    class _Forward:
        def update(self, advance: float = 1, **kwargs) -> None:
            pending[0] += advance
            if time.monotonic() - last[0] >= FORWARD_EVERY:
                queue.put(("advance", key, pending[0]))
                pending[0], last[0] = 0.0, time.monotonic()

    try:
        yield _Forward()
    finally:
        queue.put(("end", key, None))


def relay(message) -> None:
    """In the parent: draw a worker's progress message as a line under the batch bar (if one is shown)."""
    bar, lines = _OUTER["bar"], _OUTER["relayed"]
    kind, key, value = message[0], message[1], message[2]
    if bar is None:
        return
    if kind == "start":
        lines[key] = bar.add_task("  " + value, total=message[3])
    elif kind == "advance" and key in lines:
        bar.update(lines[key], advance=value)
    elif kind == "end" and key in lines:
        bar.remove_task(lines.pop(key))
