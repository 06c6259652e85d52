"""`gdcli run`: validate YAML experiments, run them, check their expectations, write a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from gdcli.cli import common


def run(
    paths: Annotated[List[str], typer.Argument(help="Experiment files, folders or globs.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Results folder; each experiment writes <out>/<name>/.")] = Path("results"),
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Run independent experiments in this many processes.")] = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on a Dask cluster: ADDRESS (tcp://host:8786) or local:N for N local workers "
                            "(needs pip install 'gdcli\\[cluster]').", show_default=False)] = None,
    allow_code: Annotated[bool, typer.Option(
        "--allow-code", help="Allow experiments that import your Python (gradcheck's function: module:name).")] = False,
    json: common.Json = None,
):
    """Run YAML experiments: validate every file first, run them, check their expect: blocks.

    Exit 1 if any check failed; exit 2 if any file was invalid (and then nothing runs); exit 130 on Ctrl-C
    (running experiments are kept as interrupted, the rest listed as not run, summary.json still written).

    Example:

        gdcli run experiments/ --out results --jobs 2

        gdcli run experiments/ --scheduler tcp://10.0.0.5:8786
    """
    with common.exit_codes():
        from gdcli.errors import ConfigError
        from gdcli.experiments.batch import load_all, make_executor
        from gdcli.experiments.runner import run_all
        from gdcli.render.output import console, emit_json, jsonable
        from gdcli.render.progress import batch_progress

        experiments, errors = load_all(paths, allow_code)
        if errors:
            for e in errors:
                typer.echo(f"error: {common.safe_text(e)}", err=True)
            files = len({e.split(":", 1)[0] for e in errors})
            typer.echo(f"{len(errors)} error{'s' * (len(errors) != 1)} in {files} file{'s' * (files != 1)}; "
                       "nothing was run", err=True)
            raise typer.Exit(2)
        if not experiments:
            raise ConfigError("no experiment files found")
        executor, extra = make_executor(jobs, scheduler, sum(len(e.runs) for e in experiments))
        common.check_writable_folder(out)
        with batch_progress(experiments) as bar:
            results, interrupted = run_all(experiments, out, executor, on_point=bar.point, on_done=bar.done,
                                           extra=extra)
        if json:
            emit_json({"out": str(out), "interrupted": interrupted, **extra, "experiments": [
                {"name": r.name, "file": r.path, "command": r.command, "status": r.status, "runs": r.runs,
                 "checks": jsonable(r.checks), "error": r.error, "seconds": r.seconds, "workers": r.workers,
                 "files": r.files, "result": r.result} for r in results]})
        else:
            from gdcli.render.run import render_run

            render_run(results, console())
            console().print(f"results written to {common.safe_text(str(out))}/")
        if interrupted:
            typer.echo("interrupted: summary.json lists what ran, what was interrupted and what did not run", err=True)
            raise typer.Exit(130)
        if any(r.status == "error" for r in results):
            raise typer.Exit(2)
        if any(r.status != "passed" for r in results):
            raise typer.Exit(1)
