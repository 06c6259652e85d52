"""`gdcli run`: validate YAML experiments, run them, check their expectations, write a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List

import typer

from gdcli.cli import common


def run(
    paths: Annotated[List[str], typer.Argument(help="Experiment files, folders or globs.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Results folder; each experiment writes <out>/<name>/.")] = Path("results"),
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Run independent experiments in this many processes.")] = 1,
    json: common.Json = None,
):
    """Run YAML experiments: validate every file first, run them, check their expect: blocks.

    Exit 1 if any check failed; exit 2 if any file was invalid (and then nothing runs).

    Example:

        gdcli run experiments/ --out results
    """
    with common.exit_codes():
        from gdcli.errors import ConfigError
        from gdcli.experiments.runner import run_all
        from gdcli.experiments.schema import expand_paths, load_experiment
        from gdcli.render.output import console, emit_json, jsonable
        from gdcli.render.progress import progress

        files = expand_paths(paths)
        if not files:
            raise ConfigError("no experiment files found")
        experiments, errors = [], []
        for f in files:  # phase 1: validate everything, report every error at once
            try:
                experiments.append(load_experiment(f))
            except ConfigError as exc:
                errors.append(exc.render().removeprefix("error: "))
        names = {}
        for exp in experiments:
            if exp.name in names:
                errors.append(f"{exp.path}: name '{exp.name}' is already used by {names[exp.name]}")
            names.setdefault(exp.name, exp.path)
        if errors:
            for e in errors:
                typer.echo(f"error: {e}", err=True)
            typer.echo(f"{len(errors)} invalid file{'s' * (len(errors) != 1)}; nothing was run", err=True)
            raise typer.Exit(2)
        with progress("experiments", total=len(experiments)) as bar:  # phase 2
            results = run_all(experiments, out, jobs=jobs, on_done=lambda r: bar.update(1))
        if json:  # phase 3
            emit_json({"out": str(out), "experiments": [
                {"name": r.name, "file": r.path, "command": r.command, "status": r.status, "runs": r.runs,
                 "checks": jsonable(r.checks), "error": r.error, "seconds": r.seconds, "files": r.files,
                 "result": r.result} for r in results]})
        else:
            from gdcli.render.run import render_run

            render_run(results, console())
            console().print(f"results written to {out}/")
        if any(r.status == "error" for r in results):
            raise typer.Exit(2)
        if any(r.status != "passed" for r in results):
            raise typer.Exit(1)
