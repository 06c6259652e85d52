"""An MLP epoch: `fit` (the engine's `fit()`, manual backprop and nn.Module) against a hand-written torch loop of
the same network (nn.Sequential, autograd, torch.optim.Adam), side by side, interleaved, medians.

Both sides do the same work per epoch: shuffle, mini-batch Adam steps, then the loss over all rows (the number
gdcli records per epoch). Both run with subnormal floats flushed, as `fit` trains networks, so the ratio is
gdcli's overhead and not the flush. gdcli's time is the whole `fit()` call (network, tensors, the loss over all
rows at the start as well, each epoch's train accuracy, the confusion matrix and ‖∇L‖ at the end), divided by the
epochs; the hand-written loop's tensors are made before its clock starts.

Run: .venv/bin/python benchmarks/mlp_epoch.py [--rows 1797] [--features 64] [--hidden 32] [--epochs 5] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch


def hand_written(X, y, hidden, classes, lr, epochs, batch, seed) -> float:
    torch.manual_seed(seed)
    X, y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], hidden, dtype=torch.float64), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, classes, dtype=torch.float64))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(X.shape[0], generator=gen)
        for k in range(0, X.shape[0], batch):
            idx = perm[k:k + batch]
            loss = loss_fn(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            float(loss_fn(model(X), y))  # the epoch's loss over all rows
    return (time.perf_counter() - start) / epochs


def gdcli_fit(data, features, hidden, lr, epochs, batch, seed, gradient) -> float:
    from gdcli.engine.learn.networks import build_network
    from gdcli.engine.learn.pipeline import fit
    from gdcli.engine.learn.spec import TrainSpec

    start = time.perf_counter()
    net = build_network(f"mlp:{hidden}", data, features, "y", None, 0.0)
    r = fit(net, data, TrainSpec(optimizer="adam", lr=lr, epochs=epochs, batch_size=batch, gradient=gradient,
                                 seed=seed))
    assert r.status == "done"
    return (time.perf_counter() - start) / epochs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1797)
    ap.add_argument("--features", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch threads for both sides (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from gdcli.engine.learn.data import Dataset
    from gdcli.engine.learn.datasets import apply_scale, digits, scaler

    if args.rows == 1797 and args.features == 64:
        data = digits()
        data = Dataset(data.columns[:-1] + ("y",), data.values, "digits")
    else:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((args.rows, args.features))
        y = np.argmax(X[:, :args.classes] + 0.5 * rng.standard_normal((args.rows, args.classes)), axis=1)
        data = Dataset(tuple(f"x{j}" for j in range(args.features)) + ("y",), np.column_stack([X, y]), "synthetic")
    features = data.columns[:-1]
    data = apply_scale(data, features, scaler(data, features, "standard"))
    X = np.ascontiguousarray(data.values[:, :-1])
    y = data.values[:, -1]
    classes = int(y.max()) + 1
    print(f"MLP {len(features)}-{args.hidden}-{classes} (relu), Adam, batch {args.batch}, {data.rows:,} rows, "
          f"{args.epochs} epochs, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"median of {args.repeats}, interleaved")
    times = {"hand": [], "manual": [], "module": []}
    torch.set_flush_denormal(True)
    try:
        for _ in range(args.repeats):
            times["hand"].append(hand_written(X, y, args.hidden, classes, 1e-3, args.epochs, args.batch, 0))
            for g in ("manual", "module"):
                times[g].append(gdcli_fit(data, features, args.hidden, 1e-3, args.epochs, args.batch, 0, g))
    finally:
        torch.set_flush_denormal(False)
    hand = statistics.median(times["hand"])
    print(f"hand-written torch loop   : {hand * 1e3:9.2f} ms/epoch")
    for g in ("manual", "module"):
        t = statistics.median(times[g])
        print(f"gdcli fit --gradient {g:6s}: {t * 1e3:9.2f} ms/epoch   ratio {t / hand:.2f}x   (bar: <= 1.15x)")


if __name__ == "__main__":
    main()
