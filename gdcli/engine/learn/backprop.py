"""A dense network's loss and gradient on torch float64 tensors, at three levels: backpropagation written out
(the matrix chain rule of gdcli/engine/learn/networks.py), torch autograd, and an nn.Module with torch.optim.

`NetTensors` has the interface `train()` uses for the symbolic models (`M`, `loss`, `manual_loss_and_grad`)
plus `module(theta)`, the torch.nn model that `--gradient module` trains.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


SMALL_BATCH = 4096  # rows per step up to which one thread is faster than several
BLOCK = 4096  # rows per block of a forward pass over every row: a block's activations stay in the cache


@contextmanager
def network_training(largest_batch: int):
    """The CPU settings a small network trains best under, restored afterwards.

    Subnormal floats (|x| < 2.2e-308) cost x86 a hundredfold per operation: a saturated softmax gives gradients
    whose squares are subnormal, and Adam's √v then took 3 ms a step on digits; they are flushed to zero (the
    parameters change by < 1e-300). And a step on a few thousand rows is too small to split across threads:
    on a busy 2-core machine torch's second thread made a digits epoch fifty times slower (19.6 s against
    0.4 s for 20 epochs at batch 32), so up to SMALL_BATCH rows per step training runs on one thread.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_flush_denormal(True)
    if largest_batch <= SMALL_BATCH:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(threads)


def row_loss(torch, loss: str, S, T):
    """l(S_i, T_i) for every row: S the scores (m, K), T the encoded targets (m, K) or (m, 1), or for
    cross-entropy over K classes the class indices (m,) (torch's fused log-softmax takes those)."""
    F = torch.nn.functional
    if loss == "mse":
        return ((S - T) ** 2).sum(1)
    if loss == "mae":
        return (S - T).abs().sum(1)
    if loss == "logistic":
        return F.softplus(-T * S).sum(1)
    if loss == "hinge":
        return torch.relu(1 - T * S).sum(1)
    if loss == "perceptron":
        return torch.relu(-T * S).sum(1)
    if loss == "cross-entropy":
        if S.shape[1] == 1:  # binary, T in {0, 1}: −[t log σ(s) + (1−t) log(1−σ(s))]
            return (F.softplus(S) - T * S).sum(1)
        return F.cross_entropy(S, T, reduction="none")  # log Σ_c exp(s_c) − s_y
    # multiclass-hinge (seed 002): Σ_{c≠y} max(0, s_c − s_y + 1)
    s_y = (S * T).sum(1, keepdim=True)
    return (torch.relu(S - s_y + 1) * (1 - T)).sum(1)


def batch_loss(torch, loss: str, S, T):
    """The mean of the row losses (cross-entropy over K classes through torch's fused kernel)."""
    if loss == "cross-entropy" and T.dim() == 1:
        return torch.nn.functional.cross_entropy(S, T)
    return row_loss(torch, loss, S, T).mean()


def row_loss_grad(torch, loss: str, S, T):
    """∂l/∂S (m, K), written out; at a kink the subgradient torch's relu and abs take (0 on the kink)."""
    if loss == "mse":
        return 2 * (S - T)
    if loss == "mae":
        return torch.sign(S - T)
    if loss == "logistic":
        return -T * torch.sigmoid(-T * S)
    if loss == "hinge":
        return -T * (1 - T * S > 0)
    if loss == "perceptron":
        return -T * (-T * S > 0)
    if loss == "cross-entropy":
        if S.shape[1] == 1:
            return torch.sigmoid(S) - T
        P = torch.softmax(S, 1)  # softmax(S) − onehot(y)
        P[torch.arange(S.shape[0]), T] -= 1
        return P
    active = (S - (S * T).sum(1, keepdim=True) + 1 > 0) * (1 - T)  # the classes inside the margin
    return active - T * active.sum(1, keepdim=True)


def activate(torch, name: str, Z):
    return torch.relu(Z) if name == "relu" else torch.tanh(Z) if name == "tanh" else torch.sigmoid(Z)


def activate_grad(name: str, Z, A):
    """σ'(Z) from Z and A = σ(Z): relu (Z > 0), tanh 1 − A², sigmoid A(1 − A)."""
    if name == "relu":
        return Z > 0
    return 1 - A * A if name == "tanh" else A * (1 - A)


class NetTensors:
    """The data of one split as tensors, and the network's batch loss and gradient at θ."""

    def __init__(self, net, data):
        import torch

        self.torch = torch
        self.problem = net
        self.M = data.rows
        self._data, self._X = data, None
        cols = [data.columns.index(f) for f in net.features]
        values = data.values
        if cols == list(range(cols[0], cols[0] + len(cols))) and values.dtype == np.float64 and values.flags.writeable:
            # the features side by side: their rows in the data's own memory, with no (M, d) copy (fresh memory
            # that size took 10 to 170 ms to fault in, on the shared machine, for a 10^5 × 64 epoch of 250 ms)
            self.Xrows = torch.from_numpy(values[:, cols[0]:cols[0] + len(cols)])
        else:
            self.Xrows = self.X
        T = np.ascontiguousarray(net.encode_targets(data.column(net.target)))
        if net.loss == "cross-entropy" and net.outputs > 1:  # one-hot rows -> class indices
            T = T.argmax(1)
        self.T = torch.from_numpy(T)
        self.layers = net.slices()
        self.truth = None  # a classifier's true class index of every row, to count its predictions by
        if net.classes is not None:
            y = data.column(net.target)
            index = np.searchsorted(np.asarray(net.classes), y)
            if np.array_equal(np.asarray(net.classes)[np.minimum(index, len(net.classes) - 1)], y):
                self.truth = index  # (a label outside the classes leaves the counting to metrics.py)

    @property
    def X(self):
        """Every row's features as one contiguous (M, d) tensor, made when first asked for (a full-batch step, a
        landscape); mini-batches gather their rows from `Xrows`, and a pass over every row copies it by blocks."""
        if self._X is None:
            from gdcli.engine.learn.networks import feature_matrix

            self._X = self.torch.from_numpy(feature_matrix(self._data, self.problem.features))
        return self._X

    def _take(self, idx):
        return (self.X, self.T) if idx is None else (self.Xrows[idx], self.T[idx])

    def unpack(self, theta):
        """Views of θ as [(W_1, b_1), …]: no copies, so autograd reaches θ through them."""
        return [(theta[w].view(shape), theta[b]) for w, shape, b in self.layers]

    def _penalty(self, Ws):
        return self.problem.reg * sum((W * W).sum() for W in Ws)

    def predict_scores(self, theta) -> np.ndarray:
        """S at θ for every row of this split, as NumPy (the forward pass without a graph)."""
        with self.torch.no_grad():
            return self.scores(self.torch.from_numpy(np.asarray(theta, dtype=float)), self.X).numpy()

    def scores(self, theta, X):
        A = X
        layers = self.unpack(theta)
        for k, (W, b) in enumerate(layers):
            A = self.torch.addmm(b, A, W.T)
            if k < len(layers) - 1:
                A = activate(self.torch, self.problem.activation, A)
        return A

    def loss(self, theta, idx=None):
        """(1/m) Σ_i l(S_i, T_i) + reg·Σ‖W‖²: autograd differentiates this."""
        X, T = self._take(idx)
        L = batch_loss(self.torch, self.problem.loss, self.scores(theta, X), T)
        return L + self._penalty([W for W, _ in self.unpack(theta)]) if self.problem.reg else L

    def evaluate(self, theta, grad: bool = False):
        """What an epoch's end records, from one pass over every row at θ: the loss (the number `loss` gives), a
        classifier's (true, predicted) class counts (None for regression) and, with `grad`, ‖∇θ L‖ (else None).

        The pass goes block by block, so that a block's activations stay in the cache: the scores are row by row
        those of one pass over all rows, and the loss is taken over all of them at once; the gradient is the sum
        of the blocks' gradients."""
        torch = self.torch
        theta = torch.as_tensor(theta, dtype=torch.float64)
        layers = self.unpack(theta)
        S = torch.empty(self.M, self.problem.outputs, dtype=torch.float64)
        total = None
        with torch.no_grad():
            for block in self.blocks():
                X = self.Xrows[block].contiguous()
                if not grad:
                    S[block] = self.scores(theta, X)
                    continue
                S[block], grads = self._chain_rule(layers, X, self.T[block], self.M)
                total = grads if total is None else [t.add_(g) for t, g in zip(total, grads)]
            L = batch_loss(torch, self.problem.loss, S, self.T)
            if self.problem.reg:
                L = L + self._penalty([W for W, _ in layers])
            norm = None if total is None else float(torch.linalg.vector_norm(self._gradient(total, layers)))
        return float(L), self.counts(S.numpy()), norm

    def blocks(self) -> list[slice]:
        """Every row, in order, in blocks of about equal size (at most BLOCK + 63 rows) that start at multiples of
        64 rows: MKL then gives every row the scores a pass over all rows gives (measured over 216 shapes, where a
        last block of a few rows, or blocks starting anywhere, changed the last bit of some scores)."""
        n = -(-self.M // BLOCK)
        edges = [self.M * i // n // 64 * 64 for i in range(n)] + [self.M]
        return [slice(a, b) for a, b in zip(edges, edges[1:])]

    def counts(self, S: np.ndarray) -> np.ndarray | None:
        """(K, K) counts of (true class, predicted class) over the rows of S, as metrics.confusion counts them."""
        if self.truth is None:
            return None
        from gdcli.engine.learn.networks import class_counts

        classes = np.asarray(self.problem.classes)
        return class_counts(self.truth, np.searchsorted(classes, self.problem.predict_class(S)), len(classes))

    def manual_loss_and_grad(self, theta, idx=None):
        """Backpropagation: the forward pass keeps every Z_l and A_l, the backward pass is the chain rule."""
        X, T = self._take(idx)
        layers = self.unpack(theta)
        S, grads = self._chain_rule(layers, X, T, X.shape[0])
        L = batch_loss(self.torch, self.problem.loss, S, T)
        if self.problem.reg:
            L = L + self._penalty([W for W, _ in layers])
        return L, self._gradient(grads, layers)

    def _chain_rule(self, layers, X, T, m: int):
        """The scores S of the rows X and [∂W_1, ∂b_1, ∂W_2, …] of (1/m) Σ_i l(S_i, T_i) over them (no penalty);
        with m the rows of all blocks, the blocks' gradients add up to the gradient over all rows."""
        torch = self.torch
        act = self.problem.activation
        As, Zs = [X], []
        for k, (W, b) in enumerate(layers):
            Z = torch.addmm(b, As[-1], W.T)  # Z_l = A_{l−1} W_lᵀ + b_l
            Zs.append(Z)
            if k < len(layers) - 1:
                As.append(activate(torch, act, Z))  # A_l = σ(Z_l)
        S = Zs[-1]
        G = row_loss_grad(torch, self.problem.loss, S, T) / m  # G_L = ∂L/∂S
        grads = []
        for k in range(len(layers) - 1, -1, -1):
            W, _ = layers[k]
            grads += [G.sum(0), G.T @ As[k]]  # ∂L/∂b_l = Σ_i G_l[i], ∂L/∂W_l = G_lᵀ A_{l−1}
            if k:
                G = (G @ W) * activate_grad(act, Zs[k - 1], As[k])  # G_{l−1} = (G_l W_l) ⊙ σ'(Z_{l−1})
        return S, grads[::-1]

    def _gradient(self, grads, layers):
        """θ's gradient, flat, from the chain rule's [∂W_1, ∂b_1, …] and the penalty's 2·reg·W_l."""
        if self.problem.reg:
            grads = [g + 2 * self.problem.reg * layers[i // 2][0] if i % 2 == 0 else g for i, g in enumerate(grads)]
        return self.torch.cat([g.reshape(-1) for g in grads])

    def module(self, theta):
        """Listing 3.5 for networks: nn.Linear layers (weights copied from θ) in an nn.Sequential."""
        torch = self.torch
        net = self.problem
        mods = []
        for k, (W, b) in enumerate(self.unpack(torch.as_tensor(theta, dtype=torch.float64))):
            lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(W)
                lin.bias.copy_(b)
            mods.append(lin)
            if k < len(self.layers) - 1:
                mods.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[net.activation]())
        return _NetModule(torch.nn.Sequential(*mods), self)


class _NetModule:
    """Built lazily as a torch.nn.Module subclass so that importing this file does not import torch."""

    def __new__(cls, seq, tensors):
        import torch

        class NetModel(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.seq = seq

            def forward(self, idx):
                X, T = tensors._take(idx)
                L = batch_loss(torch, tensors.problem.loss, self.seq(X), T)
                if tensors.problem.reg:
                    L = L + tensors._penalty([m.weight for m in self.seq if isinstance(m, torch.nn.Linear)])
                return L

            def flat(self):
                return torch.cat([p.detach().reshape(-1) for p in self.seq.parameters()])

        return NetModel()
