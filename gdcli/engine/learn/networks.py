"""Dense networks for `fit`: multilayer perceptrons and the linear classifiers (softmax, multiclass SVM, ADALINE,
perceptron, logistic) as layers of weights, with backpropagation written out as the matrix chain rule.

A network maps a batch X (m, d) through layers l = 1..L:
    Z_l = A_{l−1} W_lᵀ + b_l,   A_0 = X,   A_l = σ(Z_l) for the hidden layers,   S = Z_L (the scores).
The batch loss is L = (1/m) Σ_i l(S_i, T_i) + reg·Σ_l ‖W_l‖², and backpropagation is the chain rule in matrices:
    G_L = ∂L/∂Z_L = (1/m) ∂l/∂S,
    ∂L/∂W_l = G_lᵀ A_{l−1} + 2·reg·W_l,   ∂L/∂b_l = Σ_i G_l[i],
    G_{l−1} = (G_l W_l) ⊙ σ'(Z_{l−1}).
The parameters live in one flat vector θ = [W_1 (row-major, out × in), b_1, W_2, b_2, …], the layout of
torch.nn.Linear, so the three gradient levels of `fit` (manual, autograd, module) train the same θ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdcli.errors import DataError, UsageError

ACTIVATIONS = ("relu", "tanh", "sigmoid")
DENSE_MODELS = ("softmax", "adaline")  # always dense; `mlp:H1,..` too; svm/perceptron/logistic on many features
NET_LOSSES = {"regression": ("mse", "mae"), "binary": ("logistic", "cross-entropy", "hinge", "perceptron", "mse"),
              "multiclass": ("cross-entropy", "multiclass-hinge")}
SIGNED = ("logistic", "hinge", "perceptron", "mse")  # on two classes these want targets −1/+1
MANY_FEATURES = 8  # above this, svm/perceptron/logistic train as a dense layer (the symbolic path is slow)


def parse_hidden(model: str) -> tuple[int, ...]:
    """`mlp:32` or `mlp:64,32` -> the hidden layer sizes."""
    parts = [p.strip() for p in model[4:].split(",")]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise UsageError(f"--model mlp:H1[,H2,…] needs whole-number layer sizes; got '{model}'") from None
    if not sizes or any(h < 1 for h in sizes):
        raise UsageError(f"--model {model}: every hidden layer needs at least 1 unit")
    return sizes


def is_dense(model: str, n_features: int) -> bool:
    return (model.startswith("mlp:") or model in DENSE_MODELS
            or model in ("svm", "perceptron", "logistic") and n_features > MANY_FEATURES)


@dataclass(frozen=True, eq=False)
class Network:
    """The architecture, loss and label coding of a dense model; the parameters are a flat vector θ."""

    model: str  # as shown: "mlp 64-32-10 (relu)", "softmax 64-10"
    sizes: tuple[int, ...]  # (d, H1, …, K)
    activation: str
    loss: str
    reg: float
    features: tuple[str, ...]
    target: str
    classes: tuple[float, ...] | None
    params: tuple[str, ...]  # names, in the layout of θ
    init_scheme: str  # "he", "xavier" or "normal" (the linear models start as the symbolic path does)
    init_order: tuple[int, ...]  # for "normal": the θ index of each standard-normal draw, in the names' sort order

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [(self.sizes[k + 1], self.sizes[k]) for k in range(len(self.sizes) - 1)]

    @property
    def outputs(self) -> int:
        return self.sizes[-1]

    @property
    def init_text(self) -> str:
        return {"he": "He normal: W ~ N(0, 2/fan_in), b = 0",
                "xavier": "Xavier (Glorot) normal: W ~ N(0, 2/(fan_in + fan_out)), b = 0",
                "normal": "standard normal"}[self.init_scheme]

    def slices(self):
        """(W slice, shape, b slice) for every layer, in θ."""
        o, out = 0, []
        for shape in self.shapes:
            n = shape[0] * shape[1]
            out.append((slice(o, o + n), shape, slice(o + n, o + n + shape[0])))
            o += n + shape[0]
        return out

    def initial(self, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        theta = np.zeros(len(self.params))
        if self.init_scheme == "normal":
            theta[list(self.init_order)] = rng.standard_normal(len(self.params))
            return theta
        for w, (fan_out, fan_in), _ in self.slices():
            var = 2.0 / fan_in if self.init_scheme == "he" else 2.0 / (fan_in + fan_out)
            theta[w] = rng.standard_normal(fan_out * fan_in) * math.sqrt(var)
        return theta

    def encode_targets(self, y: np.ndarray) -> np.ndarray:
        """(M, T): the value (regression), ±1 or 0/1 (two classes, one output), or one-hot (K outputs)."""
        if self.classes is None:
            return y[:, None].astype(float)
        index = np.searchsorted(np.asarray(self.classes), y)
        if self.outputs > 1:
            return np.eye(len(self.classes))[index]
        return (np.where(index == 1, 1.0, -1.0) if self.loss in SIGNED else index.astype(float))[:, None]

    def predict_class(self, scores: np.ndarray) -> np.ndarray:
        cls = np.asarray(self.classes)
        if scores.shape[1] == 1:  # ±1 targets and the 0/1 of cross-entropy both split at score 0
            return cls[(scores[:, 0] > 0).astype(int)]
        return cls[np.argmax(scores, axis=1)]

    def scores(self, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """The forward pass in NumPy (no torch): S (M, K)."""
        A = X
        layers = self.slices()
        with np.errstate(all="ignore"):
            for k, (w, shape, b) in enumerate(layers):
                Z = A @ theta[w].reshape(shape).T + theta[b]
                A = _activate_np(self.activation, Z) if k < len(layers) - 1 else Z
        return A


def feature_matrix(data, features) -> np.ndarray:
    """The feature columns as one C-ordered (M, d) array: one gather, not d strided column copies (np.take:
    a fancy index over columns copies element by element, five times slower at 10^5 rows)."""
    return np.ascontiguousarray(np.take(data.values, [data.columns.index(f) for f in features], axis=1), dtype=float)


def _activate_np(name: str, Z):
    if name == "relu":
        return np.maximum(Z, 0.0)
    if name == "tanh":
        return np.tanh(Z)
    return 0.5 * (1.0 + np.tanh(0.5 * Z))  # σ(z) without overflow


def infer_task(y: np.ndarray) -> str:
    """Integer labels with at most 20 distinct values are classes; anything else is a quantity to regress."""
    values = np.unique(y)
    return "classification" if np.all(values == np.round(values)) and 2 <= values.size <= 20 else "regression"


def build_network(model: str, data, features: tuple[str, ...], target: str, loss: str | None, reg: float,
                  activation: str = "relu", task: str | None = None) -> Network:
    """An MLP (`mlp:H1,H2`), or a linear classifier as one dense layer, checked against the data."""
    from gdcli.expr import natural_key

    if activation not in ACTIVATIONS:
        raise UsageError(f"--activation must be one of {', '.join(ACTIVATIONS)}; got '{activation}'")
    if reg < 0:
        raise UsageError("--reg must be >= 0")
    if task not in (None, "regression", "classification"):
        raise UsageError(f"--task must be regression or classification; got '{task}'")
    hidden = parse_hidden(model) if model.startswith("mlp:") else ()
    y = data.column(target)
    task = task or ("classification" if model in ("softmax", "svm", "adaline", "perceptron", "logistic")
                    else infer_task(y))
    d = len(features)
    classes = None
    if task == "classification":
        classes = tuple(float(c) for c in np.unique(y))
        if len(classes) < 2:
            raise DataError(f"'{target}' has a single class; nothing to separate")
        if len(classes) > 1000:
            raise DataError(f"'{target}' has {len(classes)} distinct values: too many classes (use --task regression)")
    elif not model.startswith("mlp:"):
        raise UsageError(f"--model {model} is a classifier; --task regression needs mlp:H or a regression model")
    kind = "regression" if classes is None else "binary" if len(classes) == 2 else "multiclass"
    default = {"softmax": "cross-entropy", "svm": "multiclass-hinge", "adaline": "mse", "perceptron": "perceptron",
               "logistic": "logistic"}.get(model, {"regression": "mse", "binary": "logistic",
                                                   "multiclass": "cross-entropy"}[kind])
    loss = loss or default
    if model in ("adaline", "perceptron", "logistic") and kind != "binary":
        raise DataError(f"--model {model} needs two classes in '{target}'; found {len(classes)}")
    per_class = model in ("softmax", "svm")  # one score per class, also for two classes
    allowed = ("cross-entropy", "multiclass-hinge") if per_class else NET_LOSSES[kind]
    if loss not in allowed:
        raise UsageError(f"--loss {loss} does not fit --model {model} on a {kind} task; use one of {', '.join(allowed)}")
    k = len(classes) if kind == "multiclass" or per_class else 1
    sizes = (d, *hidden, k)
    if hidden:
        names = []
        for layer, (o, n) in enumerate((sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)):
            names += [f"W{layer + 1}[{i},{j}]" for i in range(o) for j in range(n)]
            names += [f"b{layer + 1}[{i}]" for i in range(o)]
        scheme = "he" if activation == "relu" else "xavier"
        label = f"mlp {'-'.join(map(str, sizes))} ({activation})"
    else:  # the symbolic path's names (w1.., b; w{c}_{j}, b{c}) so that the two paths agree
        if k == 1:
            names = [f"w{j + 1}" if d > 1 else "w" for j in range(d)] + ["b"]
        else:
            names = [f"w{c}_{j + 1}" for c in range(k) for j in range(d)] + [f"b{c}" for c in range(k)]
        scheme = "normal"
        label = f"{model} {d}-{k}"
    order = sorted(range(len(names)), key=lambda i: natural_key(names[i])) if scheme == "normal" else ()
    return Network(label, sizes, activation, loss, float(reg), tuple(features), target, classes, tuple(names),
                   scheme, tuple(order))


def class_counts(true: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """(k, k) counts of (true, predicted) class index pairs: rows the true classes, columns the predictions."""
    return np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
