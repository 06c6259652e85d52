"""`fit` without torch: full-batch training of a model linear in its parameters, on NumPy.

For s_c = Φ_c θ + c_c and the hand-derived gradient (`--gradient manual`), an epoch is two mat-vec products,
which NumPy does as fast as torch on small data and without torch's ~2 s import. `use_numpy` is the one place
that chooses: autograd, nn.Module, models nonlinear in θ, mini-batches (their shuffle is torch's seeded
randperm, kept so that runs reproduce), Newton (its Hessian comes from autograd), the random searches, and data
past NUMPY_MAX_ROWS rows (where torch's threaded kernels win; benchmarks/fit_numpy.py) stay on torch.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from gdcli.engine.learn.spec import SEARCHES, EpochRecord, TrainSpec, check_spec

NUMPY_MAX_ROWS = 2_000_000  # the crossover measured by benchmarks/fit_numpy.py (see benchmarks/README.md)


def use_numpy(problem, rows: int, spec: TrainSpec, batch_sizes) -> bool:
    """Whether this fit runs on NumPy (True) or torch."""
    full = all(m is None or m >= rows for m in batch_sizes)
    return (problem.linear_in_params and spec.gradient == "manual" and full and rows <= NUMPY_MAX_ROWS
            and spec.optimizer not in SEARCHES and spec.optimizer != "newton")


class Arrays:
    """The data and the linear model's design Φ in NumPy arrays, with the loss and its derivative compiled."""

    def __init__(self, problem, data):
        from gdcli.engine.learn.models import design, loss_parts
        from gdcli.expr.compile import NumpyOps, compile_exprs

        self.problem = problem
        self.M = data.rows
        cols = [np.ascontiguousarray(data.column(f)) for f in problem.features]
        T = problem.encode_targets(data.column(problem.target))
        self.t = [np.ascontiguousarray(T[:, k]) for k in range(T.shape[1])]
        self.mask = problem.reg_mask.astype(float)
        self.mean = problem.loss != "sse"
        self.residual, row_loss, args, dloss = loss_parts(problem)
        self._loss = compile_exprs([row_loss], args, NumpyOps)
        self._loss_dloss = compile_exprs([row_loss, *dloss], args, NumpyOps)
        self.Phi, offsets = design(problem, cols)
        if self.residual:
            offsets = [offsets[0] - data.column(problem.target)]
        self.offset = [o if o.any() or self.residual else None for o in offsets]

    def forward(self, theta) -> list:
        out = [P @ theta if o is None else P @ theta + o for P, o in zip(self.Phi, self.offset)]
        return out if self.residual else out + self.t

    def _total(self, l, theta) -> float:
        l = float(np.mean(l) if self.mean else np.sum(l))
        if self.problem.reg:
            l += self.problem.reg * float(np.sum(self.mask * theta * theta))
        return l

    def _rows(self, v):
        return v if np.ndim(v) else np.full(self.M, float(v))  # a loss constant in s (e.g. 0) is one number

    def loss(self, theta) -> float:
        with np.errstate(all="ignore"):
            (l,) = self._loss(*self.forward(theta))
            return self._total(self._rows(l), theta)

    def manual_loss_and_grad(self, theta) -> tuple[float, np.ndarray]:
        """∇θ L = (1/m) Σ_c Φ_cᵀ ∂l/∂s_c (+ 2 reg · mask · θ); call it under np.errstate (train does)."""
        l, *deltas = self._loss_dloss(*self.forward(theta))
        g = sum(P.T @ self._rows(d) for P, d in zip(self.Phi, deltas))
        g = g / self.M if self.mean else g
        if self.problem.reg:
            g = g + 2 * self.problem.reg * self.mask * theta
        return self._total(self._rows(l), theta), np.asarray(g, dtype=float)


def train(arrays: Arrays, theta0: np.ndarray, spec: TrainSpec) -> Iterator[EpochRecord]:
    """Full-batch training, one record per epoch (epoch 0 is the start), the same updates as train.train."""
    check_spec(spec)
    transform = spec.transform()
    theta = np.array(theta0, dtype=float)
    state = transform.init(theta)
    for epoch in range(1, spec.epochs + 1):
        with np.errstate(all="ignore"):  # a diverging run overflows; the caller reads the non-finite loss
            L, g = arrays.manual_loss_and_grad(theta)
            u, state = transform.update(g, state, theta)
            after = theta + u
        yield EpochRecord(epoch - 1, L, theta)
        if not math.isfinite(L):
            return
        theta = after
    yield EpochRecord(spec.epochs, arrays.loss(theta), theta)
