"""A network's epoch-end pass over every row gives the loss, the accuracy, the confusion counts and, at the last
epoch, ‖∇θ L‖ at once. Each is checked here against a computation of its own: NumPy's forward pass
(Network.scores) and argmax for the predictions, torch autograd for the gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdcli.engine.learn import metrics
from gdcli.engine.learn.backprop import NetTensors
from gdcli.engine.learn.data import Dataset
from gdcli.engine.learn.networks import build_network, feature_matrix
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.spec import TrainSpec
from gdcli.engine.learn.train import train
from gdcli.errors import UsageError


def dataset(kind: str, n: int = 120, d: int = 4, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if kind == "regression":
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    elif kind == "binary":
        y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float) * 3 + 2  # labels 2 and 5
    else:
        y = np.digitize(X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=n), [-0.7, 0.0, 0.7]).astype(float)
    return Dataset(tuple(f"x{j + 1}" for j in range(d)) + ("y",), np.column_stack([X, y]), kind)


def predicted(net, data, theta) -> np.ndarray:
    """The class of every row from NumPy's forward pass, not from torch's."""
    S = net.scores(feature_matrix(data, net.features), np.asarray(theta, dtype=float))
    cls = np.asarray(net.classes)
    return cls[(S[:, 0] > 0).astype(int)] if S.shape[1] == 1 else cls[np.argmax(S, axis=1)]


def autograd_norm(net, data, theta) -> float:
    import torch

    th = torch.tensor(np.asarray(theta, dtype=float), requires_grad=True)
    NetTensors(net, data).loss(th).backward()
    return float(torch.linalg.vector_norm(th.grad))


# (model, kind, loss, batch size, gradient): K logits, one logit, ±1 targets; mini-batches and full batch
CASES = [
    ("mlp:8", "multiclass", None, 16, "manual"),
    ("mlp:8", "multiclass", None, 16, "module"),
    ("mlp:6,5", "multiclass", "multiclass-hinge", None, "autograd"),
    ("mlp:6", "binary", None, 32, "manual"),
    ("mlp:6", "binary", "cross-entropy", None, "module"),
    ("softmax", "multiclass", None, 40, "manual"),
    ("adaline", "binary", None, 16, "manual"),
]


@pytest.mark.parametrize("model,kind,loss,batch,gradient", CASES)
def test_every_epochs_accuracy_is_the_share_of_rows_the_parameters_of_that_epoch_classify_right(
        model, kind, loss, batch, gradient):
    import torch

    data, test = dataset(kind), dataset(kind, n=50, seed=1)
    net = build_network(model, data, data.columns[:-1], "y", loss, 0.01)
    r = fit(net, data, TrainSpec(optimizer="adam", lr=0.05, epochs=6, batch_size=batch, gradient=gradient, seed=2),
            test=test)
    assert len(r.history) == 7 and len(r._path) == 7
    accuracies = set()
    for row, theta in zip(r.history, r._path):
        assert row["train_accuracy"] == np.mean(predicted(net, data, theta) == data.column("y"))
        assert row["test_accuracy"] == np.mean(predicted(net, test, theta) == test.column("y"))
        assert row["test_loss"] == pytest.approx(NetTensors(net, test).loss(torch.tensor(theta)).item(), rel=1e-12)
        accuracies.add(row["train_accuracy"])
    assert len(accuracies) > 1  # the accuracy moved: a value carried over from another epoch would show
    assert r.metrics["train_accuracy"] == r.history[-1]["train_accuracy"]


@pytest.mark.parametrize("model,kind,loss,batch,gradient", CASES)
def test_the_confusion_matrix_errors_and_gradient_norm_are_those_of_the_final_parameters(
        model, kind, loss, batch, gradient):
    data = dataset(kind)
    net = build_network(model, data, data.columns[:-1], "y", loss, 0.01)
    r = fit(net, data, TrainSpec(optimizer="adam", lr=0.05, epochs=5, batch_size=batch, gradient=gradient, seed=2))
    theta = r._path[-1]
    pred, y = predicted(net, data, theta), data.column("y")
    classes = list(net.classes)
    matrix = [[int(np.sum((y == a) & (pred == b))) for b in classes] for a in classes]
    assert r.metrics["confusion"] == {"on": "train", "classes": classes, "matrix": matrix}
    assert r.classification["errors"] == int(np.sum(pred != y))
    assert r.grad_norm == pytest.approx(autograd_norm(net, data, theta), rel=1e-9)


def test_a_regression_network_records_its_loss_and_gradient_norm_and_no_accuracy():
    data = dataset("regression")
    net = build_network("mlp:5", data, data.columns[:-1], "y", None, 0.0)
    r = fit(net, data, TrainSpec(optimizer="adam", lr=0.05, epochs=4, batch_size=16, seed=0))
    assert "train_accuracy" not in r.history[-1] and r.classification is None and "confusion" not in r.metrics
    assert r.grad_norm == pytest.approx(autograd_norm(net, data, r._path[-1]), rel=1e-9)


@pytest.mark.parametrize("rows,features,model,order", [(120, 4, "mlp:8", 1), (10001, 5, "mlp:32", 1),
                                                        (20003, 13, "mlp:6,4", 1), (10001, 5, "mlp:32", -1)])
def test_the_epoch_end_pass_gives_the_loss_and_predictions_of_one_pass_over_all_rows_to_the_last_bit(
        rows, features, model, order):
    """Above BLOCK rows the pass goes block by block, each block copied out of the data's rows (order 1: the
    features side by side) or of the contiguous copy (order -1); where the blocks start decides whether every
    score is the one a single pass gives (blocks starting at 10001 // 3 rows changed the last bit of some)."""
    import torch

    data = dataset("multiclass", n=rows, d=features)
    net = build_network(model, data, data.columns[:-1][::order], "y", None, 0.01)
    t = NetTensors(net, data)
    assert t.Xrows.is_contiguous() == (order == -1)
    theta = torch.tensor(net.initial(3))
    with torch.no_grad():
        expected = float(t.loss(theta))
        S = t.scores(theta, t.X).numpy()
        _, g = t.manual_loss_and_grad(theta)
    classes = np.asarray(net.classes)
    pred, true = np.argmax(S, axis=1), np.searchsorted(classes, data.column("y"))
    matrix = np.bincount(true * len(classes) + pred, minlength=len(classes) ** 2).reshape(len(classes), -1)
    blocks = np.empty_like(S)
    for rows in t.blocks():
        with torch.no_grad():
            blocks[rows] = t.scores(theta, t.Xrows[rows].contiguous()).numpy()
    assert np.array_equal(blocks, S)  # every score, not only the mean loss
    for grad in (False, True):
        loss, counts, norm = t.evaluate(theta, grad=grad)
        assert loss == expected
        assert (counts == matrix).all()
        if grad:  # the blocks' gradients summed: equal to rounding
            assert norm == pytest.approx(float(torch.linalg.vector_norm(g)), rel=1e-13)
        else:
            assert norm is None


def test_held_out_labels_outside_the_classes_are_counted_as_before():
    data = dataset("binary")  # classes 2 and 5; the held-out rows also have 7s, which no prediction can match
    test = dataset("binary", n=50, seed=1)
    y = test.column("y").copy()
    y[:10] = 7.0
    test = Dataset(test.columns, np.column_stack([test.values[:, :-1], y]), "odd")
    net = build_network("mlp:4", data, data.columns[:-1], "y", None, 0.0)
    assert NetTensors(net, test).evaluate(net.initial(0))[1] is None  # no counts: metrics.py counts these rows
    records = list(train(NetTensors(net, data), net.initial(0), TrainSpec(optimizer="adam", lr=0.05, epochs=3,
                                                                          batch_size=16, seed=0)))
    hist = metrics.history(net, records, [0.0] * 4, data, test, NetTensors(net, data), NetTensors(net, test))
    for row, rec in zip(hist, records):
        assert row["test_accuracy"] == np.mean(predicted(net, test, rec.params) == y) < 0.81


def test_a_network_whose_loss_is_not_finite_at_the_start_is_a_one_line_error():
    data = dataset("multiclass")
    huge = Dataset(data.columns, np.column_stack([data.values[:, :-1] * 1e307, data.column("y")]), "huge")
    net = build_network("mlp:4", huge, huge.columns[:-1], "y", None, 0.0)
    with pytest.raises(UsageError, match="not finite at the start"):
        fit(net, huge, TrainSpec(optimizer="adam", lr=0.01, epochs=3, batch_size=16))
    assert math.isfinite(fit(net, data, TrainSpec(optimizer="adam", lr=0.01, epochs=1, batch_size=16)).loss)
