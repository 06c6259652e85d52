"""Optimisers as pure `(init, update)` transforms composed as optax composes them.

An update is `update(g, state, x) -> (u, state)` and the caller applies `x + u`. The arithmetic uses only
operators (`+ - * / **`), so the same transforms run on NumPy arrays and on torch tensors.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple


class GradientTransformation(NamedTuple):
    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple[Any, Any]]


def _zeros(x):
    return x * 0.0


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply transforms in order, each to the output of the one before."""

    def init(x):
        return tuple(t.init(x) for t in transforms)

    def update(g, state, x):
        new = []
        for t, s in zip(transforms, state):
            g, s = t.update(g, s, x)
            new.append(s)
        return g, tuple(new)

    return GradientTransformation(init, update)


def scale(factor: float) -> GradientTransformation:
    """u = factor * g (with factor = -lr this is the gradient step)."""
    return GradientTransformation(lambda x: (), lambda g, s, x: (factor * g, s))


class TraceState(NamedTuple):
    v: Any


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Heavy-ball momentum: v <- decay v + g; Nesterov looks ahead: decay v + g."""

    def update(g, s, x):
        v = decay * s.v + g  # velocity
        return (decay * v + g if nesterov else v), TraceState(v)

    return GradientTransformation(lambda x: TraceState(_zeros(x)), update)


class SumState(NamedTuple):
    G: Any


def scale_by_adagrad(eps: float = 1e-8) -> GradientTransformation:
    """Divide by the root of the sum of squared gradients so far (Duchi et al. 2011)."""

    def update(g, s, x):
        G = s.G + g * g  # accumulated squared gradients
        return g / (G**0.5 + eps), SumState(G)

    return GradientTransformation(lambda x: SumState(_zeros(x)), update)


def scale_by_rms(decay: float = 0.99, eps: float = 1e-8) -> GradientTransformation:
    """RMSProp: divide by the root of a moving average of squared gradients (Tieleman & Hinton 2012).

    `decay` is torch.optim.RMSprop's `alpha` (default 0.99 there and here); optax calls it `decay` (0.9).
    """

    def update(g, s, x):
        G = decay * s.G + (1 - decay) * g * g  # moving average of g^2
        return g / (G**0.5 + eps), SumState(G)

    return GradientTransformation(lambda x: SumState(_zeros(x)), update)


class AdamState(NamedTuple):
    k: int
    m: Any
    v: Any


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam's moments (Kingma & Ba 2015), one line per line of the paper."""

    def update(g, s, x):
        k = s.k + 1
        m = b1 * s.m + (1 - b1) * g  # first moment estimate
        v = b2 * s.v + (1 - b2) * g * g  # second moment estimate
        mhat = m / (1 - b1**k)  # bias correction
        vhat = v / (1 - b2**k)
        return mhat / (vhat**0.5 + eps), AdamState(k, m, v)

    return GradientTransformation(lambda x: AdamState(0, _zeros(x), _zeros(x)), update)


class NewtonState(NamedTuple):
    damping: float  # the last shift mu added to H (0 when H was positive definite)


def scale_by_newton(hessian: Callable[[Any], Any], min_eig: float = 1e-8) -> GradientTransformation:
    """Newton direction H^-1 g; when H is not positive definite it is damped to H + mu I (NumPy arrays only)."""
    import numpy as np

    def update(g, s, x):
        H = np.atleast_2d(np.asarray(hessian(x), dtype=float))
        if not (np.isfinite(H).all() and np.isfinite(np.asarray(g, dtype=float)).all()):
            # The loss overflowed (Newton on separable data drives the weights to infinity): a non-finite step
            # that the loop reports as diverged, not an eigen-solver error.
            return np.full(H.shape[0], np.nan), NewtonState(math.nan)
        lam = np.linalg.eigvalsh((H + H.T) / 2)
        # Levenberg-style damping: shift the spectrum so the smallest eigenvalue is at least min_eig * scale,
        # and a negative one at least |lambda_min|: shifting it only to ~0 would make the step explode.
        floor = max(min_eig * max(1.0, float(np.max(np.abs(lam), initial=0.0))), -float(lam[0]))
        mu = 0.0 if lam[0] >= floor else floor - lam[0]
        d = np.linalg.solve(H + mu * np.eye(H.shape[0]), np.asarray(g, dtype=float))
        return d, NewtonState(mu)

    return GradientTransformation(lambda x: NewtonState(0.0), update)


# -- named optimisers: a preconditioner, then a step of -lr ---------------------------------------------------

def gd(lr: float) -> GradientTransformation:
    return scale(-lr)


def momentum(lr: float, beta: float = 0.9) -> GradientTransformation:
    return chain(trace(beta), scale(-lr))


def nesterov(lr: float, beta: float = 0.9) -> GradientTransformation:
    return chain(trace(beta, nesterov=True), scale(-lr))


def adagrad(lr: float, eps: float = 1e-8) -> GradientTransformation:
    return chain(scale_by_adagrad(eps), scale(-lr))


def rmsprop(lr: float, decay: float = 0.99, eps: float = 1e-8) -> GradientTransformation:
    return chain(scale_by_rms(decay, eps), scale(-lr))


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    return chain(scale_by_adam(b1, b2, eps), scale(-lr))


def newton(lr: float, hessian: Callable[[Any], Any]) -> GradientTransformation:
    return chain(scale_by_newton(hessian), scale(-lr))


OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton")


def make(name: str, lr: float, *, momentum_beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
         eps: float = 1e-8, hessian: Callable | None = None, rmsprop_alpha: float = 0.99) -> GradientTransformation:
    """A named optimiser with its hyper-parameters (the CLI's --optimizer, --momentum, --beta1, --beta2, --eps,
    --rmsprop-alpha)."""
    if name == "gd":
        return gd(lr)
    if name == "momentum":
        return momentum(lr, momentum_beta)
    if name == "nesterov":
        return nesterov(lr, momentum_beta)
    if name == "adagrad":
        return adagrad(lr, eps)
    if name == "rmsprop":
        return rmsprop(lr, rmsprop_alpha, eps)
    if name == "adam":
        return adam(lr, beta1, beta2, eps)
    if name == "newton":
        if hessian is None:
            raise ValueError("newton needs the Hessian")
        return newton(lr, hessian)
    raise ValueError(f"unknown optimizer {name!r}")


class ArmijoState(NamedTuple):
    inner: Any
    t: float  # the step fraction accepted at the last update (1 = the full step)


def armijo(inner: GradientTransformation, f: Callable[[Any], float], c: float = 1e-4, shrink: float = 0.5,
           max_halvings: int = 50) -> GradientTransformation:
    """Backtracking line search on the inner update u: the largest t in 1, 1/2, ... with
    f(x + t u) <= f(x) + c t g.u (the Armijo sufficient-decrease condition)."""

    def update(g, s, x):
        u, inner_state = inner.update(g, s.inner, x)
        fx = f(x)
        slope = float((g * u).sum())
        if slope >= 0:  # not a descent direction (momentum can overshoot): fall back to steepest descent
            u = -1.0 * g * (float((u * u).sum()) ** 0.5 / max(float((g * g).sum()) ** 0.5, 1e-300))
            slope = float((g * u).sum())
        t = 1.0
        for _ in range(max_halvings):
            if f(x + t * u) <= fx + c * t * slope:
                break
            t *= shrink
        return t * u, ArmijoState(inner_state, t)

    return GradientTransformation(lambda x: ArmijoState(inner.init(x), 1.0), update)
