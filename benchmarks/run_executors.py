"""`gdcli run` of 40 short experiments: serial vs `--jobs 2` vs `--scheduler local:2`, whole processes.

The three run alternately in one session (so machine load hits them alike); the figures are medians. The
overhead per task is (wall of the mode - wall of the serial run) / 40 in milliseconds: what the executor adds
per experiment, start-up of its pool or cluster included. The batch figure is summary.json's `seconds` (the
run of the tasks alone, without validation, pool or cluster start-up and shut-down).
Usage: PYTHONPATH=. python benchmarks/run_executors.py [--runs N] [--experiments N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {"serial": [], "--jobs 2": ["--jobs", "2"], "--scheduler local:2": ["--scheduler", "local:2"]}


def write_batch(folder: Path, n: int) -> None:
    for i in range(n):
        (folder / f"e{i:02d}.yaml").write_text(
            f"name: e{i:02d}\ncommand: grad\nexpression: {i + 1}*w0**2 + 3*w1**2\nat: {{w0: 3, w1: 4}}\n"
            f"expect:\n  - {{path: value, equals: {9 * (i + 1) + 48}}}\n")


def wall(folder: Path, extra: list[str]) -> tuple[float, float]:
    """Wall time of the whole process, and of its batch (summary.json's seconds)."""
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gdcli", "run", str(folder / "batch"), "--out", str(out), *extra],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, json.loads((out / "summary.json").read_text())["seconds"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--experiments", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "batch").mkdir()
        write_batch(folder / "batch", args.experiments)
        for extra in MODES.values():  # warm the file cache and the .pyc files
            wall(folder, extra)
        times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
        for _ in range(args.runs):
            for mode, extra in MODES.items():
                times[mode].append(wall(folder, extra))
    n = args.experiments
    serial = statistics.median(t for t, _ in times["serial"])
    serial_batch = statistics.median(b for _, b in times["serial"])
    print(f"{n} experiments (gdcli grad), medians of {args.runs} alternating runs of whole processes:")
    for mode, values in times.items():
        t, b = statistics.median(w for w, _ in values), statistics.median(b for _, b in values)
        print(f"  {mode:22s} wall {t:6.2f} s ({t / serial:.2f}x), {(t - serial) / n * 1e3:+7.1f} ms per task over "
              f"serial;  batch {b:6.2f} s, {(b - serial_batch) / n * 1e3:+7.1f} ms per task over serial")


if __name__ == "__main__":
    main()
