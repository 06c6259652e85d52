"""What a trained model is worth: scores, accuracy, confusion matrices and the per-epoch train/test record."""

from __future__ import annotations

import numpy as np

from gdcli.engine.learn.networks import Network, class_counts, feature_matrix


def make_tensors(problem, data):
    """The torch side of training for either kind of model: a dense network, or a symbolic model."""
    if isinstance(problem, Network):
        from gdcli.engine.learn.backprop import NetTensors

        return NetTensors(problem, data)
    from gdcli.engine.learn.train import Tensors

    return Tensors(problem, data)


def scores(problem, data, theta: np.ndarray, tensors=None) -> np.ndarray:
    """The model's outputs (M, K) at θ, in NumPy; a network's through its tensors of `data` when given."""
    if tensors is not None and hasattr(tensors, "predict_scores"):
        return tensors.predict_scores(theta)
    if hasattr(problem, "scores"):  # a dense network or a MADALINE: its forward pass in NumPy
        return problem.scores(feature_matrix(data, problem.features), np.asarray(theta, float))
    from gdcli.engine.learn.models import evaluate

    return np.column_stack(evaluate(problem, problem.outputs, [data.column(f) for f in problem.features], theta))


def predictions(problem, data, theta, tensors=None) -> np.ndarray:
    return problem.predict_class(scores(problem, data, theta, tensors))


def accuracy(problem, data, theta, tensors=None) -> float | None:
    if problem.classes is None:
        return None
    return float(np.mean(predictions(problem, data, theta, tensors) == data.column(problem.target)))


def confusion(problem, data, theta, tensors=None, counts=None) -> dict:
    """Counts of (true class, predicted class): rows are the true labels, columns the predictions. `counts`,
    when given, are these counts already taken (by a network's tensors, in the pass that gave the loss)."""
    classes = np.asarray(problem.classes)
    if counts is None:
        true = np.searchsorted(classes, data.column(problem.target))
        counts = class_counts(true, np.searchsorted(classes, predictions(problem, data, theta, tensors)), len(classes))
    return {"classes": [float(c) for c in classes], "matrix": counts.tolist()}


def accuracy_from(counts) -> float:
    """The accuracy the counts of (true, predicted) class give: the diagonal over all rows."""
    return int(np.trace(counts)) / int(counts.sum())


def test_loss(test_tensors, theta) -> float:
    if not hasattr(test_tensors, "torch"):  # numpy_train.Arrays
        return float(test_tensors.loss(np.asarray(theta, dtype=float)))
    torch = test_tensors.torch
    with torch.no_grad():
        return float(test_tensors.loss(torch.from_numpy(np.asarray(theta, dtype=float))))


def history(problem, records, times, train, test=None, tensors=None, test_tensors=None) -> list[dict]:
    """One row per epoch: the training loss, wall-clock seconds since the start, the training accuracy and,
    with a hold-out, the test loss and accuracy, all at the parameters of the end of that epoch."""
    rows = []
    for rec, t in zip(records, times):
        row = {"epoch": rec.epoch, "loss": rec.loss, "seconds": t}
        if problem.classes is not None:  # from the pass that gave the loss when the record counted it
            row["train_accuracy"] = (accuracy(problem, train, rec.params, tensors) if rec.counts is None
                                     else accuracy_from(rec.counts))
        if test is not None:
            counts = None
            if hasattr(test_tensors, "evaluate"):  # a network: test loss and accuracy from one pass
                row["test_loss"], counts, _ = test_tensors.evaluate(rec.params)
            else:
                row["test_loss"] = test_loss(test_tensors, rec.params)
            if problem.classes is not None:
                row["test_accuracy"] = (accuracy(problem, test, rec.params, test_tensors) if counts is None
                                        else accuracy_from(counts))
        rows.append(row)
    return rows


def summary(problem, hist: list[dict], train, test, theta, tensors=None, test_tensors=None, counts=None) -> dict:
    """The `metrics` block: the last epoch's train/test loss and accuracy, and the confusion matrix (on the test
    rows when there are any; `counts`: the training rows' counts at θ, when the last epoch's pass took them)."""
    last = hist[-1]
    doc = {"train_loss": last["loss"], "test_loss": last.get("test_loss"),
           "train_accuracy": last.get("train_accuracy"), "test_accuracy": last.get("test_accuracy")}
    if last.get("train_accuracy") is not None:  # does it settle? (the perceptron on overlapping classes does not)
        tail = [h["train_accuracy"] for h in hist[-max(1, len(hist) // 4):]]
        doc["train_accuracy_range"] = max(tail) - min(tail)  # over the last quarter of the epochs
    if problem.classes is not None:
        doc["confusion"] = {"on": "test" if test is not None else "train",
                            **(confusion(problem, test, theta, test_tensors) if test is not None
                               else confusion(problem, train, theta, tensors, counts))}
    return doc


def describe(net: Network) -> dict:
    hidden = len(net.sizes) > 2
    return {"sizes": list(net.sizes), "activation": net.activation if hidden else None, "init": net.init_text,
            "parameters": len(net.params)}


def grid_data(problem, columns: list[np.ndarray]):
    """A data set of the model's feature columns (the target zero), to evaluate the model on a grid."""
    from gdcli.engine.learn.data import Dataset

    values = np.column_stack([*columns, np.zeros_like(columns[0])])
    return Dataset((*problem.features, problem.target), values, "grid")


def regions(problem, data, theta, n: int = 200) -> dict:
    """For two features: the predicted class over an n × n grid around the data, and the data itself."""
    x1, x2, y = data.column(problem.features[0]), data.column(problem.features[1]), data.column(problem.target)
    if x1.size > 5000:
        keep = np.random.default_rng(0).choice(x1.size, 5000, replace=False)
        x1, x2, y = x1[keep], x2[keep], y[keep]

    def axis(v):
        lo, hi = float(v.min()), float(v.max())
        pad = 0.05 * (hi - lo) or 1.0
        return np.linspace(lo - pad, hi + pad, n)

    g1, g2 = np.meshgrid(axis(x1), axis(x2))
    c1, c2 = g1.ravel(), g2.ravel()
    # in blocks of grid points: a wide network's (points × units) activations stay small (mlp:10000, madaline:10000)
    pred = np.concatenate([predictions(problem, grid_data(problem, [c1[i:i + 1024], c2[i:i + 1024]]), theta)
                           for i in range(0, c1.size, 1024)])
    index = np.searchsorted(np.asarray(problem.classes), pred).reshape(g1.shape)
    return {"kind": "regions", "x1": x1, "x2": x2, "y": y, "g1": g1, "g2": g2, "index": index,
            "classes": list(problem.classes)}
