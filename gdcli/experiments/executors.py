"""Where the points of a batch run: this process, local worker processes, or a Dask cluster (cluster.py).

An executor takes the tasks and yields outcomes as they finish. On Ctrl-C the runner calls `stop()`: it cancels
what has not started, interrupts what has, and returns the outcomes that came back within a grace period. The
runner does everything else (files, checks, progress, summary) the same way for every executor.
"""

from __future__ import annotations

import os
import signal
from typing import Iterator

from concurrent.futures.process import BrokenProcessPool

from gdcli.experiments.tasks import PointOutcome, PointTask, run_point

GRACE = 2.0  # seconds a running task gets after Ctrl-C to hand back its partial result
JOBS_PER_CORE = 4  # workers beyond this many per core only add memory and contention


class Serial:
    """Every point in this process, in order."""

    def run(self, tasks: list[tuple[PointTask, str]]) -> Iterator[PointOutcome]:
        for task, folder in tasks:
            yield run_point(task, folder)

    def stop(self) -> list[PointOutcome]:
        return []  # the running point caught the Ctrl-C itself and was yielded as interrupted

    def close(self) -> None:
        pass

    def describe(self) -> dict:
        return {"executor": "serial"}


class Processes:
    """`--jobs N`: a pool of N local processes."""

    def __init__(self, jobs: int):
        import multiprocessing
        import threading
        from concurrent.futures import ProcessPoolExecutor

        from gdcli.experiments.tasks import start_worker

        self.jobs = jobs
        self.progress = multiprocessing.Queue()
        self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=start_worker, initargs=(self.progress,))
        self.futures, self.seen = {}, set()
        self.relay = threading.Thread(target=self._relay, daemon=True)
        self.relay.start()

    def _relay(self) -> None:
        """The workers' progress messages, drawn under the batch bar until close() sends None."""
        from gdcli.render.progress import relay

        while (message := self.progress.get()) is not None:
            relay(message)

    def run(self, tasks):
        from concurrent.futures import as_completed

        self.futures = {self.pool.submit(run_point, task, folder): task for task, folder in tasks}
        for fut in as_completed(self.futures):
            self.seen.add(fut)
            try:
                yield fut.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): its points and the rest are lost
                task = self.futures[fut]
                yield PointOutcome(task.experiment, task.point, "error",
                                   error="a worker process died while running this point (killed or out of memory)")

    def stop(self) -> list[PointOutcome]:
        from concurrent.futures import wait

        for fut in self.futures:
            fut.cancel()
        for proc in list((self.pool._processes or {}).values()):
            try:
                os.kill(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches them anyway; kill(1) does not
            except OSError:
                pass
        running = [f for f in self.futures if not f.cancelled() and f not in self.seen]
        wait(running, timeout=GRACE)
        late = []
        for fut in running:
            if fut.done() and fut.exception() is None:
                late.append(fut.result())
        return late

    def close(self) -> None:
        procs = list((self.pool._processes or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.join(timeout=GRACE)
            if proc.is_alive():
                proc.kill()
        self.progress.put(None)
        self.relay.join(timeout=GRACE)
        # A worker killed while writing may hold the queue's lock: never let the exit wait on the queue.
        self.progress.cancel_join_thread()
        self.progress.close()

    def describe(self) -> dict:
        return {"executor": "processes", "jobs": self.jobs}
