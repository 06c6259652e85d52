"""Full-batch GD per-epoch time: `gdcli fit` (manual gradient) against a hand-written torch loop, side by side.

Run: PYTHONPATH=$PWD python benchmarks/fit_epoch.py [--rows 1000000] [--features 10] [--epochs 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def hand_written(X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int) -> tuple[float, np.ndarray]:
    """Listing 3.1 for k features: forward, MSE, the gradient by calculus, the update."""
    M, k = X.shape
    w = torch.zeros(k, dtype=torch.float64)
    b = torch.zeros((), dtype=torch.float64)
    start = time.perf_counter()
    for _ in range(epochs):
        r = X @ w + b - y
        loss = (r * r).mean()
        w_grad = 2 * (X.T @ r) / M
        b_grad = 2 * r.mean()
        w = w - lr * w_grad
        b = b - lr * b_grad
        float(loss)  # the per-epoch loss that gdcli also records
    return (time.perf_counter() - start) / epochs, np.concatenate([[float(b)], w.numpy()])


def gdcli_fit(data, lr: float, epochs: int, gradient: str = "manual") -> tuple[float, np.ndarray, float]:
    from gdcli.engine.learn.models import build_problem
    from gdcli.engine.learn.spec import TrainSpec
    from gdcli.engine.learn.train import Tensors, train

    features = data.columns[:-1]
    start = time.perf_counter()
    problem = build_problem("linear", data, features, "y", "mse", 0.0)
    tensors = Tensors(problem, data)  # the data goes into tensors once
    setup = time.perf_counter() - start
    spec = TrainSpec(optimizer="gd", lr=lr, epochs=epochs, gradient=gradient)
    start = time.perf_counter()
    last = None
    for last in train(tensors, np.zeros(len(problem.params)), spec):
        pass
    per_epoch = (time.perf_counter() - start) / epochs
    # gdcli orders parameters naturally: b, w1, ..., wk
    return per_epoch, last.params, setup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from gdcli.engine.learn.data import Dataset

    rng = np.random.default_rng(0)
    M, k = args.rows, args.features
    X = rng.standard_normal((M, k))
    y = X @ np.arange(1, k + 1) + 2.73 + 0.5 * rng.standard_normal(M)
    data = Dataset(tuple(f"x{j + 1}" for j in range(k)) + ("y",), np.column_stack([X, y]), "benchmark")
    Xt, yt = torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(y)
    lr = 0.1

    print(f"full-batch GD, {M:,} rows x {k} features, {args.epochs} epochs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; best of {args.repeats}")
    ours, ref, auto = [], [], []
    for _ in range(args.repeats):  # interleaved so that machine load hits both alike
        t_ref, p_ref = hand_written(Xt, yt, lr, args.epochs)
        t_ours, p_ours, setup = gdcli_fit(data, lr, args.epochs)
        t_auto, _, _ = gdcli_fit(data, lr, args.epochs, "autograd")
        ref.append(t_ref)
        ours.append(t_ours)
        auto.append(t_auto)
    assert np.allclose(p_ref, p_ours, rtol=1e-9, atol=1e-9), (p_ref, p_ours)
    print(f"hand-written torch loop : {min(ref) * 1e3:8.2f} ms/epoch")
    print(f"gdcli fit (manual)      : {min(ours) * 1e3:8.2f} ms/epoch   (one-off setup {setup:.2f} s)")
    print(f"gdcli fit (autograd)    : {min(auto) * 1e3:8.2f} ms/epoch")
    print(f"ratio gdcli/hand-written: {min(ours) / min(ref):.2f}x   (bar: <= 1.3x)")
    print(f"ratio autograd/hand     : {min(auto) / min(ref):.2f}x")
    print(f"same parameters after {args.epochs} epochs: max |diff| = {np.max(np.abs(p_ref - p_ours)):.2e}")


if __name__ == "__main__":
    main()
