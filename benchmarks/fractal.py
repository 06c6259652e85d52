"""Throughput of `gdcli fractal` against the seed-style loop and a tight C loop, side by side; peak memory vs --points.

    PYTHONPATH=. python benchmarks/fractal.py [--points 5e7] [--seed-points 2e5] [--no-rss]

All three do the same work: SGD on the seed's three samples at lr 0.65 and a 1000×1000 histogram of the iterates
over the window [-0.3, 4.3]². The C reference (benchmarks/fractal_ref.c) is compiled with the system `cc -O2`
into a temporary directory.
"""

from __future__ import annotations

import argparse
import os
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


def gdcli_engine(n: int, workers: int = 1) -> float:
    from gdcli.engine.chaos.game import Window
    from gdcli.engine.chaos.panels import fractal
    from gdcli.engine.chaos.problem import problem

    r = fractal(problem(), [LR], n, resolution=R, window=Window(SPAN, SPAN), workers=workers)
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


def peak_rss_mb(n: int) -> tuple[float, float]:
    """Peak RSS of a fresh process that runs the fractal engine on n points (and of one that only imports it)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (this process) into the child
    code = ("import re, sys; from gdcli.engine.chaos.game import Window; from gdcli.engine.chaos.panels import fractal; from gdcli.engine.chaos.problem import problem;"
            "n = int(sys.argv[1]);"
            "n and fractal(problem(), [0.65], n, resolution=1000, window=Window((-0.3, 4.3), (-0.3, 4.3)));"
            "print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rss = lambda k: int(subprocess.run([sys.executable, "-c", code, str(k)], check=True, capture_output=True, text=True, env=env).stdout) / 1024
    return rss(n), rss(0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=float, default=5e7, help="points for the gdcli and C runs")
    ap.add_argument("--seed-points", type=float, default=2e5, help="points for the seed-style loop")
    ap.add_argument("--no-rss", action="store_true", help="skip the 10^7 / 10^8 peak-memory runs")
    a = ap.parse_args()
    n, ns = int(a.points), int(a.seed_points)

    from gdcli.engine.chaos.parallel import cores

    w = cores()
    seed = seed_loop(ns)
    one, c1, ours, c = gdcli_engine(n), c_loop(n), gdcli_engine(n, w), c_loop(n)  # interleaved
    c = max(c, c1)  # the faster of the two C runs: the bar is against C at its best
    print(f"SGD fractal, lr {LR}, {R}x{R} histogram; points/s (load average {os.getloadavg()[0]:.1f})")
    print(f"  seed-style loop ({ns:.0e} points)          {seed:14,.0f}")
    print(f"  gdcli engine, 1 process  ({n:.0e} points)   {one:14,.0f}")
    print(f"  gdcli engine, {w} processes ({n:.0e} points) {ours:14,.0f}")
    print(f"  C, cc -O2, one core ({n:.0e} points)        {c:14,.0f}")
    print(f"  gdcli / seed loop = {ours / seed:8.1f}x   (bar: >= 100x)")
    print(f"  gdcli 1 process / C = {one / c:8.2f}")
    print(f"  gdcli {w} processes / C = {ours / c:8.2f}    (bar: >= 1.0)")
    if not a.no_rss:
        base = None
        for k in (10**7, 10**8):
            peak, base = peak_rss_mb(k)
            print(f"  peak RSS, {k:.0e} points: {peak:7.1f} MB  (import only: {base:.1f} MB)")


if __name__ == "__main__":
    main()
