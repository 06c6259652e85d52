"""NumPy evaluator at 10^6 points in one call against a Python loop calling it point by point (bar: >= 100x).

The loop is timed on a subset of the points and scaled to the full count (it would take minutes otherwise);
both sides use the same compiled evaluator, so the ratio is what vectorisation buys.
Usage: PYTHONPATH=. python benchmarks/vectorised_eval.py [--points N] [--loop-points M]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gdcli.expr import compile_expression

EXPRESSIONS = ["2*w0**2 + 3*w1**2", "softplus(w0*x - w1) + sigmoid(x)*sin(w0)^2 + max(0, 1 - w1*x)"]


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10**6)
    ap.add_argument("--loop-points", type=int, default=5_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    worst = np.inf
    for text in EXPRESSIONS:
        expr = compile_expression(text)
        X = rng.normal(size=(args.points, len(expr.variables)))
        expr.f(X[:10])  # compile outside the timing
        vectorised = best_of(lambda: expr.f(X), 3)
        subset = X[: args.loop_points]
        t0 = time.perf_counter()
        looped = [expr.f(p) for p in subset]
        loop = (time.perf_counter() - t0) * args.points / args.loop_points
        assert np.array_equal(expr.f(subset), np.array(looped))  # the same numbers, only faster
        ratio = loop / vectorised
        worst = min(worst, ratio)
        print(f"{text}")
        print(f"  one call at {args.points:,} points: {vectorised * 1e3:9.1f} ms")
        print(f"  Python loop, scaled from {args.loop_points:,}: {loop * 1e3:9.1f} ms")
        print(f"  ratio {ratio:,.0f}x")
    print(f"worst ratio {worst:,.0f}x (bar: >= 100x) -> {'PASS' if worst >= 100 else 'FAIL'}")


if __name__ == "__main__":
    main()
