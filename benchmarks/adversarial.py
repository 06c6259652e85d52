"""Adversarial inputs as whole processes: none may take longer than the time budget plus start-up.

Each input of issue 12 (and a few more of the same kind) runs as `python -m gdcli ...` with `--time-limit T`,
next to a start-up baseline (`gdcli grad x --at 1`, median of a few runs). The slowest inputs are printed
first with their exit code and the last line of their output. An input passes when its wall time is at most
T + start-up (+ an optional --slack); the symbolic steps stop early enough that the numeric work after a
skipped step fits in T too. A run still going at 3 × that bar is killed and reported as a hang.

    .venv/bin/python benchmarks/adversarial.py [--time-limit 5] [--slack 0]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _names(prefix: str, n: int) -> str:
    return ",".join(f"{prefix}{i}" for i in range(n))


def _nested(fn: str, depth: int, inner: str = "x") -> str:
    return f"{fn}(" * depth + inner + ")" * depth


def cases() -> list[tuple[str, list[str]]]:
    tower = "**".join(["x"] * 11)
    return [
        ("max of 20 (issue)", ["grad", f"max({_names('a', 20)})", "--at", ",".join(str(i) for i in range(20))]),
        ("max of 200", ["grad", f"max({_names('a', 200)})", "--at", ",".join(str(i) for i in range(200))]),
        ("min of 60, hessian", ["hessian", f"min({_names('a', 60)})", "--at", ",".join(str(i) for i in range(60))]),
        ("sin nested 8, convex (issue)", ["convex", _nested("sin", 8)]),
        ("power tower of 11, hessian (issue)", ["hessian", tower, "--at", "1.01"]),
        ("(x+1)**999 - x**3, convex (issue)", ["convex", "(x+1)**999 - x**3"]),
        ("(x+y+z+w)**200, convex (issue)", ["convex", "(x+y+z+w)**200"]),
        ("sin nested 40, hessian (issue)", ["hessian", _nested("sin", 40), "--at", "0.5"]),
        ("sin nested 99, grad", ["grad", _nested("sin", 99), "--at", "0.5"]),
        ("flat sum of 150 terms, grad", ["grad", "+".join(f"x**{i}" for i in range(150)), "--at", "0.5"]),
        ("flat sum of 900 terms, hessian", ["hessian", "+".join(f"{i}*x*y" if i % 2 else f"{i}*x" for i in range(900)), "--at", "1,2"]),
        ("(x+y)**50*(x-y)**50, convex", ["convex", "(x+y)**50*(x-y)**50"]),
        ("exp of exp x4, convex", ["convex", _nested("exp", 4)]),
        ("8-variable power, hessian", ["hessian", f"({_names('x', 8).replace(',', '+')})**40", "--at", "1,1,1,1,1,1,1,1"]),
        ("(x+y+z+w)**200, descend", ["descend", "(x+y+z+w)**200", "--start", "0.1,0.1,0.1,0.1", "--steps", "50"]),
        ("power tower, gradcheck", ["gradcheck", tower, "--at", "1.01"]),
        ("sin nested 40, gradcheck", ["gradcheck", _nested("sin", 40), "--at", "0.5"]),
        ("empty domain (exit 2)", ["convex", "sqrt(-1-x**2)"]),
        ("9**9**9 (refused)", ["grad", "9**9**9*x", "--at", "1"]),
    ]


def run(args: list[str], limit: float, kill_after: float) -> tuple[float, int | str, str]:
    cmd = [sys.executable, "-m", "gdcli", *args, "--time-limit", str(limit)]
    start = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=kill_after)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, "hang", f"killed after {kill_after:.0f} s"
    wall = time.perf_counter() - start
    lines = [ln for ln in (p.stdout + p.stderr).strip().splitlines() if ln.strip()]
    return wall, p.returncode, lines[-1][:90] if lines else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=5.0, help="--time-limit given to every run (default 5)")
    ap.add_argument("--slack", type=float, default=0.0, help="seconds allowed beyond budget + start-up (default 0: the issue's bar)")
    ap.add_argument("--startup-runs", type=int, default=5)
    args = ap.parse_args()
    base = [run(["grad", "x", "--at", "1"], args.time_limit, 60)[0] for _ in range(args.startup_runs)]
    startup = statistics.median(base)
    bar = args.time_limit + startup + args.slack
    results = []
    for name, argv in cases():
        wall, code, last = run(argv, args.time_limit, 3 * bar)
        results.append((wall, name, code, last))
        print(f"  {wall:6.2f} s  exit {code!s:>4}  {name}", file=sys.stderr, flush=True)
    print(f"\nstart-up (median of {len(base)}): {startup:.2f} s; budget {args.time_limit:g} s; "
          f"bar = budget + start-up + {args.slack:g} s slack = {bar:.2f} s\n")
    print(f"{'wall':>7}  {'exit':>4}  {'':4}  input / last line of output")
    failed = 0
    for wall, name, code, last in sorted(results, reverse=True):
        ok = code != "hang" and code in (0, 1, 2) and wall <= bar
        failed += not ok
        print(f"{wall:6.2f}s  {code!s:>4}  {'ok' if ok else 'SLOW':4}  {name}\n{'':20}{last}")
    print(f"\n{len(results) - failed} of {len(results)} within the bar; slowest {results and max(results)[0]:.2f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
