"""Many runs advanced together as one array of shape runs x variables, the way the fractal advances its chains.

The optimisers are pure transforms written with operators only, so a learning rate (or momentum, beta1, ...)
of shape (runs, 1) makes one transform do every run's arithmetic, in the same order as one run alone does it:
the iterates equal the one-by-one runs' (tests/test_batch.py). Each run keeps its own status; a run that stops
(converged, diverged, ...) is frozen: its row leaves the arrays, so its inf or NaN never meets another run's
numbers and it costs nothing from then on.

Newton (a linear solve per run) and Armijo line searches (a data-dependent number of halvings per run) stay
per-run in sweep.descend: batching them would pay for the slowest run's work on every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from gdcli.engine.optim import transforms as optim
from gdcli.engine.calculus.definiteness import scaled_norm
from gdcli.engine.optim.descent import LIMIT, Run, Settings, Step, summarize
from gdcli.engine.optim.record import FIRST, LAST, PATH_POINTS, Keep, Path, Trace

BATCHABLE = tuple(o for o in optim.OPTIMIZERS if o != "newton")
HYPER = ("lr", "momentum", "beta1", "beta2", "eps", "rmsprop_alpha")  # the Settings that may differ between runs of one batch


def batchable(s: Settings) -> bool:
    return s.optimizer in BATCHABLE and s.line_search == "none"


def statuses(f, grad_norm, x_norm, k: int, steps, tol, threshold) -> np.ndarray:
    """descent.status_of() on arrays: why each run stops at iterate k (an object array, None to go on).
    The rules are applied from the last to the first, so where several hold the first one wins."""
    out = np.full(f.shape, None, dtype=object)
    out[k >= steps] = "max-steps"
    out[f <= threshold] = "threshold"
    out[grad_norm <= tol] = "converged"
    bad = ~(np.isfinite(f) & np.isfinite(grad_norm) & np.isfinite(x_norm)) | (np.abs(f) > LIMIT) | (x_norm > LIMIT)
    out[bad] = "diverged"
    return out


def _row_norms(A: np.ndarray) -> np.ndarray:
    """‖row‖ for every row; rows whose squares under- or overflow are scaled first (descent._norm's rule), so a
    gradient of 1e-170 is not an underflowed 0 that looks converged."""
    s = np.einsum("ij,ij->i", A, A)
    out = np.sqrt(s)
    odd = ~((s > 1e-280) & (s < 1e280))
    if odd.any():
        out[odd] = [scaled_norm(row) for row in A[odd]]
    return out


def _hyper(settings: Sequence[Settings]) -> dict[str, np.ndarray]:
    return {h: np.array([[getattr(s, h)] for s in settings], dtype=float) for h in HYPER}


def _optimizer(name: str, hp: dict[str, np.ndarray]) -> optim.GradientTransformation:
    return optim.make(name, hp["lr"], momentum_beta=hp["momentum"], beta1=hp["beta1"], beta2=hp["beta2"],
                      eps=hp["eps"], rmsprop_alpha=hp["rmsprop_alpha"])


def _take(state, sel: np.ndarray, m: int):
    """The optimiser state of the runs `sel` (arrays whose first axis has length m are per-run)."""
    if isinstance(state, np.ndarray) and state.ndim and state.shape[0] == m:
        return state[sel]
    if isinstance(state, tuple):
        items = [_take(s, sel, m) for s in state]
        return type(state)(*items) if hasattr(state, "_fields") else tuple(items)
    return state


@dataclass(frozen=True)
class Snapshot:
    """Every run at iterate k: x (R, n), f (R,), grad_norm (R,), NaN for the runs stopped before k."""

    k: int
    x: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray

    @staticmethod
    def of(k: int, R: int, idx: np.ndarray, X, F, GN) -> "Snapshot":
        x, f, g = np.full((R, X.shape[1]), np.nan), np.full(R, np.nan), np.full(R, np.nan)
        x[idx], f[idx], g[idx] = X, F, GN
        return Snapshot(k, x, f, g)


@dataclass(frozen=True)
class Batch:
    """Where every run ended, and what was kept of the way there (memory flat in the number of steps)."""

    x: np.ndarray  # (R, n) each run's last iterate
    f: np.ndarray  # (R,)
    grad_norm: np.ndarray  # (R,)
    steps: np.ndarray  # (R,) the k of each run's last iterate
    status: np.ndarray  # (R,) object
    interrupted: bool
    snapshots: tuple[Snapshot, ...]  # the rows `keep` wants, for every run active then
    path: tuple[Snapshot, ...]  # a thinned path for pictures
    tail: tuple[np.ndarray, np.ndarray, np.ndarray]  # rings of the last iterates: x (T, R, n), f (T, R), |g| (T, R)


def advance(value_and_grad: Callable, x0, settings: Sequence[Settings], *, keep: Keep = Keep(),
            on_step: Callable | None = None, stop: Callable[[], bool] | None = None,
            record: bool = True) -> Batch:
    """Run every Settings (one optimiser name, no line search) from its row of x0 (R, n), or all from one x0 (n,).

    `value_and_grad(X)` on points (m, n). `on_step(k, idx, X, F, GN)` sees the runs `idx` active at iterate k.
    `stop()`, checked between steps, interrupts every active run. `record=False` keeps only the end points.
    """
    settings = list(settings)
    names = {s.optimizer for s in settings}
    if len(names) != 1 or not all(batchable(s) for s in settings):
        raise ValueError("a batch needs one optimiser other than newton and no line search")
    R = len(settings)
    X = np.array(np.broadcast_to(np.asarray(x0, dtype=float), (R, np.shape(x0)[-1])))
    n = X.shape[1]
    hp = _hyper(settings)
    steps = np.array([s.steps for s in settings])
    tol = np.array([s.tol for s in settings], dtype=float)
    thr = np.array([-math.inf if s.threshold is None else s.threshold for s in settings], dtype=float)
    name = names.pop()
    opt = _optimizer(name, hp)
    state = opt.init(X)
    idx = np.arange(R)
    end_x, end_f, end_g = X.copy(), np.empty(R), np.empty(R)
    end_k, end_status = np.zeros(R, dtype=int), np.full(R, None, dtype=object)
    T = max(keep.tail, LAST) if record else 1
    ring_x, ring_f, ring_g = np.empty((T, R, n)), np.empty((T, R)), np.empty((T, R))
    snapshots, path, stride = [], [], 1
    budget = int(np.clip(2**21 // max(R * n, 1), 2, PATH_POINTS))  # path points: about 16 MB at most
    k, interrupted = 0, False
    with np.errstate(all="ignore"):
        F, G = value_and_grad(X)
        while True:
            GN, XN = _row_norms(G), _row_norms(X)
            st = statuses(F, GN, XN, k, steps[idx], tol[idx], thr[idx])
            if stop is not None and stop():
                st[st == None] = "interrupted"  # noqa: E711 - an elementwise test on an object array
                interrupted = True
            if on_step is not None:
                on_step(k, idx, X, F, GN)
            if record:
                ring_x[k % T, idx], ring_f[k % T, idx], ring_g[k % T, idx] = X, F, GN
                if keep.wants(k) or k < FIRST:
                    snapshots.append(Snapshot.of(k, R, idx, X, F, GN))
                if k % stride == 0:
                    path.append(Snapshot.of(k, R, idx, X, F, GN))
                    if len(path) >= budget:
                        path, stride = path[::2], stride * 2
            done = st != None  # noqa: E711
            if done.any():  # freeze the runs that stopped: they leave the arrays
                d = idx[done]
                end_x[d], end_f[d], end_g[d], end_k[d], end_status[d] = X[done], F[done], GN[done], k, st[done]
                live = ~done
                if not live.any():
                    break
                m = len(idx)
                idx, X, G = idx[live], X[live], G[live]
                state = _take(state, live, m)
                opt = _optimizer(name, {h: v[idx] for h, v in hp.items()})
            u, state = opt.update(G, state, X)
            X = X + u
            F, G = value_and_grad(X)
            k += 1
    return Batch(end_x, end_f, end_g, end_k, end_status, interrupted, tuple(snapshots), tuple(path),
                 (ring_x, ring_f, ring_g))


def _stack(snaps: Sequence[Snapshot]):
    if not snaps:
        return np.zeros(0, dtype=int), None, None, None
    return (np.array([s.k for s in snaps]), np.stack([s.x for s in snaps]), np.stack([s.f for s in snaps]),
            np.stack([s.grad_norm for s in snaps]))


def runs_of(batch: Batch, settings: Sequence[Settings], keep: Keep = Keep()) -> list[tuple[Run, Trace]]:
    """Each run of a batch as the Run one run alone would have made, with the Trace its statistics read."""
    ring_x, ring_f, ring_g = batch.tail
    T = ring_x.shape[0]
    rk, rx, rf, rg = _stack([s for s in batch.snapshots if keep.wants(s.k)])
    fk, fx, _, _ = _stack([s for s in batch.snapshots if s.k < FIRST])
    pk, px, pf, _ = _stack(batch.path)
    out = []
    for r, s in enumerate(settings):
        stop = int(batch.steps[r])
        last = Step(stop, batch.x[r], float(batch.f[r]), float(batch.grad_norm[r]), status=batch.status[r])
        rows = [Step(int(k), rx[i, r], float(rf[i, r]), float(rg[i, r])) for i, k in enumerate(rk) if k < stop]
        rows += [Step(k, ring_x[k % T, r], float(ring_f[k % T, r]), float(ring_g[k % T, r]))
                 for k in range(max(0, stop - keep.tail + 1), stop) if not keep.wants(k)]
        rows = tuple(sorted(rows, key=lambda st: st.k)) + (last,)
        m = pk < stop
        path = Path(np.append(pk[m], stop), np.vstack([px[m, r], last.x[None]]), np.append(pf[m, r], last.f))
        status = "interrupted" if batch.status[r] == "interrupted" else None
        run = summarize(s, last, rows, path, None, status)
        xs_first = [*fx[fk < stop, r], last.x][:FIRST]
        xs_last = [ring_x[k % T, r] for k in range(max(0, stop - LAST + 1), stop)] + [last.x]
        out.append((run, Trace.kept(xs_first, xs_last, last)))
    return out
