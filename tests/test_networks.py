"""Dense networks: backpropagation written out against autograd, nn.Module and finite differences; the linear
classifiers as layers against the symbolic path; ADALINE's LMS rule; task inference; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from gdcli.engine.learn.backprop import NetTensors
from gdcli.engine.learn.data import Dataset
from gdcli.engine.learn.models import build_problem
from gdcli.engine.learn.networks import build_network, infer_task
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.spec import TrainSpec
from gdcli.engine.learn.train import train
from gdcli.errors import DataError, UsageError


def dataset(kind: str, n: int = 48, d: int = 3, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if kind == "regression":
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, -1]
    elif kind == "binary":
        y = (X[:, 0] * X[:, 1] > 0).astype(float) * 3 + 2  # labels 2 and 5: any two values
    else:
        y = np.digitize(X[:, 0] + X[:, 1], [-0.7, 0.0, 0.7]).astype(float)  # 4 classes
    names = tuple(f"x{j + 1}" for j in range(d)) + ("y",)
    return Dataset(names, np.column_stack([X, y]), kind)


def network(model, data, loss=None, activation="relu", reg=0.0, task=None):
    return build_network(model, data, data.columns[:-1], "y", loss, reg, activation, task)


# (model, activation, task, loss, reg): every activation, every loss, one to three hidden layers, and none.
CASES = [
    ("mlp:5", "relu", "regression", "mse", 0.0),
    ("mlp:4,3", "tanh", "regression", "mae", 0.0),
    ("mlp:6", "sigmoid", "binary", "logistic", 0.01),
    ("mlp:3,3,3", "tanh", "binary", "hinge", 0.0),
    ("mlp:4", "relu", "binary", "cross-entropy", 0.0),
    ("mlp:5,4", "tanh", "multiclass", "cross-entropy", 0.001),
    ("mlp:7", "sigmoid", "multiclass", "multiclass-hinge", 0.0),
    ("softmax", "relu", "multiclass", "cross-entropy", 0.01),
    ("svm", "relu", "multiclass", "multiclass-hinge", 0.1),
    ("adaline", "relu", "binary", "mse", 0.0),
    ("perceptron", "relu", "binary", "perceptron", 0.0),
]


@pytest.mark.parametrize("model,activation,task,loss,reg", CASES)
def test_manual_backprop_matches_autograd_and_finite_differences(model, activation, task, loss, reg):
    import torch

    data = dataset(task)
    net = network(model, data, loss, activation, reg)
    assert net.loss == loss
    t = NetTensors(net, data)
    theta = torch.tensor(net.initial(1))
    L, g = t.manual_loss_and_grad(theta)
    th = theta.clone().requires_grad_(True)
    t.loss(th).backward()
    assert float(L) == pytest.approx(float(t.loss(theta)), rel=1e-14)
    np.testing.assert_allclose(g.numpy(), th.grad.numpy(), rtol=1e-10, atol=1e-13)
    # An independent oracle: central differences of the NumPy forward pass and a NumPy loss.
    h = 1e-6
    e = np.zeros(len(net.params))
    fd = np.empty(len(net.params))
    for j in range(len(net.params)):
        e[j] = h
        fd[j] = (numpy_loss(net, data, theta.numpy() + e) - numpy_loss(net, data, theta.numpy() - e)) / (2 * h)
        e[j] = 0
    np.testing.assert_allclose(g.numpy(), fd, rtol=1e-5, atol=1e-7)


def numpy_loss(net, data, theta):
    """The loss written again in NumPy, from the seeds' formulas, for the finite-difference oracle."""
    X = np.column_stack([data.column(f) for f in net.features])
    S = net.scores(X, theta)
    T = net.encode_targets(data.column("y"))
    if net.loss == "mse":
        rows = ((S - T) ** 2).sum(1)
    elif net.loss == "mae":
        rows = np.abs(S - T).sum(1)
    elif net.loss == "logistic":
        rows = np.log1p(np.exp(-T * S)).sum(1)
    elif net.loss == "hinge":
        rows = np.maximum(0, 1 - T * S).sum(1)
    elif net.loss == "perceptron":
        rows = np.maximum(0, -T * S).sum(1)
    elif net.loss == "cross-entropy" and S.shape[1] == 1:
        p = 1 / (1 + np.exp(-S))
        rows = -(T * np.log(p) + (1 - T) * np.log(1 - p)).sum(1)
    elif net.loss == "cross-entropy":
        P = np.exp(S - S.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        rows = -np.log((P * T).sum(1))
    else:  # multiclass hinge, seed 002: Σ_{j≠y} max(0, s_j − s_y + 1)
        s_y = (S * T).sum(1, keepdims=True)
        rows = (np.maximum(0, S - s_y + 1) * (1 - T)).sum(1)
    W2 = sum((theta[w] ** 2).sum() for w, _, _ in net.slices())
    return rows.mean() + net.reg * W2


@pytest.mark.parametrize("model,activation,task,loss,reg", CASES)
@pytest.mark.parametrize("optimizer,batch", [("adam", 8), ("gd", None), ("momentum", 16)])
def test_three_gradient_levels_train_to_the_same_parameters(model, activation, task, loss, reg, optimizer, batch):
    data = dataset(task)
    net = network(model, data, loss, activation, reg)
    theta0 = net.initial(2)
    final = {}
    for gradient in ("manual", "autograd", "module"):
        spec = TrainSpec(optimizer=optimizer, lr=0.05, epochs=12, batch_size=batch, gradient=gradient, seed=3)
        records = list(train(NetTensors(net, data), theta0, spec))
        assert len(records) == 13
        final[gradient] = records[-1].params
    assert np.abs(final["manual"] - theta0).max() > 1e-3  # it trained
    np.testing.assert_allclose(final["autograd"], final["manual"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(final["module"], final["manual"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("model,kind", [("svm", "multiclass"), ("logistic", "binary"), ("perceptron", "binary")])
def test_linear_classifiers_as_a_dense_layer_match_the_symbolic_path(model, kind):
    """Above 8 features `fit` trains these as a layer; the symbolic path is the oracle (same names, same start)."""
    data = dataset(kind, n=40, d=3, seed=4)
    features = data.columns[:-1]
    symbolic = build_problem(model, data, features, "y", None, 0.05)
    dense = network(model, data, reg=0.05)
    assert sorted(dense.params) == sorted(symbolic.params)
    spec = TrainSpec(optimizer="gd", lr=0.1, epochs=30, batch_size=10, seed=1)
    a, b = fit(symbolic, data, spec), fit(dense, data, spec)
    assert a.initial_params == b.initial_params
    assert b.params == pytest.approx(a.params, abs=1e-9)
    assert b.loss == pytest.approx(a.loss, rel=1e-9)
    assert b.metrics["train_accuracy"] == a.metrics["train_accuracy"]


def test_adaline_is_the_lms_rule_on_signed_targets():
    """One full-batch step of ADALINE: w ← w − lr·(2/m)·Σ (s − t) x, with t = ±1 and the class read from sign(s)."""
    data = dataset("binary", n=30, d=2, seed=5)
    net = network("adaline", data)
    theta0 = net.initial(0)
    records = list(train(NetTensors(net, data), theta0, TrainSpec(lr=0.1, epochs=1)))
    X = np.column_stack([data.column("x1"), data.column("x2"), np.ones(30)])
    t = np.where(data.column("y") == 5, 1.0, -1.0)
    w = theta0  # layout [w1, w2, b]
    expected = w - 0.1 * 2 / 30 * X.T @ (X @ w - t)
    np.testing.assert_allclose(records[-1].params, expected, rtol=1e-12)
    scores = X @ records[-1].params
    assert list(net.predict_class(scores[:, None])) == list(np.where(scores > 0, 5.0, 2.0))


def test_initialisation_is_he_for_relu_and_xavier_otherwise_and_seeded():
    data = dataset("multiclass", n=40, d=50)
    relu = network("mlp:400", data)
    tanh = network("mlp:400", data, activation="tanh")
    assert relu.init_scheme == "he" and tanh.init_scheme == "xavier"
    w = relu.slices()[0][0]
    assert np.std(relu.initial(0)[w]) == pytest.approx(np.sqrt(2 / 50), rel=0.03)
    assert np.std(tanh.initial(0)[w]) == pytest.approx(np.sqrt(2 / 450), rel=0.03)
    assert np.all(relu.initial(0)[relu.slices()[0][2]] == 0)
    assert np.array_equal(relu.initial(7), relu.initial(7)) and not np.array_equal(relu.initial(7), relu.initial(8))


def test_task_is_inferred_from_the_labels_and_can_be_overridden():
    assert infer_task(np.array([0.0, 1, 2, 1])) == "classification"
    assert infer_task(np.array([0.5, 1, 2])) == "regression"
    assert infer_task(np.arange(50.0)) == "regression"  # 50 distinct integers: a count, not classes
    data = dataset("multiclass")
    assert network("mlp:3", data).outputs == 4
    forced = network("mlp:3", data, task="regression")
    assert forced.outputs == 1 and forced.loss == "mse" and forced.classes is None


@pytest.mark.parametrize("model,message", [("mlp:0", "at least 1 unit"), ("mlp:abc", "whole-number"),
                                           ("mlp:", "whole-number"), ("mlp:4,-2", "at least 1 unit")])
def test_bad_architectures_are_refused(model, message):
    with pytest.raises(UsageError, match=message):
        network(model, dataset("binary"))


def test_bad_losses_and_tasks_are_refused():
    with pytest.raises(UsageError, match="does not fit --model mlp:3 on a multiclass task"):
        network("mlp:3", dataset("multiclass"), loss="mse")
    with pytest.raises(UsageError, match="use one of cross-entropy, multiclass-hinge"):
        network("svm", dataset("binary"), loss="hinge")
    two = network("svm", dataset("binary"))  # two classes, still a score each (as the symbolic svm)
    assert two.outputs == 2 and two.loss == "multiclass-hinge" and len(two.params) == 8
    with pytest.raises(DataError, match="needs two classes"):
        network("adaline", dataset("multiclass"))
    with pytest.raises(UsageError, match="--activation"):
        network("mlp:3", dataset("binary"), activation="swish")
    with pytest.raises(UsageError, match="is a classifier"):
        network("softmax", dataset("multiclass"), task="regression")
