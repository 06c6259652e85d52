"""Issue 18: `gdcli run --scheduler` on a real Dask cluster started on 127.0.0.1 by the tests (and always stopped)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the cluster extra: pip install -e '.[test,cluster]'")

from gdcli.experiments.cluster import executing  # noqa: E402  (after the skip: it needs nothing of Dask's)

DASK = str(Path(sys.executable).with_name("dask"))
TIMING = {"seconds", "points_per_second"}
# Without --dashboard-address, even --no-dashboard leaves an HTTP server listening on every interface.
LOOPBACK_HTTP = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]  # the only fields allowed to differ between two runs

EXPERIMENTS = {
    "grad.yaml": "name: grad\ncommand: grad\nexpression: 2*w0**2 + 3*w1**2\nat: {w0: 3, w1: 4}\n"
                 "expect:\n  - {path: value, equals: 66}\n",
    "sweep.yaml": "name: sweep\ncommand: descend\nexpression: x**2 + 3*y**2\nstart: 1,1\nsteps: 200\n"
                  "sweep:\n  lr: [0.05, 0.1, 0.2, 0.4]\nexpect:\n  - {path: 'sweep[3].result.runs[0].status', equals: diverged}\n",
    "sgd.yaml": "name: sgd\ncommand: fit\ngenerate: 2*x + 1\nnoise: 0.5\nn: 64\nseed: 7\nbatch_size: 8\nepochs: 20\n"
                "lr: 0.01\n",
    "fractal.yaml": "name: fractal\ncommand: fractal\npoints: 20000\nresolution: 32\nseed: 3\n",
    "wrong.yaml": "name: wrong\ncommand: gradcheck\nexpression: x**3\nat: 2\ngradient: 2*x\n",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def listening(pids) -> list[str]:
    """The addresses every socket of these processes (and their children) listens on."""
    psutil = pytest.importorskip("psutil")
    found = []
    for pid in pids:
        p = psutil.Process(pid)
        for q in [p, *p.children(recursive=True)]:
            found += [c.laddr.ip for c in q.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    return found


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int = 2):
    """A scheduler and `workers` worker processes (no nanny: the PID is the worker), on 127.0.0.1 only."""
    procs: list[subprocess.Popen] = []
    log = open(folder / "cluster.log", "w")
    try:
        port = free_port()
        address = f"tcp://127.0.0.1:{port}"
        procs.append(subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       *LOOPBACK_HTTP], stdout=log, stderr=log, start_new_session=True))
        for i in range(workers):
            procs.append(subprocess.Popen([DASK, "worker", address, "--host", "127.0.0.1", "--no-nanny",
                                           "--nthreads", "1", *LOOPBACK_HTTP, "--name", f"w{i}"],
                                          stdout=log, stderr=log, start_new_session=True))
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
            info = client.scheduler_info(n_workers=-1)["workers"]
        assert all(w.startswith("tcp://127.0.0.1:") for w in info)
        servers = listening([p.pid for p in procs])
        assert servers and set(servers) == {"127.0.0.1"}
        pids = {w["name"]: w["pid"] if "pid" in w else None for w in info.values()}
        yield address, procs[1:], pids
    finally:
        for proc in reversed(procs):
            stop(proc)
        log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


def gdcli_run(batch: Path, out: Path, address: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gdcli", "run", str(batch), "--out", str(out), "--scheduler", address],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(done, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Poll until done() while the run is alive (a guard against a hang, not a timing claim)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def write_batch(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def without_timing(doc):
    if isinstance(doc, dict):
        return {k: without_timing(v) for k, v in doc.items() if k not in TIMING}
    if isinstance(doc, list):
        return [without_timing(v) for v in doc]
    return doc


def results(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    return {e["name"]: (e["status"], without_timing(json.loads((out / e["name"] / "result.json").read_text())["result"]))
            for e in summary["experiments"]}


def test_a_cluster_run_gives_the_numbers_of_a_local_run(cli, tmp_path, cluster):
    address, _, _ = cluster
    batch = write_batch(tmp_path / "exp", EXPERIMENTS)
    local = cli("run", batch, "--out", tmp_path / "local")
    remote = cli("run", batch, "--out", tmp_path / "remote", "--scheduler", address)
    assert local.exit_code == remote.exit_code == 1  # `wrong` fails (its gradcheck does), the rest pass
    assert results(tmp_path / "remote") == results(tmp_path / "local")
    statuses = {name: status for name, (status, _) in results(tmp_path / "remote").items()}
    assert statuses == {"fractal": "passed", "grad": "passed", "sgd": "passed", "sweep": "passed", "wrong": "failed"}
    summary = json.loads((tmp_path / "remote" / "summary.json").read_text())
    assert summary["scheduler"] == address and summary["executor"] == "dask"
    workers = {w for e in summary["experiments"] for w in e["workers"]}
    assert workers and all(w.startswith("tcp://127.0.0.1:") for w in workers)
    sweep = json.loads((tmp_path / "remote" / "sweep" / "result.json").read_text())
    assert [p["result"]["runs"][0]["status"] for p in sweep["result"]["sweep"]] == ["converged"] * 3 + ["diverged"]
    assert sorted(p.name for p in (tmp_path / "remote" / "sweep").iterdir()) == ["result.json", "run-0", "run-1",
                                                                                   "run-2", "run-3"]
    assert (tmp_path / "remote" / "fractal" / "fractal.png").read_bytes() == \
        (tmp_path / "local" / "fractal" / "fractal.png").read_bytes()


def test_a_worker_killed_mid_run_loses_no_experiment(tmp_path):
    files = {f"f{i}.yaml": f"name: f{i}\ncommand: fractal\npoints: 1500000\nresolution: 32\nseed: {i}\n"
             for i in range(8)}
    batch = write_batch(tmp_path / "exp", files)
    out = tmp_path / "out"
    with dask_cluster(tmp_path) as (address, workers, _):
        proc = gdcli_run(batch, out, address)
        try:
            wait_until(lambda: list(out.glob("*/result.json")), proc)
            os.kill(workers[0].pid, signal.SIGKILL)  # mid-run: the other worker is left to finish the batch
            stdout, stderr = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert workers[0].poll() is not None
    assert proc.returncode == 0, stdout + stderr
    summary = json.loads((out / "summary.json").read_text())
    assert [e["status"] for e in summary["experiments"]] == ["passed"] * 8
    assert all((out / f"f{i}" / "fractal.png").exists() for i in range(8))


def test_an_unreachable_scheduler_is_one_line(cli, tmp_path, monkeypatch):
    from gdcli.experiments import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "TIMEOUT", 1.0)
    batch = write_batch(tmp_path / "exp", {"grad.yaml": EXPERIMENTS["grad.yaml"]})
    port = free_port()  # nothing listens there now
    r = cli("run", batch, "--out", tmp_path / "out", "--scheduler", f"127.0.0.1:{port}")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 1 s")
    assert len(r.stderr.splitlines()) == 1 and not (tmp_path / "out" / "summary.json").exists()


def test_a_version_mismatch_is_one_line(cli, tmp_path, cluster, monkeypatch):
    import gdcli

    address, _, _ = cluster
    real = gdcli.__version__
    monkeypatch.setattr(gdcli, "__version__", "0.0.0+other")  # this client only; the workers keep theirs
    batch = write_batch(tmp_path / "exp", {"grad.yaml": EXPERIMENTS["grad.yaml"]})
    r = cli("run", batch, "--out", tmp_path / "out", "--scheduler", address)
    assert r.exit_code == 2
    assert "error: version mismatch: worker tcp://127.0.0.1:" in r.stderr
    assert f"has gdcli {real}, this client has gdcli 0.0.0+other" in r.stderr.replace("has 0.0.0", "has gdcli 0.0.0")
    assert len(r.stderr.splitlines()) == 1


def test_without_the_extra_scheduler_says_what_to_install(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    batch = write_batch(tmp_path / "exp", {"grad.yaml": EXPERIMENTS["grad.yaml"]})
    r = cli("run", batch, "--out", tmp_path / "out", "--scheduler", "local:2")
    assert r.exit_code == 2
    assert r.stderr == "error: --scheduler needs Dask's distributed: pip install 'gdcli[cluster]'\n"


def test_a_local_cluster_for_the_run(cli, tmp_path):
    batch = write_batch(tmp_path / "exp", {k: EXPERIMENTS[k] for k in ("grad.yaml", "sweep.yaml")})
    r = cli("run", batch, "--out", tmp_path / "out", "--scheduler", "local:2", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["scheduler"] == "local:2" and [e["status"] for e in doc["experiments"]] == ["passed", "passed"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scheduler_address"].startswith("tcp://127.0.0.1:")
    from gdcli.experiments.cluster import connect  # and every server of the local cluster is on loopback

    executor, _ = connect("local:1")
    try:
        ours = listening([os.getpid()])
    finally:
        executor.close()
    assert ours and set(ours) == {"127.0.0.1"}
    assert cli("run", batch, "--out", tmp_path / "out", "--scheduler", "local:0").exit_code == 2
    assert cli("run", batch, "--out", tmp_path / "out", "--scheduler", "local:2", "--jobs", "2").exit_code == 2


def test_ctrl_c_cancels_the_cluster_tasks_and_keeps_the_summary(tmp_path):
    files = {"a.yaml": EXPERIMENTS["grad.yaml"].replace("name: grad", "name: a")}
    files |= {f"s{i}.yaml": f"name: s{i}\ncommand: fractal\npoints: 1000000000\nresolution: 16\n" for i in range(4)}
    batch = write_batch(tmp_path / "exp", files)
    out = tmp_path / "out"
    with dask_cluster(tmp_path) as (address, _, _), \
            distributed.Client(address, timeout=60, set_as_default=False) as watcher:
        proc = gdcli_run(batch, out, address)
        try:
            wait_until((out / "a" / "result.json").exists, proc)
            # both workers executing a slow one (what gdcli asks them when stopped), not a fixed second after `a`
            wait_until(lambda: sum(map(len, watcher.run(executing).values())) == 2, proc)
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    statuses = {e["name"]: e["status"] for e in summary["experiments"]}
    assert summary["interrupted"] is True and statuses["a"] == "passed"
    assert sorted(statuses[f"s{i}"] for i in range(4)) == ["interrupted", "interrupted", "not run", "not run"]
