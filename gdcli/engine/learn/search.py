"""Derivative-free training for `fit`: the random search and random local search of seed 002 (Strategies #1, #2)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from gdcli.engine.learn.spec import EpochRecord, updates_per_epoch

DEFAULT_STEP = {"random-search": 1.0, "random-local-search": 0.1}  # 1.0: the scale of --init random's draws


def search(tensors, theta0: np.ndarray, spec) -> Iterator:
    """Yield one EpochRecord per epoch (epoch 0 is the start) of a seeded random search.

    random-search: each try is θ = step_size · N(0, I), drawn afresh; keep the best seen (Strategy #1).
    random-local-search: each try is θ + step_size · N(0, I); move there when the loss falls (Strategy #2).
    Every try is scored on all rows, as the seed scores W on the whole training set; the start counts as
    the first candidate, so the reported loss never rises.
    """
    import torch

    rng = np.random.default_rng(int(spec.seed))
    tries = updates_per_epoch(tensors.M, spec.batch_size)  # one try per update GD would make: the same budget
    theta = np.asarray(theta0, dtype=float).copy()

    def loss(th: np.ndarray) -> float:
        with torch.no_grad():
            return float(tensors.loss(torch.from_numpy(th)))

    best = loss(theta)
    yield EpochRecord(0, best, theta.copy())
    local = spec.optimizer == "random-local-search"
    step = spec.step_size if spec.step_size is not None else DEFAULT_STEP[spec.optimizer]
    for epoch in range(1, spec.epochs + 1):
        for _ in range(tries):
            z = rng.standard_normal(theta.shape)
            trial = theta + step * z if local else step * z
            L = loss(trial)
            if L < best:  # a NaN loss compares False, so a non-finite try is never kept
                theta, best = trial, L
        yield EpochRecord(epoch, best, theta.copy())
