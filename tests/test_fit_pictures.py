"""`fit` pictures: the loss landscape (checked against closed forms), decision regions for two-feature
classifiers, and Fig. 2.11's loss-against-time curves."""

from __future__ import annotations

import numpy as np
import pytest

from gdcli.engine.learn.backprop import NetTensors
from gdcli.engine.learn.data import Dataset, generate_data, select
from gdcli.engine.learn.landscape import direction, landscape, project
from gdcli.engine.learn.models import build_problem, design
from gdcli.engine.learn.networks import build_network
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.spec import TrainSpec
from gdcli.engine.learn.metrics import make_tensors
from gdcli.errors import UsageError


def not_blank(path, min_width=500):
    from PIL import Image

    image = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert image.shape[1] >= min_width and image.std() > 10
    return image


def test_filter_normalised_directions_match_each_neurons_norm_and_leave_biases():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    data = Dataset(("a", "b", "c", "d", "y"), np.column_stack([X, (X[:, 0] > 0).astype(float)]), "t")
    net = build_network("mlp:5,3", data, data.columns[:-1], "y", None, 0.0)
    theta = net.initial(0)
    d = direction(net, theta, np.random.default_rng(1))
    for w, shape, b in net.slices():
        np.testing.assert_allclose(np.linalg.norm(d[w].reshape(shape), axis=1),
                                   np.linalg.norm(theta[w].reshape(shape), axis=1), rtol=1e-12)
        assert np.all(d[b] == 0)
    assert np.array_equal(d, direction(net, theta, np.random.default_rng(1)))  # seeded


def test_projection_recovers_coordinates_in_the_plane():
    rng = np.random.default_rng(2)
    centre, d1, d2 = rng.normal(size=(3, 50))
    points = np.array([centre + 0.3 * d1 - 0.2 * d2, centre, centre - 1.5 * d2])
    np.testing.assert_allclose(project(points, centre, d1, d2), [[0.3, -0.2], [0, 0], [0, -1.5]], atol=1e-12)


def test_landscape_of_least_squares_is_the_exact_parabola():
    """MSE is quadratic in θ: L(θ* + α d) = L(θ*) + α·∇Lᵀd + α²·dᵀHd/2 with H = (2/M) ΦᵀΦ, exactly."""
    data = generate_data("1.5*x + 2.73", 80, 0.5, "normal:0,3", 0)
    features, target = select(data, None, None)
    problem = build_problem("w*x + b", data, features, target, None, 0.0)
    result = fit(problem, data, TrainSpec(lr=0.01, epochs=200))
    theta = np.array([result.params[n] for n in problem.params])
    theta0 = np.array([result.initial_params[n] for n in problem.params])
    scape = landscape(make_tensors(problem, data), problem, theta, theta0, result._path, seed=0, resolution=11)
    (Phi,), (c,) = design(problem, [data.column("x")])
    H = 2 * Phi.T @ Phi / data.rows
    r = Phi @ theta + c - data.column("y")
    g = 2 * Phi.T @ r / data.rows
    d1 = direction(problem, theta, np.random.default_rng(0))
    expected = result.loss + scape.alphas * (g @ d1) + scape.alphas**2 * (d1 @ H @ d1) / 2
    np.testing.assert_allclose(scape.slice1, expected, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(d1), np.linalg.norm(theta), rtol=1e-12)
    # The line from θ0 to θ*: at t = 0 the loss of the first epoch, at t = 1 the last.
    assert np.interp(0, scape.ts, scape.line) == pytest.approx(result.history[0]["loss"], rel=1e-10)
    assert np.interp(1, scape.ts, scape.line) == pytest.approx(result.loss, rel=1e-10)
    # Two parameters, two directions: the plane holds the whole path, which ends at the centre.
    assert scape.path_in_plane == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(scape.path[-1], [0, 0], atol=1e-9)
    assert scape.grid[5, 5] == pytest.approx(result.loss, rel=1e-12)


def test_landscape_of_a_network_centres_on_the_trained_loss():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    data = Dataset(("a", "b", "c", "y"), np.column_stack([X, np.digitize(X[:, 0], [-0.5, 0.5])]), "t")
    net = build_network("mlp:6", data, data.columns[:-1], "y", None, 0.0, "tanh")
    r = fit(net, data, TrainSpec(optimizer="adam", lr=0.05, epochs=30, batch_size=16))
    theta = np.array([r.params[n] for n in net.params])
    scape = landscape(NetTensors(net, data), net, theta, net.initial(0), r._path, seed=4, resolution=9)
    assert scape.slice1[4] == pytest.approx(r.loss, rel=1e-12) and scape.grid[4, 4] == pytest.approx(r.loss, rel=1e-12)
    assert scape.slice1[0] > r.loss and scape.slice1[-1] > r.loss  # a step as large as the weights costs loss
    assert 0 < scape.path_in_plane < 0.5  # a random plane in 31 dimensions holds little of the path
    assert "filter" in scape.normalisation


@pytest.mark.parametrize("res,span,message", [(2, 1.0, "--landscape-res"), (1000, 1.0, "--landscape-res"),
                                              (9, 0.0, "--landscape-span"), (9, -1.0, "--landscape-span")])
def test_landscape_options_are_checked_before_training(cli, tmp_path, res, span, message):
    out = tmp_path / "l.png"
    r = cli("fit", "--generate", "2*x", "--epochs", "5", "--landscape", out, "--landscape-res", res,
            "--landscape-span", span)
    assert r.exit_code == 2 and message in r.stderr and not out.exists()


def test_landscape_cli_draws_three_panels(cli_json, tmp_path):
    out = tmp_path / "land.png"
    doc = cli_json("fit", "--data", "digits", "--subset", "0,1", "--model", "mlp:4", "--scale", "standard",
                   "--epochs", "3", "--lr", "0.1", "--landscape", out, "--landscape-res", "7")
    assert len(doc["landscape"]["grid"]) == 7 and len(doc["landscape"]["alphas"]) == 7
    assert doc["landscape"]["slice1"][3] == pytest.approx(doc["loss"], rel=1e-12)
    not_blank(out, 1200)


@pytest.mark.parametrize("model", ["logistic", "softmax", "svm", "perceptron", "adaline", "mlp:8"])
def test_two_feature_classifiers_draw_their_decision_regions(cli, tmp_path, model):
    classes = "3" if model in ("softmax", "svm", "mlp:8") else "2"
    out = tmp_path / "fit.png"
    r = cli("fit", "--generate", "x1 - x2", "--classes", classes, "--x-dist", "normal:0,1", "--n", "120",
            "--model", model, "--lr", "0.05", "--epochs", "40", "--plot", out)
    assert r.exit_code == 0, r.stderr
    not_blank(tmp_path / "fit_data.png")


def test_decision_regions_agree_with_the_classifier():
    """The region grid is the model's own prediction: for a linear classifier, the side of its line."""
    from gdcli.engine.learn.metrics import regions

    data = generate_data("x1 - x2", 100, 0.0, "normal:0,1", 0, classes=2)
    features, target = select(data, None, None)
    problem = build_problem("logistic", data, features, target, None, 0.0)
    r = fit(problem, data, TrainSpec(lr=0.5, epochs=50))
    d = regions(problem, data, np.array([r.params[n] for n in problem.params]), n=50)
    w1, w2, b = r.params["w1"], r.params["w2"], r.params["b"]
    side = (w1 * d["g1"] + w2 * d["g2"] + b > 0).astype(int)
    assert np.array_equal(d["index"], side)
    assert 0 < side.mean() < 1  # the boundary crosses the picture


def test_batch_size_sweep_records_time_per_epoch_and_draws_one_curve_per_size(tmp_path, monkeypatch):
    from gdcli.commands.fit import FitOptions, compute
    from gdcli.render import learn

    drawn = {}
    original = learn.save_figure

    def spy(fig, path):
        drawn["lines"] = [line for line in fig.axes[0].get_lines() if line.get_label()[:2] == "m "]
        return original(fig, path)

    monkeypatch.setattr(learn, "save_figure", spy)
    opts = FitOptions(data="digits", subset="0,1", model="mlp:4", optimizer="adam", lr=0.01, epochs=4,
                      batch_size="8,64,full", scale="standard", plot=str(tmp_path / "sweep.png"))
    result = compute(opts, show_progress=False)
    assert [row.updates_per_epoch for row in result.sweep] == [45, 6, 1]
    for row in result.sweep:
        seconds = [h["seconds"] for h in row.history]
        assert len(seconds) == 5 and all(b >= a for a, b in zip(seconds, seconds[1:]))
    lines = drawn["lines"]
    assert [line.get_label().split(" (")[0] for line in lines] == ["m = 8", "m = 64", "m = full"]
    for line, row in zip(lines, result.sweep):  # loss against time, a curve with every epoch on it
        np.testing.assert_allclose(line.get_xdata(), [h["seconds"] for h in row.history])
        np.testing.assert_allclose(line.get_ydata(), [h["loss"] for h in row.history])
    not_blank(tmp_path / "sweep.png")


def test_plot_is_not_imported_without_plot_options():
    import subprocess
    import sys

    code = ("import sys; from gdcli.commands.fit import FitOptions, compute; "
            "compute(FitOptions(data='digits', subset='0,1', model='softmax', epochs=1), show_progress=False); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_bad_landscape_res_in_engine():
    with pytest.raises(UsageError):
        landscape(None, None, np.zeros(2), np.zeros(2), np.zeros((1, 2)), 0, resolution=2)


def test_a_logistic_fit_draws_the_probability_not_the_score(cli_json, tmp_path):
    """The data panel of a one-feature logistic fit shows σ(w·x + b), the model's P(y = 1 | x) (seed 004)."""
    from gdcli.engine.learn.data import load_data
    from gdcli.engine.learn.pipeline import _plot_data

    rng = np.random.default_rng(1)
    x = rng.uniform(-4, 4, 200)
    y = (rng.uniform(size=200) < 1 / (1 + np.exp(-(1.5 * x - 0.5)))).astype(int)
    path = tmp_path / "b.csv"
    np.savetxt(path, np.c_[x, y], delimiter=",", header="x,y", comments="", fmt=["%.6f", "%d"])
    doc = cli_json("fit", "--data", str(path), "--model", "logistic", "--optimizer", "newton", "--epochs", "20")
    w, b = doc["params"]["w"], doc["params"]["b"]
    data = load_data(path)
    problem = build_problem("logistic", data, ("x",), "y", None, 0.0)
    d = _plot_data(problem, data, np.array([doc["params"][n] for n in problem.params]))
    assert np.all((d["curve"] > 0) & (d["curve"] < 1))
    assert d["curve"] == pytest.approx(1 / (1 + np.exp(-(w * d["grid"] + b))), rel=1e-9)
