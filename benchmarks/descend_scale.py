"""Descent at scale, each figure a ratio measured side by side in one run (issue 17's goals).

1. speed: 10^6 GD steps on Rosenbrock through the path `gdcli descend` runs (run_one: straight-line gradient,
   streaming recorder, progress and stop hooks) against a hand-written NumPy loop whose gradient is typed by
   hand; interleaved repeats, medians. Bar: <= 1.5x.
2. memory: peak RSS (VmHWM, /usr/bin/time -f %M) of whole `gdcli descend --steps N --json` processes for
   N = 10^6 and 10^7. Bar: <= 150 MB for both.
3. sweep: `gdcli descend --lr <1,000 rates> --steps 10^4` against `--lr <one rate> --steps 10^4`, whole
   processes, interleaved, medians (wall and CPU). Bar: <= 5x.
4. basin map: `gdcli descend HIMMELBLAU --start-grid "x=-5:5:100, y=-5:5:100" --steps 2000`, one whole
   process. Bar: under a minute, all four minima found.

    PYTHONPATH=. python benchmarks/descend_scale.py [--steps 1000000] [--repeats 3] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

ROSENBROCK = "(1 - a)**2 + 100*(b - a**2)**2"
X0, LR = (-1.5, 2.0), 1e-4


def hand_loop(steps: int):
    """Plain GD with the gradient typed by hand, the same stopping test on ||g|| and the value each step."""
    x = np.array(X0)
    for _ in range(steps):
        a, b = x
        r = b - a * a
        f = (1 - a) ** 2 + 100 * r * r
        g = np.array([-2 * (1 - a) - 400 * a * r, 200 * r])
        if math.sqrt(float(g @ g)) <= 0.0 or not math.isfinite(f):
            break
        x = x - LR * g
    return x


def gdcli_loop(steps: int):
    from gdcli.engine.optim.descent import Settings
    from gdcli.engine.optim.sweep import run_one
    from gdcli.expr import compile_expression

    expr = compile_expression(ROSENBROCK)
    run = run_one(expr, np.array(X0), Settings(lr=LR, steps=steps, tol=0.0), on_step=lambda s: None,
                  stop=lambda: False)
    return np.array(run.history[-1].x)


def interleaved(fns, repeats, clock=time.perf_counter):
    """Median time of each function, the repeats interleaved so that load on a shared machine hits all alike."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            t = clock()
            fn()
            ts.append(clock() - t)
    return [statistics.median(ts) for ts in times]


def gdcli(*args) -> list[str]:
    return [sys.executable, "-m", "gdcli", "descend", ROSENBROCK, "--start=-1.5,2", *args]


def peak_rss_mb(cmd) -> float:
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=os.getcwd())

    a, b = hand_loop(1000), gdcli_loop(1000)
    np.testing.assert_allclose(a, b, rtol=1e-12)  # the same iterates
    # CPU time of this process: on a machine shared with other jobs, wall time mostly measures their load
    t_hand, t_gdcli = interleaved([lambda: hand_loop(args.steps), lambda: gdcli_loop(args.steps)], args.repeats,
                                  clock=time.process_time)
    print(f"1. {args.steps:,} GD steps on Rosenbrock, median CPU time of {args.repeats} "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(f"   hand-written NumPy loop: {t_hand:6.2f} s ({t_hand / args.steps * 1e6:.2f} us/step)")
    print(f"   gdcli run_one:           {t_gdcli:6.2f} s ({t_gdcli / args.steps * 1e6:.2f} us/step)")
    ratio = t_gdcli / t_hand
    print(f"   ratio gdcli/hand: {ratio:.2f}x (bar <= 1.5x: {'ok' if ratio <= 1.5 else 'FAIL'})")

    if not args.skip_memory:
        print("2. peak RSS of whole processes (`gdcli descend ... --tol 0 --json`):")
        for n in (10**6, 10**7):
            t = time.perf_counter()
            mb = peak_rss_mb(gdcli("--lr", str(LR), "--steps", str(n), "--tol", "0", "--json"))
            print(f"   --steps {n:>10,}: {mb:6.1f} MB ({time.perf_counter() - t:.1f} s) "
                  f"(bar <= 150 MB: {'ok' if mb <= 150 else 'FAIL'})")

    rates = ",".join(f"{lr:.6g}" for lr in np.linspace(1e-5, 1e-3, 1000))
    sweep = gdcli("--lr", rates, "--steps", "10000", "--json")
    one = gdcli("--lr", "0.0005", "--steps", "10000", "--json")

    cpu = {}

    def run(cmd):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, env=env).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.setdefault(id(cmd), []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return out

    t_one, t_sweep = interleaved([lambda: run(one), lambda: run(sweep)], args.repeats)
    c_one, c_sweep = statistics.median(cpu[id(one)]), statistics.median(cpu[id(sweep)])
    print(f"3. whole processes, median of {args.repeats} (load average {os.getloadavg()[0]:.1f}): one run of 10^4 "
          f"steps {t_one:.2f} s wall / {c_one:.2f} s CPU, a 1,000-rate sweep of 10^4 steps {t_sweep:.2f} s / {c_sweep:.2f} s")
    ratio = t_sweep / t_one
    print(f"   ratio sweep/one: {ratio:.2f}x wall, {c_sweep / c_one:.2f}x CPU (bar <= 5x: {'ok' if ratio <= 5 else 'FAIL'})")

    himmelblau = [sys.executable, "-m", "gdcli", "descend", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", "--start-grid",
                  "x=-5:5:100, y=-5:5:100", "--lr", "0.01", "--steps", "2000", "--json"]
    t = time.perf_counter()
    doc = json.loads(run(himmelblau))
    seconds = time.perf_counter() - t
    minima = sorted(tuple(round(v, 4) for v in b["point"]) for b in doc["basins"] if b["kind"] == "minimum")
    print(f"4. Himmelblau basin map, 100 x 100 starts, <= 2000 steps: {seconds:.2f} s wall, {cpu[id(himmelblau)][0]:.2f} s CPU; "
          f"{len(minima)} minima {minima}, shares {[round(b['share'], 4) for b in doc['basins']]} "
          f"(bar: < 60 s and 4 minima: {'ok' if seconds < 60 and len(minima) == 4 else 'FAIL'})")


if __name__ == "__main__":
    main()
