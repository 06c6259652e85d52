"""Numeric search for the zeros of ∇f in a box: damped Newton from seeded space-filling starts, then deduplication."""

from __future__ import annotations

import numpy as np

from gdcli.expr import Expression

MAX_ITERATIONS = 200


def latin_hypercube(lo: np.ndarray, hi: np.ndarray, m: int, seed: int) -> np.ndarray:
    """m seeded points, one in each of m slabs along every axis (a Latin hypercube), in the box [lo, hi]."""
    rng = np.random.default_rng(seed)
    n = lo.size
    slabs = np.argsort(rng.random((m, n)), axis=0)  # an independent permutation of 0..m-1 per axis
    t = (slabs + rng.random((m, n))) / m
    return lo * (1 - t) + hi * t  # not lo + (hi − lo) t: hi − lo overflows for ±1e308


def _grad_hess(expr: Expression, X: np.ndarray):
    g = expr.grad(X)
    H = expr.hessian(X)
    return g, (H + np.swapaxes(H, -1, -2)) / 2


def newton_zeros(expr: Expression, lo, hi, starts: int, seed: int, tick=None) -> tuple[np.ndarray, int]:
    """Points of the box where ∇f = 0, found by Levenberg–Marquardt-damped Newton on ∇f from `starts` points.

    The step solves (HᵀH + μ·s·I) d = −Hᵀg, which is Newton's step when μ is small and a short gradient step on
    ‖∇f‖² when it is large; μ falls after a step that lowers ‖∇f‖ and rises after one that does not. Returns the
    converged points (k, n), deduplicated, and how many starts converged. `tick()` is called once per iteration
    (at most MAX_ITERATIONS times), for a progress bar.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    n = lo.size
    X = latin_hypercube(lo, hi, starts, seed)
    g, H = _grad_hess(expr, X)
    # Sizes are max-norms, never sums of squares: those overflow for |∇f| ~ 1e300 and underflow for 1e-300.
    size = np.max(np.abs(g), axis=1)
    with np.errstate(all="ignore"):
        typical = float(np.median(size[np.isfinite(size)])) if np.isfinite(size).any() else 1.0
    c = typical if np.isfinite(typical) and typical > 0 else 1.0  # what "small" means for this f
    mu = np.full(starts, 1e-8)
    active = np.isfinite(size) & np.all(np.isfinite(H), axis=(1, 2))
    eye = np.eye(n)
    width = np.maximum(np.abs(hi - lo), np.finfo(float).tiny)
    for _ in range(MAX_ITERATIONS):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        if tick is not None:
            tick()
        d = _lm_step(H[idx], g[idx], mu[idx], eye)
        with np.errstate(all="ignore"):
            Xn = X[idx] + d
            gn, Hn = _grad_hess(expr, Xn)
            size_n = np.max(np.abs(gn), axis=1)
        better = np.isfinite(size_n) & np.all(np.isfinite(Hn), axis=(1, 2)) & (size_n < size[idx])
        take = idx[better]
        X[take], g[take], H[take], size[take] = Xn[better], gn[better], Hn[better], size_n[better]
        mu[idx] = np.where(better, np.maximum(mu[idx] / 10, 1e-15), mu[idx] * 10)
        small_step = np.all(np.abs(d) <= 1e-15 * np.abs(X[idx]) + 1e-13 * width, axis=1)
        done = (size[idx] == 0) | (better & small_step) | (mu[idx] > 1e12)
        outside = np.any((X[idx] < lo - 0.5 * width) | (X[idx] > hi + 0.5 * width), axis=1)
        active[idx[done | outside]] = False
    # A zero, not a flat tail: ∇f is small against its typical size and Newton puts the zero within a hair.
    newton = _lm_step(H, g, np.zeros(starts), eye)
    with np.errstate(all="ignore"):
        converged = (np.isfinite(size) & (size <= 1e-6 * c) & np.all(np.isfinite(newton), axis=1)
                     & np.all(np.abs(newton) <= 1e-7 * width, axis=1))
        inside = np.all((X >= lo) & (X <= hi), axis=1)
    keep = converged & inside
    return deduplicate(X[keep], size[keep], width), int(converged.sum())


def _lm_step(H: np.ndarray, g: np.ndarray, mu: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """Solve (ĤᵀĤ + μ·s·I) d = −Ĥᵀĝ with Ĥ = H/a, ĝ = g/a, a = max |H_ij| per point (d is unchanged by a)."""
    n = eye.shape[0]
    with np.errstate(all="ignore"):
        a = np.max(np.abs(H), axis=(1, 2))
        a = np.where(np.isfinite(a) & (a > 0), a, 1.0)
        Hs, gs = H / a[:, None, None], g / a[:, None]
        HtH = np.einsum("mki,mkj->mij", Hs, Hs)
        s = np.maximum(np.einsum("mii->m", HtH) / n, 1e-300)
        A = HtH + (mu * s)[:, None, None] * eye
        rhs = -np.einsum("mki,mk->mi", Hs, gs)
        ok = np.all(np.isfinite(A), axis=(1, 2)) & np.all(np.isfinite(rhs), axis=1)
    d = np.full_like(rhs, np.nan)
    if ok.any():
        d[ok] = _solve(A[ok], rhs[ok])
    return d


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:  # one singular system among many: solve them one at a time
        out = np.zeros_like(b)
        for k in range(len(A)):
            out[k] = np.linalg.lstsq(A[k], b[k], rcond=None)[0]
        return out


def deduplicate(X: np.ndarray, residual: np.ndarray, width: np.ndarray, rel: float = 1e-6) -> np.ndarray:
    """One point per cluster (the one with the smallest ‖∇f‖): points closer than rel × the box width on every axis."""
    X = np.asarray(X, dtype=float).reshape(len(residual), width.size)
    kept = np.empty_like(X)
    k = 0
    for i in np.argsort(residual, kind="stable"):
        if k == 0 or not np.any(np.all(np.abs(kept[:k] - X[i]) <= rel * width, axis=1)):
            kept[k] = X[i]
            k += 1
    return kept[:k]
