"""Run validated experiments, check their `expect:` blocks, and write `results/<name>/`."""

from __future__ import annotations

import json
import platform
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from gdcli.commands import command_module
from gdcli.errors import GdcliError
from gdcli.experiments.checks import CheckResult, evaluate
from gdcli.experiments.schema import Experiment, load_experiment


@dataclass(frozen=True)
class ExperimentResult:
    name: str
    path: str
    command: str
    status: str  # passed, failed (a check did not hold), error, interrupted
    runs: int
    checks: list[CheckResult]
    seconds: float
    result: dict | None
    files: list[str] = field(default_factory=list)
    error: str | None = None
    seed: int | None = None

    @property
    def passed_checks(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def failed_checks(self) -> int:
        return sum(not c.passed for c in self.checks)


def _write_json(path: Path, doc) -> None:
    from gdcli.render.output import jsonable, write_atomic

    write_atomic(path, json.dumps(jsonable(doc), indent=2) + "\n")


def run_experiment(exp: Experiment, out_dir: Path) -> ExperimentResult:
    """Run every sweep point of one experiment; never raises for a user-level problem."""
    module = command_module(exp.command)
    folder = out_dir / exp.name
    start = time.perf_counter()
    docs, files = [], []
    try:
        for i, run in enumerate(exp.runs):
            opts = module.OPTIONS(**{**exp.options, **run})
            result = module.compute(opts)
            docs.append(module.document(result))
            if hasattr(module, "artifacts"):
                target = folder if len(exp.runs) == 1 else folder / f"run-{i}"
                files += [str(p) for p in module.artifacts(result, opts, target)]
    except GdcliError as exc:
        return ExperimentResult(exp.name, exp.path, exp.command, "error", len(exp.runs), [], time.perf_counter() - start,
                                None, files, exc.message, exp.seed)
    except KeyboardInterrupt:
        return ExperimentResult(exp.name, exp.path, exp.command, "interrupted", len(docs), [], time.perf_counter() - start,
                                None, files, "interrupted", exp.seed)
    except Exception as exc:  # a bug in a command: keep the batch going and report it
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = f"internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        return ExperimentResult(exp.name, exp.path, exp.command, "error", len(exp.runs), [], time.perf_counter() - start,
                                None, files, message, exp.seed)
    doc = docs[0] if len(docs) == 1 else {"sweep": [{"options": run, "result": d} for run, d in zip(exp.runs, docs)]}
    checks = [evaluate(c, doc) for c in exp.checks]
    status = "passed" if all(c.passed for c in checks) else "failed"
    seconds = time.perf_counter() - start
    _write_json(folder / "result.json", {"name": exp.name, "command": exp.command, "file": exp.path, "status": status,
                                         "seed": exp.seed, "checks": checks, "result": doc})
    files.insert(0, str(folder / "result.json"))
    return ExperimentResult(exp.name, exp.path, exp.command, status, len(exp.runs), checks, seconds, doc, files, None, exp.seed)


def _run_file(path: str, out_dir: str) -> ExperimentResult:
    """The worker for --jobs: each process loads its own file (experiments hold closures that don't pickle)."""
    return run_experiment(load_experiment(path), Path(out_dir))


def versions() -> dict[str, str]:
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    from gdcli import __version__

    return {"gdcli": __version__, "python": platform.python_version(), "numpy": version("numpy"),
            "torch": version("torch"), "sympy": version("sympy")}


def run_all(experiments: list[Experiment], out_dir: Path, jobs: int = 1, on_done=None) -> list[ExperimentResult]:
    """Run experiments (in parallel processes when jobs > 1), in file order; then write summary.json."""
    results: list[ExperimentResult | None] = [None] * len(experiments)
    if jobs <= 1 or len(experiments) <= 1:
        for i, exp in enumerate(experiments):
            results[i] = run_experiment(exp, out_dir)
            if on_done:
                on_done(results[i])
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run_file, exp.path, str(out_dir)): i for i, exp in enumerate(experiments)}
            for fut in as_completed(futures):
                i = futures[fut]
                results[i] = fut.result()
                if on_done:
                    on_done(results[i])
    summary = {
        "versions": versions(),
        "seeds": {r.name: r.seed for r in results},
        "experiments": [{"name": r.name, "file": r.path, "command": r.command, "status": r.status, "runs": r.runs,
                         "checks_passed": r.passed_checks, "checks_failed": r.failed_checks,
                         "seconds": round(r.seconds, 3), "error": r.error, "files": r.files} for r in results],
    }
    _write_json(out_dir / "summary.json", summary)
    return results
