"""What one training run is: its settings (checked up front), its per-epoch record and its updates per epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdcli.engine.optim import transforms as optim
from gdcli.errors import UsageError

SEARCHES = ("random-search", "random-local-search")  # derivative-free: gdcli/engine/learn/search.py
GRADIENTS = ("manual", "autograd", "module")


@dataclass(frozen=True)
class TrainSpec:
    optimizer: str = "gd"
    lr: float = 0.01
    epochs: int = 100
    batch_size: int | None = None  # None: every row (plain GD); 1: SGD
    gradient: str = "manual"
    seed: int = 0
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    rmsprop_alpha: float = 0.99  # torch.optim.RMSprop's alpha
    step_size: float | None = None  # random-search: scale of the tries; random-local-search: of the moves

    def transform(self, hessian=None) -> optim.GradientTransformation:
        """The optimiser these settings name, with every hyper-parameter passed (one place for all trainers)."""
        return optim.make(self.optimizer, self.lr, momentum_beta=self.momentum, beta1=self.beta1, beta2=self.beta2,
                          eps=self.eps, hessian=hessian, rmsprop_alpha=self.rmsprop_alpha)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    loss: float  # the loss over all rows with the parameters at the end of this epoch
    params: np.ndarray
    # From the same pass over all rows as `loss`, where the model's tensors give them (dense networks):
    counts: np.ndarray | None = None  # a classifier's (K, K) counts of (true class, predicted class)
    grad_norm: float | None = None  # ‖∇θ L‖ (the last epoch only)


def updates_per_epoch(rows: int, batch_size: int | None) -> int:
    """⌈M/m⌉: the last batch may be smaller."""
    return 1 if not batch_size or batch_size >= rows else math.ceil(rows / batch_size)


def check_spec(spec: TrainSpec) -> None:
    if spec.gradient not in GRADIENTS:
        raise UsageError(f"--gradient must be one of {', '.join(GRADIENTS)}; got '{spec.gradient}'")
    if spec.optimizer not in optim.OPTIMIZERS + SEARCHES:
        import difflib

        close = difflib.get_close_matches(str(spec.optimizer), optim.OPTIMIZERS + SEARCHES, n=1)
        raise UsageError(f"--optimizer must be one of {', '.join(optim.OPTIMIZERS + SEARCHES)}; got '{spec.optimizer}'"
                         + (f"; did you mean '{close[0]}'?" if close else ""))
    if spec.optimizer in SEARCHES and spec.gradient != "manual":
        raise UsageError(f"--optimizer {spec.optimizer} uses no gradient; run it with --gradient manual "
                         f"(not {spec.gradient})")
    if spec.step_size is not None and not spec.step_size > 0:
        raise UsageError("--step-size must be > 0")
    if spec.gradient == "module" and spec.optimizer == "newton":
        raise UsageError("--optimizer newton is not in torch.optim; use --gradient manual or autograd for it")
    if not 0 <= spec.rmsprop_alpha < 1:
        raise UsageError(f"--rmsprop-alpha must be in [0, 1); got {spec.rmsprop_alpha}")
    if not spec.lr > 0:
        raise UsageError("--lr must be > 0")
    if spec.epochs < 0:
        raise UsageError("--epochs must be >= 0")
    if spec.batch_size is not None and spec.batch_size < 1:
        raise UsageError("--batch-size must be at least 1 (or 'full')")
