"""Per-step overhead of the descent engine against a hand-written NumPy loop with the same compiled gradient.

Both loops run plain GD (x <- x - lr g) on the same 2-variable expression for the same number of steps and
check the same stopping rule (||g|| <= tol), timed side by side in one process; prints the ratio (bar: <= 2x).

    PYTHONPATH=. python benchmarks/descend_overhead.py [--steps 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from gdcli.engine.optim import transforms as optim
from gdcli.engine.optim.descent import iterate
from gdcli.expr import compile_expression


def hand_loop(vg, x0, lr, steps, tol):
    x = np.array(x0, dtype=float)
    for _ in range(steps):
        f, g = vg(x)
        if math.sqrt(float(g @ g)) <= tol:
            break
        x = x - lr * g
    return x


def engine_loop(vg, x0, lr, steps, tol):
    history = list(iterate(vg, x0, optim.gd(lr), steps=steps, tol=tol))  # the CLI keeps every record too
    return history[-1].x


def cli_path(expr, x0, lr, steps):
    """What `gdcli descend` runs: the sweep with a progress callback, a stop check and the analysis."""
    from gdcli.engine.optim.descent import Settings
    from gdcli.engine.optim.sweep import run_one

    return run_one(expr, x0, Settings(lr=lr, steps=steps, tol=0.0), on_step=lambda s: None, stop=lambda: False)


def best(fns, repeats):
    """Best time of each function, the repeats interleaved so that load on a shared machine hits all alike."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return [min(ts) for ts in times]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    expr = compile_expression("(1 - a)**2 + 100*(b - a**2)**2")
    vg, x0, lr = expr.value_and_grad, [-1.5, 2.0], 1e-4
    a = hand_loop(vg, x0, lr, args.steps, 0.0)
    b = engine_loop(vg, x0, lr, args.steps, 0.0)
    assert np.array_equal(a, b), (a, b)  # the same iterates, bit for bit
    t_hand, t_engine, t_cli = best([lambda: hand_loop(vg, x0, lr, args.steps, 0.0),
                                    lambda: engine_loop(vg, x0, lr, args.steps, 0.0),
                                    lambda: cli_path(expr, x0, lr, args.steps)], args.repeats)
    print(f"expression: {expr.text}, {args.steps} GD steps, best of {args.repeats}")
    print(f"hand-written NumPy loop: {t_hand / args.steps * 1e6:8.2f} us/step")
    print(f"engine iterate():        {t_engine / args.steps * 1e6:8.2f} us/step")
    print(f"CLI path run_one():      {t_cli / args.steps * 1e6:8.2f} us/step")
    ratio = t_engine / t_hand
    print(f"ratio engine/hand: {ratio:.2f}x  (bar <= 2x: {'ok' if ratio <= 2 else 'FAIL'})")
    print(f"ratio CLI path/hand: {t_cli / t_hand:.2f}x")


if __name__ == "__main__":
    main()
