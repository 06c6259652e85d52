"""Start-up cost of `gdcli grad` as a whole process against `python -c "import sympy, numpy"` (bar: <= 1.5x).

Both commands run alternately in one session, so machine load hits them alike; the figure is the ratio of medians.
Usage: PYTHONPATH=. python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

BASELINE = [sys.executable, "-c", "import sympy, numpy"]
GRAD = [sys.executable, "-m", "gdcli", "grad", "x**2", "--at", "1"]


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    runs = ap.parse_args().runs
    wall(BASELINE), wall(GRAD)  # warm the file cache and the .pyc files
    base, grad = [], []
    for _ in range(runs):
        base.append(wall(BASELINE))
        grad.append(wall(GRAD))
    b, g = statistics.median(base), statistics.median(grad)
    print(f"python -c 'import sympy, numpy'     median {b * 1e3:7.1f} ms over {runs} runs")
    print(f"python -m gdcli grad 'x**2' --at 1   median {g * 1e3:7.1f} ms over {runs} runs")
    print(f"ratio {g / b:.2f}x (bar: <= 1.5x) -> {'PASS' if g / b <= 1.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
