"""The fractal on several processes: the same points and the same picture as one process, and Ctrl-C."""

import importlib.util
import json
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from gdcli.engine.chaos.game import PILOT, Window, run_chaos
from gdcli.engine.chaos.parallel import MIN_POINTS as FORK_MIN, run_chaos_parallel
from gdcli.engine.chaos.problem import SEED_X, SEED_Y, problem, sgd_maps

PROB = problem(SEED_X, SEED_Y)
MIN_POINTS = FORK_MIN["numpy"]
MAPS = sgd_maps(PROB, 0.65, 1)
# pytest started with SIGINT ignored (`&` in a script) would ignore the stops these tests send
CTRL_C = pytest.mark.skipif(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, reason="SIGINT is ignored here")


def coarse(counts, k=20):
    ny, nx = counts.shape
    c = counts[: ny - ny % k, : nx - nx % k].reshape(ny // k, k, nx // k, k).sum(axis=(1, 3))
    return c / c.sum()


def test_two_workers_bin_every_point_into_the_same_picture():
    n = MIN_POINTS + 123_457  # not a multiple of anything
    kw = dict(burn_in=40, chains=4096, resolution=200)
    one = run_chaos(MAPS, PROB.minimum, n, seed=3, **kw)
    two = run_chaos_parallel(MAPS, PROB.minimum, n, workers=2, seed=3, **kw)
    assert two.points == n and two.counts.sum() == two.inside and not two.interrupted
    assert two.counts.shape == one.counts.shape and two.chains == 4096
    # the pilot fixes the window one process would choose; the invariant measure is the same (other draws)
    assert two.window == one.window
    assert np.abs(coarse(two.counts) - coarse(one.counts)).sum() < 0.01  # total variation of a 10x10 coarse image
    again = run_chaos_parallel(MAPS, PROB.minimum, n, workers=2, seed=3, **kw)
    np.testing.assert_array_equal(again.counts, two.counts)  # reproducible for a given seed and worker count


def test_given_window_and_small_runs():
    w = Window((0.9, 1.6), (1.1, 1.9))
    d = run_chaos_parallel(MAPS, PROB.minimum, MIN_POINTS, workers=2, burn_in=40, chains=2048, resolution=100,
                           window=w, seed=0)
    assert d.window == w and d.points == MIN_POINTS and 0 < d.inside < MIN_POINTS
    small = run_chaos_parallel(MAPS, PROB.minimum, 10_000, workers=2, burn_in=40, chains=256, resolution=50, seed=0)
    np.testing.assert_array_equal(small.counts, run_chaos(MAPS, PROB.minimum, 10_000, burn_in=40, chains=256,
                                                          resolution=50, seed=0).counts)  # one process below MIN_POINTS


@pytest.mark.parametrize("kernel", ["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba (the fast extra) is not installed"))])
def test_ctrl_c_to_the_parent_stops_every_worker_and_keeps_their_points(tmp_path, kernel, on_terminal):
    t = on_terminal(sys.executable, "-m", "gdcli", "fractal", "--points", "1e10", "--workers", "2", "--json",
                    "--kernel", kernel, "--out", tmp_path / "f.png")
    # the parent counts the workers' points once they run (the pilot's first): not before the imports, the pilot
    # and numba's compile are over, which a loaded machine can stretch past any fixed sleep
    t.wait_for_progress("fractal")
    t.proc.send_signal(signal.SIGINT)  # the parent only: it forwards the stop to its workers
    out, err = t.communicate(timeout=60)
    assert t.proc.returncode == 130, err
    doc = json.loads(out)
    (panel,) = doc["panels"]
    # each worker bins at least one chunk before it heeds the stop: more than the pilot's points
    assert doc["interrupted"] and panel["status"] == "interrupted" and PILOT < panel["points"] < 1e10
    assert panel["kernel"] == kernel
    assert "Traceback" not in err and (tmp_path / "f.png").exists()


def test_a_run_started_with_ctrl_c_ignored_finishes_with_every_worker(tmp_path, on_terminal):
    """`&` in a script (no job control) starts a process with SIGINT ignored: a Ctrl-C to its group stops no worker."""
    command = f"trap '' INT; exec {sys.executable} -m gdcli fractal --points 6e7 --workers 2 --json --kernel numpy"
    t = on_terminal("sh", "-c", f"{command} --out {tmp_path / 'f.png'}")  # the shell's ignore outlives its exec
    t.wait_for_progress("fractal")
    os.killpg(t.proc.pid, signal.SIGINT)  # the parent and both workers
    out, err = t.communicate(timeout=120)
    assert t.proc.returncode == 0, err
    (panel,) = json.loads(out)["panels"]
    assert panel["status"] == "ok" and panel["points"] == 60_000_000


def test_a_worker_that_dies_at_the_stop_makes_the_run_interrupted_not_hung(monkeypatch):
    """Ctrl-C after the first worker binned its share, while the second dies of the forwarded stop without sending:
    the parent keeps the first's points, marks the run interrupted, and does not wait for the lost worker."""
    from gdcli.engine.chaos import parallel

    real = parallel.run_chaos

    def second_worker_dies(maps, start, points, **kw):
        if kw["seed"].spawn_key == (1,):
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # the forwarded SIGINT kills it
            time.sleep(30)
        return real(maps, start, points, **kw)

    monkeypatch.setattr(parallel, "run_chaos", second_worker_dies)

    def stop_once_the_first_is_done(n):
        if n >= MIN_POINTS // 2:
            raise KeyboardInterrupt

    began = time.monotonic()
    d = run_chaos_parallel(MAPS, PROB.minimum, MIN_POINTS, workers=2, burn_in=10, chains=512, resolution=50,
                           window=Window((-0.3, 4.3), (-0.3, 4.3)), seed=0, on_progress=stop_once_the_first_is_done)
    assert time.monotonic() - began < 20
    assert d.interrupted and d.points == d.inside == d.counts.sum() == MIN_POINTS // 2


@CTRL_C
def test_an_interrupted_parallel_runs_points_are_those_binned():
    """The forwarded stop interrupts a worker only between chunks: what each sends is what it binned (window wide
    enough for every point: inside == points)."""
    def stop_after_some(n):
        if n > 0:
            raise KeyboardInterrupt

    d = run_chaos_parallel(MAPS, PROB.minimum, 40 * MIN_POINTS, workers=2, burn_in=10, chains=512, resolution=50,
                           window=Window((-0.3, 4.3), (-0.3, 4.3)), seed=0, on_progress=stop_after_some)
    assert d.interrupted and 0 < d.points < 40 * MIN_POINTS and d.points == d.inside == d.counts.sum()


@CTRL_C
def test_a_ctrl_c_while_the_workers_start_leaves_none_running(monkeypatch):
    """A Ctrl-C right after a worker's fork, before the parent records it: the parent still stops that worker
    (SIGINT is held over the starts; a mask alone does not hold it, as a BLAS thread may take it)."""
    import multiprocessing
    import multiprocessing.context as mpc

    real, starts = mpc.ForkProcess.start, []

    def start_then_ctrl_c(self):
        real(self)
        starts.append(self)
        if len(starts) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # after the second fork, before its record
            time.sleep(0.2)  # the thread the kernel hands it to runs Python's C handler meanwhile

    monkeypatch.setattr(mpc.ForkProcess, "start", start_then_ctrl_c)
    # another thread that takes signals, as a progress bar's refresh thread does (BLAS's stop before a fork)
    done = threading.Event()
    bystander = threading.Thread(target=done.wait)
    bystander.start()
    try:
        d = run_chaos_parallel(MAPS, PROB.minimum, 200 * MIN_POINTS, workers=2, burn_in=10, chains=512,
                               resolution=50, window=Window((-0.3, 4.3), (-0.3, 4.3)), seed=0)
    finally:
        done.set()
        bystander.join()
    assert len(starts) == 2 and d.interrupted and d.points == d.inside < 200 * MIN_POINTS
    assert not multiprocessing.active_children()  # both were told to stop, sent their points and were joined


def _in_a_daemon(out):
    try:
        d = run_chaos_parallel(MAPS, PROB.minimum, MIN_POINTS, workers=2, burn_in=10, chains=512, resolution=50,
                               seed=0)
        out.put((d.points, d.interrupted))
    except BaseException as exc:  # what the test shows, rather than a wait for a put that never comes
        out.put(repr(exc))


def test_a_daemon_process_runs_the_chains_itself():
    """A daemon (a Dask worker under a nanny) may not start children: the run stays in it, whole, not an error."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    p = ctx.Process(target=_in_a_daemon, args=(out,), daemon=True)
    p.start()
    try:
        assert out.get(timeout=120) == (MIN_POINTS, False)
    finally:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
