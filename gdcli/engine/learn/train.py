"""Mini-batch training for `fit` on float64 tensors, with the gradient derived by hand, by autograd or by nn.Module."""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from gdcli.engine.learn.search import search
from gdcli.engine.learn.spec import SEARCHES, EpochRecord, TrainSpec, check_spec
from gdcli.errors import UsageError


class Tensors:
    """The data in tensors, loaded once, and the model, loss and its derivatives compiled for torch."""

    def __init__(self, problem, data):
        import torch

        from gdcli.engine.learn.models import design, loss_parts
        from gdcli.expr.compile import TorchOps, compile_exprs

        self.torch = torch
        self.problem = problem
        ops = TorchOps()
        cols_np = [np.ascontiguousarray(data.column(f)) for f in problem.features]
        self.M = data.rows
        self.cols = [torch.from_numpy(c) for c in cols_np]
        self.T = torch.from_numpy(np.ascontiguousarray(problem.encode_targets(data.column(problem.target))))
        self.t = [self.T[:, k].contiguous() for k in range(self.T.shape[1])]
        self.mask = torch.from_numpy(problem.reg_mask.astype(float))
        self.mean = problem.loss != "sse"
        self.residual, row_loss, args, dloss = loss_parts(problem)
        self._loss = compile_exprs([row_loss], args, ops)
        self._loss_dloss = compile_exprs([row_loss, *dloss], args, ops)  # shares subexpressions between the two
        self.linear = problem.linear_in_params
        if self.linear:  # s_c = Φ_c θ + c_c: Φ evaluated once, then every epoch is two mat-vec products
            Phis, offsets = design(problem, cols_np)
            self.Phi = [torch.from_numpy(np.ascontiguousarray(P)) for P in Phis]
            if self.residual:
                offsets = [offsets[0] - data.column(problem.target)]
            self.offset = [torch.from_numpy(np.ascontiguousarray(o)) if o.any() or self.residual else None for o in offsets]
        else:
            syms = problem.feature_syms + problem.param_syms
            self._model = compile_exprs(list(problem.outputs), syms, ops)
            self._jac = compile_exprs([d for row in problem.jacobian for d in row], syms, ops)

    def _rows(self, v, m):
        torch = self.torch
        if isinstance(v, torch.Tensor) and v.shape == (m,):
            return v
        return torch.ones(m, dtype=torch.float64) * v

    def take(self, xs, idx):
        return xs if idx is None else [x if x is None else x[idx] for x in xs]

    def forward(self, theta, idx=None) -> list:
        """The loss's arguments at the rows idx (all rows when None): the residual, or the scores and targets."""
        if self.linear:
            torch = self.torch
            out = [P @ theta if o is None else torch.addmv(o, P, theta)
                   for P, o in zip(self.take(self.Phi, idx), self.take(self.offset, idx))]
            if self.residual:
                return out
        else:
            m = self.M if idx is None else len(idx)
            out = [self._rows(v, m) for v in self._model(*self.take(self.cols, idx), *theta.unbind())]
            if self.residual:
                return [out[0] - self.take(self.t, idx)[0]]
        return out + self.take(self.t, idx)

    def _total(self, l, theta):
        l = l.mean() if self.mean else l.sum()
        if self.problem.reg:
            l = l + self.problem.reg * (self.mask * theta * theta).sum()
        return l

    def loss(self, theta, idx=None):
        """The batch loss: mean (sum for sse) of the row losses, plus reg·Σ θ² over the penalised parameters."""
        (l,) = self._loss(*self.forward(theta, idx))
        return self._total(l, theta)

    def manual_loss_and_grad(self, theta, idx=None):
        """The chain rule written out: ∇θ L = (1/m) Σ_c J_cᵀ ∂l/∂s_c, with J = Φ for models linear in θ."""
        m = self.M if idx is None else len(idx)
        l, *deltas = self._loss_dloss(*self.forward(theta, idx))
        deltas = [self._rows(d, m) for d in deltas]
        if self.linear:
            g = sum(P.T @ d for P, d in zip(self.take(self.Phi, idx), deltas))
        else:
            J = self._jac(*self.take(self.cols, idx), *theta.unbind())  # tensors: torch ops refuse Python floats
            p = len(self.problem.params)
            g = self.torch.stack([self.torch.as_tensor(sum((d * J[c * p + j]).sum() for c, d in enumerate(deltas)),
                                                       dtype=self.torch.float64) for j in range(p)])
        g = g / m if self.mean else g
        if self.problem.reg:
            g = g + 2 * self.problem.reg * self.mask * theta
        return self._total(self._rows(l, m), theta), g


def _torch_optimizer(spec: TrainSpec, params):
    """The optax-style optimisers mapped to their torch.optim twins (same update rules and constants)."""
    import torch

    name, lr = spec.optimizer, spec.lr
    if name == "gd":
        return torch.optim.SGD(params, lr=lr)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=spec.momentum, nesterov=name == "nesterov")
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=spec.eps)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=spec.rmsprop_alpha, eps=spec.eps)
    if name == "adam":  # torch's fused kernel where it has one for these tensors (CPU since torch 2.4): the same
        params = list(params)  # rule in one pass, not a dozen tensor operations per parameter
        try:
            return torch.optim.Adam(params, lr=lr, betas=(spec.beta1, spec.beta2), eps=spec.eps, fused=True)
        except RuntimeError:
            return torch.optim.Adam(params, lr=lr, betas=(spec.beta1, spec.beta2), eps=spec.eps)
    raise UsageError(f"--optimizer {name} has no torch.optim twin; use --gradient manual or autograd for it")


def train(tensors: Tensors, theta0: np.ndarray, spec: TrainSpec) -> Iterator[EpochRecord]:
    """Yield one record per epoch (epoch 0 is the start). Shuffles each epoch with `spec.seed` when batching."""
    import torch

    check_spec(spec)

    if spec.optimizer in SEARCHES:  # derivative-free: no gradient, no optimiser state, only loss evaluations
        yield from search(tensors, theta0, spec)
        return
    M = tensors.M
    full = not spec.batch_size or spec.batch_size >= M
    gen = torch.Generator().manual_seed(int(spec.seed))
    theta = torch.tensor(np.asarray(theta0, dtype=float), dtype=torch.float64)

    if spec.gradient == "module":
        model = tensors.module(theta) if hasattr(tensors, "module") else _ExpressionModule(tensors, theta)
        opt = _torch_optimizer(spec, model.parameters())

        def step(idx):
            L = model(idx)
            opt.zero_grad()
            L.backward()
            opt.step()
            return L.detach()

        def current():
            return model.flat()
    else:
        hessian = None
        if spec.optimizer == "newton":
            state_idx = {"idx": None}

            def hessian(x):
                f = lambda th: tensors.loss(th, state_idx["idx"])  # noqa: E731
                return torch.autograd.functional.hessian(f, torch.as_tensor(np.asarray(x, dtype=float))).numpy()

        transform = spec.transform(hessian)
        box = {"theta": theta, "state": transform.init(theta)}

        def step(idx):
            th = box["theta"]
            if spec.optimizer == "newton":
                state_idx["idx"] = idx
            if spec.gradient == "manual":
                L, g = tensors.manual_loss_and_grad(th, idx)
            else:  # listing 3.2: backward, then an explicit update with gradient tracking off
                th = th.detach().requires_grad_(True)
                L = tensors.loss(th, idx)
                L.backward()
                g = th.grad
                th = th.detach()
            with torch.no_grad():
                u, box["state"] = transform.update(g, box["state"], th)
                box["theta"] = th + torch.as_tensor(u, dtype=torch.float64)
            return L.detach()

        def current():
            return box["theta"]

    def record(epoch):
        """The epoch's record from one pass over every row: a network's also counts its predictions and, at the
        last epoch, gives ‖∇θ L‖ (what `fit` reports at the end would otherwise cost further passes)."""
        theta = current()
        if hasattr(tensors, "evaluate"):
            L, counts, norm = tensors.evaluate(theta, grad=epoch == spec.epochs)
            return EpochRecord(epoch, L, theta.clone().numpy(), counts, norm)
        with torch.no_grad():
            return EpochRecord(epoch, float(tensors.loss(theta)), theta.clone().numpy())

    if full:  # one update per epoch, whose forward pass also gives the loss of the epoch before
        for epoch in range(1, spec.epochs + 1):
            before = current().clone()
            L = float(step(None))
            yield EpochRecord(epoch - 1, L, before.numpy())
            if not math.isfinite(L):
                return
        yield record(spec.epochs)
        return
    yield record(0)
    m = spec.batch_size
    for epoch in range(1, spec.epochs + 1):
        perm = torch.randperm(M, generator=gen)
        for k in range(0, M, m):
            step(perm[k:k + m])
        rec = record(epoch)
        yield rec
        if not math.isfinite(rec.loss):
            return


class _ExpressionModule:
    """Built lazily as a torch.nn.Module subclass so that importing this file does not import torch."""

    def __new__(cls, tensors, theta):
        import torch

        class ExpressionModel(torch.nn.Module):
            """Listing 3.5: the parameters as one nn.Parameter, the model expression as forward()."""

            def __init__(self):
                super().__init__()
                self.theta = torch.nn.Parameter(theta.clone())

            def forward(self, idx):
                return tensors.loss(self.theta, idx)

            def flat(self):
                return self.theta.detach()

        return ExpressionModel()
