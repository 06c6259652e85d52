"""Throughput of `gdcli fractal` against the seed-style loop and a tight C loop, side by side; peak memory vs --points.

    PYTHONPATH=. python benchmarks/fractal.py [--points 5e7] [--seed-points 2e5] [--no-rss]

All do the same work: SGD on the seed's three samples at lr 0.65 and a 1000×1000 histogram of the iterates
over the window [-0.3, 4.3]². gdcli runs with each kernel (numpy; numba when installed, after loading it once,
whose cost is printed) on one process and on every core. The C reference (benchmarks/fractal_ref.c) is compiled
with the system `cc -O2` into a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

LR, R, SPAN = 0.65, 1000, (-0.3, 4.3)
X = np.array([[0, 1], [1, 0.5], [1, -0.5]])
Y = np.array([0.0, 4.0, 0.0])


def seed_loop(n: int) -> float:
    """The seed's algorithm: one NumPy update per Python iteration, iterates saved in a list, histogram at the end."""
    rng = np.random.default_rng(0)
    began = time.perf_counter()
    w, saved = np.zeros(2), []
    for _ in range(n):
        i = rng.integers(3)
        w = w - LR * (X[i] @ w - Y[i]) * X[i]
        saved.append(w)
    pts = np.array(saved)
    np.histogram2d(pts[:, 1], pts[:, 0], bins=R, range=[SPAN, SPAN])
    return n / (time.perf_counter() - began)


def gdcli_engine(n: int, workers: int = 1, kernel: str = "numpy") -> float:
    from gdcli.engine.chaos.game import Window
    from gdcli.engine.chaos.panels import fractal
    from gdcli.engine.chaos.problem import problem

    r = fractal(problem(), [LR], n, resolution=R, window=Window(SPAN, SPAN), workers=workers, kernel=kernel)
    p = r.panels[0]
    assert p.points == n and p.inside == n, "the window must hold every iterate"
    return p.points_per_second


def c_loop(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "fractal_ref"
        subprocess.run(["cc", "-O2", "-o", str(exe), str(HERE / "fractal_ref.c")], check=True)
        out = subprocess.run([str(exe), str(n), str(R), str(LR)], check=True, capture_output=True, text=True).stdout
    count, seconds, inside, outside = out.split()
    assert int(inside) == n
    return n / float(seconds)


def peak_rss_mb(n: int, kernel: str) -> tuple[float, float]:
    """Peak RSS of a fresh process that runs the fractal engine on n points (and of one that only imports it)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (this process) into the child
    code = ("import re, sys; from gdcli.engine.chaos.game import Window; from gdcli.engine.chaos.panels import fractal; from gdcli.engine.chaos.problem import problem;"
            "n = int(sys.argv[1]);"
            "n and fractal(problem(), [0.65], n, resolution=1000, window=Window((-0.3, 4.3), (-0.3, 4.3)), workers=1, kernel=sys.argv[2]);"
            "print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rss = lambda k: int(subprocess.run([sys.executable, "-c", code, str(k), kernel], check=True, capture_output=True, text=True, env=env).stdout) / 1024
    return rss(n), rss(0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=float, default=5e7, help="points for the gdcli and C runs")
    ap.add_argument("--seed-points", type=float, default=2e5, help="points for the seed-style loop")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of each; medians are printed")
    ap.add_argument("--no-rss", action="store_true", help="skip the 10^7 / 10^8 peak-memory runs")
    a = ap.parse_args()
    n, ns = int(a.points), int(a.seed_points)

    import importlib.util

    from gdcli.engine.chaos.parallel import cores

    w = cores()
    kernels = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") else [])
    if "numba" in kernels:
        began = time.perf_counter()
        from gdcli.engine.chaos.jit import warm

        warm()
        load = time.perf_counter() - began
    seed = seed_loop(ns)
    runs: dict[tuple[str, int], list[float]] = {}
    cs = []
    for _ in range(a.repeats):  # interleaved: C, then each kernel on one process and on every core
        cs.append(c_loop(n))
        for k in kernels:
            for workers in (1, w):
                runs.setdefault((k, workers), []).append(gdcli_engine(n, workers, k))
    c = statistics.median(cs)
    print(f"SGD fractal, lr {LR}, {R}x{R} histogram; points/s, median of {a.repeats} interleaved runs "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"  seed-style loop ({ns:.0e} points)               {seed:14,.0f}")
    print(f"  C, cc -O2, one core ({n:.0e} points)             {c:14,.0f}")
    for (k, workers), xs in runs.items():
        print(f"  gdcli {k:5s} kernel, {workers} process(es) ({n:.0e} points) {statistics.median(xs):14,.0f}"
              f"   {statistics.median(xs) / c:5.2f} of C")
    best = max(runs, key=lambda kw: statistics.median(runs[kw]))
    print(f"  gdcli / seed loop = {statistics.median(runs[best]) / seed:8.1f}x   (bar: >= 100x)")
    print(f"  gdcli, all {w} cores / C = {statistics.median(runs[(kernels[-1], w)]) / c:8.2f}   "
          f"({kernels[-1]} kernel; bar: >= 1.0)")
    if "numba" in kernels:
        print(f"  numba kernel, first call in this process (import + compile or load from cache): {load:.2f} s")
    if not a.no_rss:
        for kernel in kernels:
            for k in (10**7, 10**8):
                peak, base = peak_rss_mb(k, kernel)
                print(f"  peak RSS, {kernel} kernel, {k:.0e} points: {peak:7.1f} MB  (import only: {base:.1f} MB)")


if __name__ == "__main__":
    main()
