"""`fit` without torch: start-up as whole processes, and where NumPy stops beating torch per epoch.

1. start-up: `gdcli fit --generate "3*x + 2" --n 50 --model "w*x + b"` against `gdcli grad "x**2" --at 1`,
   whole processes, interleaved, medians (wall and CPU). Bar: <= 1.5x.
2. crossover: full-batch GD epochs of a linear model with 10 features, NumPy path (numpy_train) against the
   torch path (train.Tensors), for 10^2 ... 10^6 rows, interleaved, medians; NUMPY_MAX_ROWS is set from this.

    PYTHONPATH=. python benchmarks/fit_numpy.py [--runs 9] [--epochs 50]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np


def process_times(cmds, runs):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    wall, cpu = [[] for _ in cmds], [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=env)
            wall[i].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return [statistics.median(w) for w in wall], [statistics.median(c) for c in cpu]


def epoch_times(rows: int, epochs: int, repeats: int = 3):
    from gdcli.engine.learn.data import Dataset
    from gdcli.engine.learn.models import build_problem
    from gdcli.engine.learn.numpy_train import Arrays, train as numpy_train
    from gdcli.engine.learn.spec import TrainSpec
    from gdcli.engine.learn.train import Tensors, train as torch_train

    rng = np.random.default_rng(0)
    cols = {f"x{j}": rng.standard_normal(rows) for j in range(10)}
    cols["y"] = sum((j + 1) * c for j, c in enumerate(cols.values())) + rng.standard_normal(rows)
    data = Dataset(tuple(cols), np.column_stack(list(cols.values())), "benchmark")
    problem = build_problem("linear", data, tuple(f"x{j}" for j in range(10)), "y", "mse", 0.0)
    spec = TrainSpec(lr=0.01, epochs=epochs)
    theta0 = np.zeros(len(problem.params))
    arrays, tensors = Arrays(problem, data), Tensors(problem, data)
    a, b = list(numpy_train(arrays, theta0, spec)), list(torch_train(tensors, theta0, spec))
    np.testing.assert_allclose(a[-1].params, b[-1].params, rtol=1e-10)
    tn, tt = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in numpy_train(arrays, theta0, spec):
            pass
        tn.append((time.perf_counter() - t) / epochs)
        t = time.perf_counter()
        for _ in torch_train(tensors, theta0, spec):
            pass
        tt.append((time.perf_counter() - t) / epochs)
    return statistics.median(tn), statistics.median(tt)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--epochs", type=int, default=50)
    args = ap.parse_args()
    py = [sys.executable, "-m", "gdcli"]
    (t_grad, t_fit), (c_grad, c_fit) = process_times(
        [py + ["grad", "x**2", "--at", "1"],
         py + ["fit", "--generate", "3*x + 2", "--n", "50", "--model", "w*x + b", "--noise", "0.1"]], args.runs)
    print(f"1. start-up, median of {args.runs} (load average {os.getloadavg()[0]:.1f}):")
    print(f"   gdcli grad: {t_grad * 1e3:7.0f} ms wall, {c_grad * 1e3:7.0f} ms CPU")
    print(f"   gdcli fit:  {t_fit * 1e3:7.0f} ms wall, {c_fit * 1e3:7.0f} ms CPU")
    print(f"   ratio fit/grad: {t_fit / t_grad:.2f}x wall, {c_fit / c_grad:.2f}x CPU (bar <= 1.5x: "
          f"{'ok' if t_fit / t_grad <= 1.5 else 'FAIL'})")
    print(f"2. full-batch GD epoch, linear model with 10 features, median of 3 runs of {args.epochs} epochs:")
    print("   rows        NumPy µs/epoch   torch µs/epoch   torch/NumPy")
    for rows in (100, 1_000, 10_000, 100_000, 1_000_000, 3_000_000):
        tn, tt = epoch_times(rows, args.epochs if rows <= 100_000 else max(5, args.epochs // 5))
        print(f"   {rows:>9,}   {tn * 1e6:14,.1f}   {tt * 1e6:14,.1f}   {tt / tn:10.2f}")


if __name__ == "__main__":
    main()
