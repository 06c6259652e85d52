"""Whole-process cost of a convexity verdict on a two-variable polynomial, against `import sympy, numpy`.

The issue's bar: `python -m gdcli convex "x**2 + 3*x*y + 5*y**2"` costs at most 3x `python -c "import sympy, numpy"`.
Both are timed side by side, interleaved, in one run; the medians are compared.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("RUNS", "7"))
BASELINE = [sys.executable, "-c", "import sympy, numpy"]
CONVEX = [sys.executable, "-m", "gdcli", "convex", "x**2 + 3*x*y + 5*y**2"]


def wall(cmd) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=os.environ)
    return time.perf_counter() - t0


def main() -> None:
    wall(BASELINE), wall(CONVEX)  # warm the file cache
    base, conv = [], []
    for _ in range(RUNS):
        base.append(wall(BASELINE))
        conv.append(wall(CONVEX))
    b, c = statistics.median(base), statistics.median(conv)
    print(f"import sympy, numpy       median {b:.3f} s over {RUNS} runs")
    print(f"gdcli convex (2-var poly) median {c:.3f} s over {RUNS} runs")
    print(f"ratio {c / b:.2f}x (bar: at most 3x) -> {'PASS' if c <= 3 * b else 'FAIL'}")
    sampling()


def sampling(m: int = 4000) -> None:
    """The sampling stage's evaluator: all m Jensen triples in one call, against one call per point (naive)."""
    import numpy as np

    from gdcli.expr import compile_expression

    e = compile_expression("sin(x) + x*exp(y) - log(1 + x**2 + y**2)")
    X = np.random.default_rng(0).uniform(-3, 3, (3 * m, 2))
    t0 = time.perf_counter()
    one = e.f(X)
    t1 = time.perf_counter()
    loop = np.array([e.f(x) for x in X])
    t2 = time.perf_counter()
    assert np.allclose(one, loop)
    print(f"sampling {3 * m} points: one call {1e3 * (t1 - t0):.2f} ms, per-point loop {1e3 * (t2 - t1):.1f} ms, "
          f"ratio {(t2 - t1) / (t1 - t0):.0f}x")


if __name__ == "__main__":
    main()
