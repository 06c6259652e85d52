"""MADALINE for `fit`: H ADALINE units (a linear sum, then its sign) voting at a fixed output unit, trained by
Madaline Rule II (Winter & Widrow 1988; Widrow & Lehr 1990), seed 004's greedy "minimal disturbance" search.

Signs: sgn(v) = +1 for v > 0 and −1 otherwise, for the hidden units and for the output alike. The output unit is
fixed (it has no weights): the majority vote y = sgn(Σ_h a_h), so a tie (an even H) is −1. For H = 2 it is
AND, the fixed logic element of Widrow & Lehr's two-ADALINE MADALINE, and XOR is the band between two lines.

MRII visits the training patterns one at a time (a seeded order each epoch); a pattern the network gets right is
left alone. For one it gets wrong, x̃ = (x, 1) with target t = ±1:
  1. the hidden units are sorted by |z_h| = |w_h·x̃|, nearest 0 first: the least confident, whose reversal
     needs the smallest weight change and so disturbs the answers to the other patterns least;
  2. trial: unit h is reversed by the α-LMS step toward d_h = −a_h, w_h ← w_h + α(d_h − z_h)·x̃/|x̃|², which
     moves its net the fraction α of the way to d_h (α = 1: exactly to d_h, a sure reversal; α < 1 reverses
     only a unit with |z_h| < α/(1 − α)); the trial is kept if the network's error on x falls (with one output,
     if x is now right), otherwise w_h is restored, and the next unit is tried;
  3. when no single reversal can correct x (the vote is off by more than one unit), sets are reversed: the k
     units nearest 0 among those voting against t, from the least k that can turn the majority upward. These
     are MRII's pairs, triples, …: a set holding a unit that already votes for t corrects nothing that its
     other members alone would not, and any k units voting against t move the vote alike.
The error is the 0-1 loss, the fraction of rows misclassified: MRII never differentiates it (it has no slope).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from gdcli.engine.learn.networks import feature_matrix
from gdcli.engine.learn.spec import EpochRecord
from gdcli.errors import DataError, UsageError

RULE = "mrii"  # reported as the optimizer
MAX_UNITS = 10_000  # MRII sorts and tries the units for every wrong pattern; more units than this is no MADALINE


def parse_units(model: str) -> int:
    """`madaline:H` -> H, the number of hidden ADALINE units."""
    try:
        h = int(model[len("madaline:"):].strip())
    except ValueError:
        raise UsageError(f"--model madaline:H needs a whole number of hidden units; got '{model}'") from None
    if not 1 <= h <= MAX_UNITS:
        raise UsageError(f"--model {model}: H must be between 1 and {MAX_UNITS:,} hidden units")
    return h


def check_alpha(alpha: float) -> None:
    """α-LMS is stable for 0 < α < 2 (each step shrinks the error on its pattern by the factor |1 − α|)."""
    if not 0 < alpha < 2:
        raise UsageError(f"--lr is MRII's α-LMS step α for --model madaline:H and must be in (0, 2); got {alpha:g}")


def sgn(v) -> np.ndarray:
    return np.where(np.asarray(v) > 0, 1.0, -1.0)


@dataclass(frozen=True, eq=False)
class Madaline:
    """H ADALINE units and a fixed majority-vote output; θ = [w_1, b_1, w_2, b_2, …], unit after unit."""

    model: str  # as shown: "madaline 2-2-1 (MRII)"
    hidden: int
    features: tuple[str, ...]
    target: str
    classes: tuple[float, float]
    params: tuple[str, ...]
    loss: str = "0-1"  # the fraction of rows misclassified
    reg: float = 0.0
    activation: str = "sign; output: majority vote, a tie −1"
    init_text: str = "standard normal"

    @property
    def sizes(self) -> tuple[int, int, int]:
        return (len(self.features), self.hidden, 1)

    @property
    def outputs(self) -> int:
        return 1

    def weights(self, theta) -> np.ndarray:
        """θ as W (H, d + 1): row h is unit h's weights and, last, its bias (the weight of the input 1)."""
        return np.asarray(theta, dtype=float).reshape(self.hidden, len(self.features) + 1)

    def encode_targets(self, y: np.ndarray) -> np.ndarray:
        """(M, 1): −1 for the first class, +1 for the second."""
        return np.where(np.searchsorted(np.asarray(self.classes), y) == 1, 1.0, -1.0)[:, None]

    def scores(self, X: np.ndarray, theta) -> np.ndarray:
        """The output unit's input Σ_h sgn(z_h) for every row of X (M, d): (M, 1), its sign is the class."""
        W = self.weights(theta)
        with np.errstate(all="ignore"):
            Z = X @ W[:, :-1].T + W[:, -1]
        return sgn(Z).sum(axis=1, keepdims=True)

    def predict_class(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(self.classes)[(scores[:, 0] > 0).astype(int)]  # a tie (0) is the first class, −1


def build_madaline(model: str, data, features: tuple[str, ...], target: str, task: str | None = None) -> Madaline:
    """`madaline:H` on two classes of the data (the first is −1, the second +1)."""
    h = parse_units(model)
    if task == "regression":
        raise UsageError(f"--model {model} is a classifier (its output is a sign); --task regression needs mlp:H "
                         "or a regression model")
    if task not in (None, "classification"):
        raise UsageError(f"--task must be regression or classification; got '{task}'")
    classes = tuple(float(c) for c in np.unique(data.column(target)))
    if len(classes) < 2:
        raise DataError(f"'{target}' has a single class; nothing to separate")
    if len(classes) > 2:
        raise DataError(f"--model {model} needs two classes in '{target}' (its output is one sign); "
                        f"found {len(classes)}")
    d = len(features)
    names = tuple(n for u in range(1, h + 1) for n in [f"w{u}_{j}" for j in range(1, d + 1)] + [f"b{u}"])
    return Madaline(f"madaline {d}-{h}-1 (MRII)", h, tuple(features), target, classes, names)


class Arrays:
    """One split's rows with the bias input, x̃ = (x, 1), and their targets ±1; the 0-1 loss and the votes at θ."""

    def __init__(self, net: Madaline, data):
        self.problem = net
        self.M = data.rows
        X = feature_matrix(data, net.features)
        self.X = np.hstack([X, np.ones((self.M, 1))])
        with np.errstate(over="ignore"):
            big = ~np.isfinite(np.einsum("ij,ij->i", self.X, self.X))
        if big.any():  # the α-LMS step divides by |x̃|²: it must be a number
            raise DataError(f"row {int(np.argmax(big)) + 1} of the data is too large for the α-LMS step (|x̃|² "
                            "overflows); rescale the data, e.g. --scale standard")
        self.t = net.encode_targets(data.column(net.target))[:, 0]

    def predict_scores(self, theta) -> np.ndarray:
        return self.problem.scores(self.X[:, :-1], theta)

    def loss(self, theta) -> float:
        """The fraction of rows whose vote is not their target."""
        return float(np.mean(sgn(self.predict_scores(theta)[:, 0]) != self.t))


def vote(a: np.ndarray) -> float:
    """The fixed output unit: the majority of the hidden signs, a tie −1."""
    return 1.0 if a.sum() > 0 else -1.0


def reverse(W: np.ndarray, x: np.ndarray, units, alpha: float) -> np.ndarray:
    """A copy of W with each unit in `units` moved by α-LMS toward the opposite of its sign on x̃:
    w_h + α(d_h − z_h)·x̃/|x̃|², d_h = −sgn(z_h)."""
    units = list(units)
    out = W.copy()
    z = W[units] @ x
    out[units] += (alpha * (-sgn(z) - z))[:, None] * x / (x @ x)
    return out


@dataclass(frozen=True)
class Step:
    """One MRII adaptation on one pattern: the trial sets in the order tried, and the one kept (None: none)."""

    tried: tuple[tuple[int, ...], ...]
    kept: tuple[int, ...] | None


def mr_step(W: np.ndarray, x: np.ndarray, t: float, alpha: float) -> tuple[np.ndarray, Step]:
    """MRII on the pattern x̃ (the bias input last) with target t = ±1: the new W (H, d + 1), and the trials.
    W itself is never changed; a restored trial leaves the returned W equal to it."""
    z = W @ x
    a = sgn(z)
    if vote(a) == t:
        return W, Step((), None)
    order = np.argsort(np.abs(z), kind="stable")  # nearest 0 first; ties by unit number
    # Single reversals, in that order. A restored trial changes nothing, so the trials are independent and all
    # are scored at once: reversing h alone turns its net into z_h + α(d_h − z_h) (what the α-LMS step gives:
    # Δw·x̃ = α(d − z)) and the vote into Σa − a_h + sgn(that); the first one in order that corrects x is kept.
    single = sgn(z + alpha * (-a - z))
    fixes = np.where(a.sum() - a + single > 0, 1.0, -1.0) == t
    hits = np.flatnonzero(fixes[order])
    if hits.size:
        h = int(order[hits[0]])
        return reverse(W, x, [h], alpha), Step(tuple((int(u),) for u in order[:hits[0] + 1]), (h,))
    tried = [(int(u),) for u in order]
    wrong = [int(u) for u in order if a[u] != t]
    plus, half = int(np.sum(a > 0)), len(a) // 2
    need = half + 1 - plus if t > 0 else plus - half  # reversals of wrong votes that turn the majority
    # Reversing the set wrong[:k] moves each of its units alone (its own weights), so the vote is known without
    # trying it: Σa plus the cumulative change of the first k units' signs. The first k ≥ max(2, need) that turns
    # the vote is the set MRII keeps; O(H) for all k, not a trial copy of W per set.
    votes = a.sum() + np.cumsum(single[wrong] - a[wrong])
    first = max(2, need)
    turned = np.flatnonzero(np.where(votes[first - 1:] > 0, 1.0, -1.0) == t) if first <= len(wrong) else []
    if len(turned):
        k = first + int(turned[0])
        return reverse(W, x, wrong[:k], alpha), Step(tuple(tried) + _sets(wrong, first, k), tuple(wrong[:k]))
    return W, Step(tuple(tried) + _sets(wrong, first, len(wrong)), None)


def _sets(wrong, first: int, last: int, shown: int = 64) -> tuple:
    """The sets tried, wrong[:first] … wrong[:last], for the record: the first `shown` of them (H may be large)."""
    return tuple(tuple(wrong[:k]) for k in range(first, min(last, first + shown - 1) + 1))


def train(arrays: Arrays, theta0: np.ndarray, spec) -> Iterator[EpochRecord]:
    """MRII for `spec.epochs` passes over the rows in a seeded order; one record per epoch (epoch 0 is the start)."""
    check_alpha(spec.lr)
    net = arrays.problem
    W = net.weights(theta0).copy()
    rng = np.random.default_rng([int(spec.seed), 0x4D52])  # the visiting order: a stream apart from --init's draw
    yield EpochRecord(0, arrays.loss(W.ravel()), W.ravel().copy())
    for epoch in range(1, spec.epochs + 1):
        order = rng.permutation(arrays.M)
        if arrays.loss(W.ravel()) > 0:  # a pass over rows that are all right changes nothing: skip it
            for i in order:
                W, _ = mr_step(W, arrays.X[i], arrays.t[i], spec.lr)
        yield EpochRecord(epoch, arrays.loss(W.ravel()), W.ravel().copy())
