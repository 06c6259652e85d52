"""One sweep point of one experiment as a pure task: options in, a document and file contents out.

The same function runs in this process (serial), in a worker process (`--jobs`) and on a Dask worker
(`--scheduler`). It writes nothing the caller can see: a command's output files go to a private temporary
folder, come back as bytes, and the client writes them under `results/<name>/`. So a task can be retried on
another worker, and no result depends on where it ran.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdcli.errors import GdcliError

# Set in a worker process once Ctrl-C reached it: tasks that start afterwards do not run.
_STOPPED = {"flag": False}


@dataclass(frozen=True)
class PointTask:
    """What a worker needs: plain, picklable values only."""

    experiment: int  # index of the experiment in the batch
    point: int  # index of the sweep point within it
    command: str
    options: dict[str, Any]
    given: frozenset = frozenset()  # option names the YAML file set (an output key left out writes nothing)


@dataclass(frozen=True)
class PointOutcome:
    experiment: int
    point: int
    status: str  # ok, error, interrupted, not run
    doc: Any = None  # the command's JSON document (partial when interrupted)
    files: dict[str, bytes] = field(default_factory=dict)  # name relative to the point's folder -> contents
    error: str | None = None
    worker: str | None = None
    seconds: float = 0.0


FLAG = re.compile(r"--([a-z][a-z0-9-]*)")


def yaml_words(message: str, names) -> str:
    """A command's message as a YAML file's author reads it: `--line-search` becomes `line_search`."""
    return FLAG.sub(lambda m: m.group(1).replace("-", "_") if m.group(1).replace("-", "_") in names else m.group(0),
                     message)


def worker_name() -> str:
    """The Dask worker's address when on one, else host:pid."""
    import sys

    if "distributed" in sys.modules:
        try:
            from distributed import get_worker

            return get_worker().address
        except (ValueError, ImportError):
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def _retarget(module, task: PointTask, folder: Path) -> dict:
    """Output options named in the file become files in `folder`; outputs not named write nothing."""
    import dataclasses

    values = dict(task.options)
    defaults = {f.name: f.default for f in dataclasses.fields(module.OPTIONS)}
    for key in getattr(module, "OUTPUTS", ()):
        if key in task.given and values.get(key) is not None:
            values[key] = str(folder / Path(str(values[key])).name)
        elif defaults.get(key) is not None:
            values[key] = None
    return values


def _rebase(doc, old: str, new: str):
    """Replace the temporary folder in any path the document quotes with the folder the client writes."""
    if isinstance(doc, str):
        return doc.replace(old, new) if old in doc else doc
    if isinstance(doc, dict):
        return {k: _rebase(v, old, new) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_rebase(v, old, new) for v in doc]
    return doc


def reports_interruption(doc) -> bool:
    """Did the command stop early on Ctrl-C (it kept its partial result and said so in the document)?"""
    if isinstance(doc, dict):
        if doc.get("interrupted") is True or doc.get("status") == "interrupted":
            return True
        return any(reports_interruption(v) for v in doc.values())
    if isinstance(doc, list):
        return any(reports_interruption(v) for v in doc)
    return False


def run_point(task: PointTask, final_folder: str = "") -> PointOutcome:
    """Compute one point. Never raises for a user-level problem or Ctrl-C; the outcome says what happened."""
    from gdcli.commands import command_module
    from gdcli.render.output import jsonable

    worker, start = worker_name(), time.perf_counter()
    if _STOPPED["flag"]:
        return PointOutcome(task.experiment, task.point, "not run", worker=worker)
    module = command_module(task.command)
    doc, status, error = None, "ok", None
    with tempfile.TemporaryDirectory(prefix="gdcli-task-") as tmp:
        folder = Path(tmp)
        try:
            opts = module.OPTIONS(**_retarget(module, task, folder))
            result = module.compute(opts)
            doc = jsonable(module.document(result))
            if reports_interruption(doc):  # the command kept its partial result: keep its files too
                status = "interrupted"
            if hasattr(module, "artifacts"):
                module.artifacts(result, opts, folder)
        except GdcliError as exc:
            status, error = "error", yaml_words(exc.message, task.options.keys() | set(getattr(module, "OUTPUTS", ())))
        except KeyboardInterrupt:
            status, error = "interrupted", "interrupted"
        except MemoryError:
            status, error = "error", "out of memory"
        except Exception as exc:  # a bug in a command: keep the batch going and report it
            where = traceback.extract_tb(exc.__traceback__)[-1]
            status, error = "error", f"internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                 if p.is_file() and not p.name.startswith(".")}
        if final_folder:
            doc = _rebase(doc, str(folder), final_folder)
    return PointOutcome(task.experiment, task.point, status, doc, files, error, worker, time.perf_counter() - start)


def start_worker(progress_queue=None) -> None:
    """A `--jobs` worker: the first Ctrl-C interrupts the running task, later ones are ignored; the commands'
    progress goes to the parent, which draws it under the batch bar."""
    if progress_queue is not None:
        from gdcli.render.progress import forward_to

        forward_to(progress_queue)

    def handler(signum, frame):
        if not _STOPPED["flag"]:
            _STOPPED["flag"] = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    os.environ["GDCLI_NO_PROGRESS"] = "1"  # the parent draws the bar; workers share its terminal
