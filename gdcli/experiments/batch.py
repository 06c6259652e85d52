"""A batch before it runs: every file validated (all errors at once), and the executor chosen."""

from __future__ import annotations

import os

from gdcli.errors import ConfigError, UsageError
from gdcli.experiments.schema import Experiment, expand_paths, load_experiment


def load_all(paths: list[str], allow_code: bool) -> tuple[list[Experiment], list[str]]:
    """Every experiment under `paths`, and every problem found in any of them (one line each)."""
    experiments, errors = [], []
    for f in expand_paths(paths):
        try:
            experiments.append(load_experiment(f))
        except ConfigError as exc:
            errors += getattr(exc, "problems", None) or [exc.render().removeprefix("error: ")]
    names: dict[str, str] = {}
    for exp in experiments:
        if exp.name in names:
            errors.append(f"{exp.path}:1:1: name '{exp.name}' is already used by {names[exp.name]}")
        names.setdefault(exp.name, exp.path)
        if exp.uses_code and not allow_code:
            errors.append(f"{exp.path}:1:1: this experiment imports Python code (module:function); "
                          "run it with --allow-code if you trust the file")
    return experiments, errors


def make_executor(jobs: int, scheduler: str | None, points: int):
    """Serial, local processes (`--jobs`) or Dask (`--scheduler`); and what summary.json records about it."""
    from gdcli.experiments.executors import JOBS_PER_CORE, Processes, Serial

    cores = os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1; got {jobs}")
    if jobs > JOBS_PER_CORE * cores:
        raise UsageError(f"--jobs {jobs} is more than {JOBS_PER_CORE} per core on this machine ({cores} cores); "
                         f"use at most {JOBS_PER_CORE * cores}")
    if scheduler is not None:
        if jobs > 1:
            raise UsageError("give --jobs or --scheduler, not both (the cluster decides how many run at once)")
        from gdcli.experiments.cluster import connect

        return connect(scheduler)
    jobs = min(jobs, points)
    return (Processes(jobs) if jobs > 1 else Serial()), {}
