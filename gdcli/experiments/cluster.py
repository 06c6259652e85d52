"""`gdcli run --scheduler`: the points of a batch as tasks on a Dask cluster (the `cluster` extra).

Tasks are pure (tasks.py): a worker computes and hands back the document and the files' bytes; this client
writes `results/` and `summary.json`, and evaluates the checks, exactly as a local run does. A task whose
worker dies is run again elsewhere by Dask; a task that raises is retried.
"""

from __future__ import annotations

import os
import uuid

from gdcli.errors import UsageError
from gdcli.experiments.tasks import PointOutcome, run_point

TIMEOUT = float(os.environ.get("GDCLI_SCHEDULER_TIMEOUT", "5"))  # seconds to reach a scheduler and its workers
RETRIES = 2
COMPARED = ("gdcli", "python", "numpy", "torch", "sympy")  # what must match between this client and every worker


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise UsageError("--scheduler needs Dask's distributed: pip install 'gdcli[cluster]'") from None
    import logging

    for name in ("distributed", "tornado"):  # a lost worker is handled here; its log lines are noise on stderr
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return distributed


def connect(scheduler: str):
    """A Dask executor for ADDRESS or local:N, checked (reachable, workers present, same versions)."""
    from gdcli.experiments.executors import JOBS_PER_CORE

    distributed = _import_distributed()
    cluster = None
    if scheduler.startswith("local:"):
        try:
            n = int(scheduler[6:])
        except ValueError:
            raise UsageError(f"--scheduler local:N needs a whole number of workers; got '{scheduler}'") from None
        limit = JOBS_PER_CORE * (os.cpu_count() or 1)
        if not 1 <= n <= limit:
            raise UsageError(f"--scheduler local:N: N must be between 1 and {limit} on this machine; got {n}")
        # Every server on loopback: the scheduler's and workers' HTTP servers too (None would still open :8787).
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address="127.0.0.1:0",
                                           worker_dashboard_address="127.0.0.1:0", silence_logs=50)
        address = cluster.scheduler_address
    else:
        address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    try:
        client = distributed.Client(cluster if cluster is not None else address, timeout=TIMEOUT,
                                    set_as_default=False)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        reason = " ".join(str(exc).split())[:160]
        raise UsageError(f"cannot reach the Dask scheduler at {address} within {TIMEOUT:g} s ({reason})") from None
    try:
        _check_workers(client, address)
    except BaseException:
        client.close()
        if cluster is not None:
            cluster.close()
        raise
    executor = Dask(client, cluster, scheduler if cluster is not None else address, address)
    return executor, {"scheduler": executor.label}


def _check_workers(client, address: str) -> None:
    from gdcli.experiments.runner import versions

    try:
        client.wait_for_workers(1, timeout=TIMEOUT)
    except TimeoutError:
        raise UsageError(f"no worker joined the Dask scheduler at {address} within {TIMEOUT:g} s") from None
    ours = versions()
    try:
        theirs = client.run(versions)
    except Exception as exc:  # a worker without gdcli cannot even unpickle the function
        raise UsageError(f"a worker of {address} cannot run gdcli ({type(exc).__name__}: {exc}); "
                         "install the same gdcli on every worker") from None
    for worker, found in sorted(theirs.items()):
        for name in COMPARED:
            if found.get(name) != ours.get(name):
                raise UsageError(f"version mismatch: worker {worker} has {name} {found.get(name)}, this client has "
                                 f"{ours.get(name)}; install the same versions on every worker")


def executing(dask_worker) -> list[str]:
    """Run on each worker by `Client.run`: the keys of the tasks it is executing now."""
    return [ts.key for ts in dask_worker.state.executing]


class Dask:
    """Each point a Dask task; outcomes come back as they finish."""

    def __init__(self, client, cluster, label: str, address: str):
        self.client, self.cluster, self.label, self.address = client, cluster, label, address
        self.futures: dict = {}
        self.seen: set = set()

    def run(self, tasks):
        from distributed import as_completed

        batch = uuid.uuid4().hex[:8]
        self.futures = {self.client.submit(run_point, task, folder, key=f"gdcli-{batch}-{i}", pure=False,
                                           retries=RETRIES): task for i, (task, folder) in enumerate(tasks)}
        for fut in as_completed(list(self.futures), loop=self.client.loop):
            self.seen.add(fut)
            task = self.futures[fut]
            try:
                yield fut.result()
            except Exception as exc:  # retries exhausted, or the task could not be sent to a worker
                yield PointOutcome(task.experiment, task.point, "error",
                                   error=f"the cluster could not run this point: {type(exc).__name__}: {exc}")

    def stop(self) -> list[PointOutcome]:
        """Cancel what has not finished; tasks a worker had started count as interrupted (without results)."""
        open_ = [f for f in self.futures if f not in self.seen]
        try:  # "processing" on the scheduler includes tasks queued on a worker: ask the workers themselves
            running = {key for keys in self.client.run(executing).values() for key in keys}
        except Exception:  # a worker that does not answer: its tasks are reported as not run
            running = set()
        self.client.cancel(open_)
        return [PointOutcome(self.futures[f].experiment, self.futures[f].point, "interrupted",
                             error="interrupted") for f in open_ if f.key in running]

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def describe(self) -> dict:
        return {"executor": "dask", "scheduler": self.label, "scheduler_address": self.address}
