"""Progress bars on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import contextlib
import sys


class _Silent:
    def update(self, advance: float = 1, **kwargs) -> None:
        pass


@contextlib.contextmanager
def progress(description: str, total: float | None, enabled: bool = True):
    """Yield an object with `update(advance=...)`; a Rich bar on a terminal, nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield _Silent()
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from gdcli.render.output import console

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        class _Bar:
            def update(self, advance: float = 1, **kwargs) -> None:
                bar.update(task, advance=advance, **kwargs)

        yield _Bar()
