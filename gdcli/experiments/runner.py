"""Run validated experiments on an executor, check their `expect:` blocks, write `results/<name>/`.

The points of every experiment are tasks (tasks.py); an executor runs them (executors.py, cluster.py) and hands
back outcomes; this module is the one client-side path for all of them: it writes the files, evaluates the
checks, reports progress, handles Ctrl-C and writes `summary.json`.
"""

from __future__ import annotations

import contextlib
import json
import platform
import signal
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from gdcli.experiments.checks import CheckResult, evaluate, tokens
from gdcli.experiments.schema import Experiment
from gdcli.experiments.shapes import path_text
from gdcli.experiments.tasks import PointOutcome, PointTask

# Outcomes a run can reach that are not a pass unless an `expect:` check names them.
BAD_STATUS = {"diverged", "diverging", "non-finite", "nonfinite"}
BAD_FALSE = {"passed", "expect_met"}  # a command's own verdict (gradcheck, convex --expect)


@dataclass(frozen=True)
class ExperimentResult:
    name: str
    path: str
    command: str
    status: str  # passed, failed, error, interrupted, not run
    runs: int
    checks: list[CheckResult]
    seconds: float
    result: dict | None
    files: list[str] = field(default_factory=list)
    error: str | None = None
    seed: int | None = None
    workers: list[str] = field(default_factory=list)

    @property
    def passed_checks(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def failed_checks(self) -> int:
        return sum(not c.passed for c in self.checks)


def _write_json(path: Path, doc) -> None:
    from gdcli.render.output import jsonable, write_atomic

    write_atomic(path, json.dumps(jsonable(doc), indent=2) + "\n")


def versions() -> dict[str, str]:
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    from gdcli import __version__

    return {"gdcli": __version__, "python": platform.python_version(), "numpy": version("numpy"),
            "torch": version("torch"), "sympy": version("sympy")}


def folder_of(exp: Experiment, out_dir: Path, point: int) -> Path:
    return out_dir / exp.name if len(exp.runs) == 1 else out_dir / exp.name / f"run-{point}"


def plan(experiments: list[Experiment], out_dir: Path) -> list[tuple[PointTask, str]]:
    """Every sweep point of every experiment, in file order, with the folder its files go to."""
    tasks = []
    for i, exp in enumerate(experiments):
        for j, run in enumerate(exp.runs):
            task = PointTask(i, j, exp.command, {**exp.options, **run}, frozenset({*exp.given, *run}))
            tasks.append((task, str(folder_of(exp, out_dir, j))))
    return tasks


def bad_outcomes(doc, prefix: tuple = ()) -> list[tuple[tuple, str, str]]:
    """(path, what, outcome) for each divergence, non-finite value or failed self-check a document reports;
    `outcome` is one of schema.OUTCOMES."""
    found = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = (*prefix, str(key))
            if key == "status" and value in BAD_STATUS:
                found.append((here, str(value), "non-finite" if value == "nonfinite" else str(value)))
            elif key in BAD_FALSE and value is False:
                found.append((here, f"{key} is false", "failed"))
            elif key == "nonfinite" and value is True:
                found.append((here, "non-finite", "non-finite"))
            else:
                found += bad_outcomes(value, here)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += bad_outcomes(value, (*prefix, str(i)))
    return found


def _finish(exp: Experiment, outcomes: list[PointOutcome], out_dir: Path, interrupted: bool) -> ExperimentResult:
    """Write one experiment's files and result.json from its outcomes; decide its status."""
    from gdcli.render.output import write_atomic

    files = []
    for o in outcomes:
        folder = folder_of(exp, out_dir, o.point)
        files += [str(write_atomic(folder / name, data)) for name, data in o.files.items()]
    seconds = sum(o.seconds for o in outcomes)
    workers = sorted({o.worker for o in outcomes if o.worker})
    if len(exp.runs) == 1:
        doc = outcomes[0].doc if outcomes else None
    else:
        doc = {"sweep": [{"options": exp.runs[o.point], "status": o.status,
                          **({"error": o.error} if o.error else {}), "result": o.doc} for o in outcomes]}
    errors = [o for o in outcomes if o.status == "error"]
    checks: list[CheckResult] = []
    error = None
    if interrupted:
        status, error = "interrupted", "interrupted by Ctrl-C; checks not evaluated"
    elif errors:
        status = "error"
        error = errors[0].error if len(exp.runs) == 1 else "; ".join(
            f"run {o.point}: {o.error}" for o in errors[:3]) + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
    else:
        checks = [evaluate(c, doc) for c in exp.checks]
        named = {tokens(c.path) for c in exp.checks}
        unexpected = [(p, what) for p, what, outcome in bad_outcomes(doc)
                      if p not in named and outcome not in exp.expected_outcomes]
        status = "passed" if all(c.passed for c in checks) and not unexpected else "failed"
        if unexpected:
            path, what = unexpected[0]
            error = (f"{path_text(path)}: {what}, and no expect: check names it "
                     f"(add {{path: {path_text(path)}, equals: ...}} if that is the expected outcome)")
    result_json = folder_of(exp, out_dir, 0).parent / "result.json" if len(exp.runs) > 1 else out_dir / exp.name / "result.json"
    _write_json(result_json, {"name": exp.name, "command": exp.command, "file": exp.path, "status": status,
                              "seed": exp.seed, "error": error, "checks": checks, "result": doc})
    files.insert(0, str(result_json))
    return ExperimentResult(exp.name, exp.path, exp.command, status, len(outcomes), checks, seconds, doc, files,
                            error, exp.seed, workers)


class _Interrupt:
    """SIGINT while a batch runs: the first raises KeyboardInterrupt once, later ones are ignored."""

    def __init__(self):
        self.flag = False

    def handler(self, signum, frame):
        if not self.flag:
            self.flag = True
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self.handler)
        try:
            yield self
        finally:  # after a Ctrl-C the command only reports and exits: a further Ctrl-C must not break that
            signal.signal(signal.SIGINT, signal.SIG_IGN if self.flag else previous)


def run_all(experiments: list[Experiment], out_dir: Path, executor=None, on_point=None, on_done=None,
            extra: dict | None = None) -> tuple[list[ExperimentResult], bool]:
    """Run every point on `executor` (default: serially here); write each experiment's results as it completes,
    then summary.json. Returns the results in file order and whether Ctrl-C stopped the batch."""
    from gdcli.experiments.executors import Serial

    executor = executor or Serial()
    tasks = plan(experiments, out_dir)
    outcomes: list[list[PointOutcome]] = [[] for _ in experiments]
    results: list[ExperimentResult | None] = [None] * len(experiments)
    stop = _Interrupt()

    def take(o: PointOutcome) -> None:
        outcomes[o.experiment].append(o)
        if on_point:
            on_point(experiments[o.experiment], o)
        if o.status == "interrupted":
            stop.flag = True
        exp = experiments[o.experiment]
        if len(outcomes[o.experiment]) == len(exp.runs) and not stop.flag:
            results[o.experiment] = _finish(exp, sorted(outcomes[o.experiment], key=lambda x: x.point), out_dir, False)
            if on_done:
                on_done(results[o.experiment])

    start = time.perf_counter()
    with stop.installed():
        try:
            try:
                for outcome in executor.run(tasks):
                    take(outcome)
                    if stop.flag:
                        break
            except KeyboardInterrupt:
                stop.flag = True
            if stop.flag:
                for outcome in executor.stop():
                    take(outcome)
        except KeyboardInterrupt:  # a Ctrl-C that reached us between two checks of the flag
            stop.flag = True
        finally:
            executor.close()
        for i, exp in enumerate(experiments):
            if results[i] is not None:
                continue
            started = sorted((o for o in outcomes[i] if o.status != "not run"), key=lambda x: x.point)
            if started:
                whole = len(started) == len(exp.runs) and all(o.status != "interrupted" for o in started)
                results[i] = _finish(exp, started, out_dir, not whole)
            else:
                results[i] = ExperimentResult(exp.name, exp.path, exp.command, "not run", 0, [], 0.0, None, [],
                                              None, exp.seed)
        summary = {
            "versions": versions(),
            **(extra or {}),
            **executor.describe(),
            "interrupted": stop.flag,
            "seconds": round(time.perf_counter() - start, 3),
            "seeds": {r.name: r.seed for r in results},
            "experiments": [{"name": r.name, "file": r.path, "command": r.command, "status": r.status, "runs": r.runs,
                             "checks_passed": r.passed_checks, "checks_failed": r.failed_checks,
                             "seconds": round(r.seconds, 3), "error": r.error, "workers": r.workers, "files": r.files}
                            for r in results],
        }
        _write_json(out_dir / "summary.json", summary)
    return results, stop.flag
