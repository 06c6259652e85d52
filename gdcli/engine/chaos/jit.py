"""The chaos game's step and binning fused into one compiled loop (numba; the optional `fast` extra).

Imported only when that kernel runs: `game.kernel_for` decides without importing numba. The loop does exactly the
arithmetic of the NumPy kernel (`game._Chains.step` and `game._Binner.bin`, same operations in the same order,
no fast-math), on the same map indices, so both kernels give the same histogram bit for bit
(tests/test_fractal_jit.py). `cache=True` keeps the machine code on disk: the first run in an environment
compiles (about a second), later ones load it (about a quarter of a second, plus numba's import).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def advance(idx, w0, w1, a00, a01, a11, b0, b1, sx, ox, sy, oy, nx, ny, counts, lohi, binned, last):  # pragma: no cover (compiled)
    """Step every chain once per row of `idx` (row s: the map index of each chain at step s).

    With `binned`, each iterate is added to `counts` (a flat (ny+2)×(nx+2) grid whose border collects what falls
    outside the window), and `lohi` (min w0, max w0, min w1, max w1) grows to hold it; on the last row only the
    first `last` chains are binned. Returns the number of NaN iterates met (their rows are still finished).
    """
    steps, c = idx.shape
    stride = nx + 2
    xmax, ymax = nx + 1.5, ny + 1.5
    lo0, hi0, lo1, hi1 = lohi[0], lohi[1], lohi[2], lohi[3]  # kept in registers, stored once at the end
    bad = 0
    for s in range(steps):
        n = (last if s == steps - 1 else c) if binned else 0
        for j in range(c):
            k = idx[s, j]
            x, y = w0[j], w1[j]
            t = a00[k] * x + a01[k] * y + b0[k]
            y = a11[k] * y + a01[k] * x + b1[k]
            w0[j], w1[j] = t, y
            if j >= n:
                continue
            fx = t * sx + ox
            fy = y * sy + oy
            if fx != fx or fy != fy:
                bad += 1
                continue
            counts[int(min(max(fy, 0.0), ymax)) * stride + int(min(max(fx, 0.0), xmax))] += 1
            lo0, hi0 = min(lo0, t), max(hi0, t)
            lo1, hi1 = min(lo1, y), max(hi1, y)
    lohi[0], lohi[1], lohi[2], lohi[3] = lo0, hi0, lo1, hi1
    return bad


def warm(index=np.uint8) -> None:
    """Compile (or load from the cache) the loop for map indices of this dtype (uint8, or uint16 beyond 256 maps)
    before the timing starts and before forking workers, so that no child compiles."""
    one = np.zeros(1)
    advance(np.zeros((1, 1), index), one.copy(), one.copy(), one, one, one, one, one, 1.0, 1.0, 1.0, 1.0, 1, 1,
            np.zeros(9, np.int64), np.zeros(4), True, 1)
