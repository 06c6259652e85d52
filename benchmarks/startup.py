"""Start-up cost of `gdcli grad` as a whole process against `python -c "import sympy, numpy"` (bar: <= 1.5x).

Both commands run alternately in one session, so machine load hits them alike; the figure is the ratio of medians.
Usage: PYTHONPATH=. python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

BASELINE = [sys.executable, "-c", "import sympy, numpy"]
GRAD = [sys.executable, "-m", "gdcli", "grad", "x**2", "--at", "1"]


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wall(cmd: list[str], cpu: list[float] | None = None) -> float:
    """Wall time of one whole process; its CPU time (user + system) goes to `cpu`, steadier on a busy machine."""
    c0, t0 = cpu_children(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.perf_counter() - t0
    if cpu is not None:
        cpu.append(cpu_children() - c0)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    runs = ap.parse_args().runs
    wall(BASELINE), wall(GRAD)  # warm the file cache and the .pyc files
    base, grad, base_cpu, grad_cpu = [], [], [], []
    for _ in range(runs):
        base.append(wall(BASELINE, base_cpu))
        grad.append(wall(GRAD, grad_cpu))
    b, g = statistics.median(base), statistics.median(grad)
    bc, gc = statistics.median(base_cpu), statistics.median(grad_cpu)
    print(f"python -c 'import sympy, numpy'     median wall {b * 1e3:7.1f} ms, cpu {bc * 1e3:7.1f} ms over {runs} runs")
    print(f"python -m gdcli grad 'x**2' --at 1   median wall {g * 1e3:7.1f} ms, cpu {gc * 1e3:7.1f} ms over {runs} runs")
    print(f"ratio (wall) {g / b:.2f}x (bar: <= 1.5x) -> {'PASS' if g / b <= 1.5 else 'FAIL'};  ratio (cpu) {gc / bc:.2f}x")


if __name__ == "__main__":
    main()
