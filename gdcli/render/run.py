"""The summary table of `gdcli run`, and the failed checks under it."""

from __future__ import annotations

from rich.table import Table


STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "interrupted": "yellow", "not run": "dim"}


def _text(value) -> str:
    """A name or message from a user's file: no markup, no terminal escapes."""
    from rich.markup import escape

    from gdcli.errors import safe_text

    return escape(safe_text(value))


def render_run(results, console) -> None:
    t = Table(title="experiments", title_justify="left")
    t.add_column("experiment", no_wrap=True)
    t.add_column("command")
    for col in ("runs", "status", "✓ checks", "✗ checks", "time"):
        t.add_column(col, justify="left" if col == "status" else "right", no_wrap=True)
    for r in results:
        style = STATUS_STYLE.get(r.status, "")
        t.add_row(_text(r.name), r.command, str(r.runs), f"[{style}]{r.status}[/]", str(r.passed_checks),
                  str(r.failed_checks), f"{r.seconds:.2f}s")
    console.print(t)
    for r in results:
        if r.error:
            console.print(f"[red]{_text(r.name)}[/]: {_text(r.error)}")
        for c in r.checks:
            if not c.passed:
                console.print(f"[red]✗ {_text(r.name)}[/]: {_text(c.name)}: {_text(c.message)}")
    passed = sum(r.status == "passed" for r in results)
    counts = {s: sum(r.status == s for r in results) for s in ("interrupted", "not run")}
    extra = "".join(f", {n} {s}" for s, n in counts.items() if n)
    console.print(f"{passed} of {len(results)} experiments passed{extra}")
