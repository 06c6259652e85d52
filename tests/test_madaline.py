"""MADALINE and Madaline Rule II: hand-computed MRII steps, XOR against ADALINE's 75% bound, determinism, edges,
and `fit --model madaline:H` on the command line."""

import json

import numpy as np
import pytest

from gdcli.engine.learn.data import Dataset
from gdcli.engine.learn.madaline import Arrays, build_madaline, mr_step, parse_units, train
from gdcli.engine.learn.pipeline import fit
from gdcli.engine.learn.spec import TrainSpec
from gdcli.errors import DataError, UsageError

XOR = np.array([[-1, -1, -1], [-1, 1, 1], [1, -1, 1], [1, 1, -1]], dtype=float)  # x1, x2, y: +1 where x1 ≠ x2
XOR_CSV = "x1,x2,y\n-1,-1,-1\n-1,1,1\n1,-1,1\n1,1,-1\n"


def data(values, columns=("x1", "x2", "y")) -> Dataset:
    return Dataset(tuple(columns), np.asarray(values, dtype=float), "test")


def madaline_fit(h, values=XOR, seed=0, epochs=50, alpha=1.0):
    d = data(values)
    return fit(build_madaline(f"madaline:{h}", d, ("x1", "x2"), "y"), d, TrainSpec(lr=alpha, epochs=epochs, seed=seed))


# -- one MRII step, by hand ------------------------------------------------------------------------------------

def test_the_unit_nearest_zero_is_reversed_by_one_alpha_lms_step():
    # Two units at x̃ = (1, 2, 1) (|x̃|² = 6) with nets 0.3 and 0.8: both +1, AND says +1, the target is −1.
    x = np.array([1.0, 2.0, 1.0])
    W = np.array([[0.1, 0.1, 0.0], [0.2, 0.2, 0.2]])
    new, step = mr_step(W, x, -1.0, 1.0)
    assert step.tried == ((0,),) and step.kept == (0,)  # |0.3| < |0.8|: unit 0 first, and reversing it is enough
    # α-LMS toward d = −1: w0 + (−1 − 0.3)·x̃/6
    assert new[0] == pytest.approx([0.1 - 1.3 / 6, 0.1 - 2.6 / 6, -1.3 / 6], abs=1e-15)
    assert new[0] @ x == pytest.approx(-1.0)  # α = 1 lands the net on d exactly
    assert np.array_equal(new[1], W[1])  # the other unit is not touched


def test_a_trial_that_does_not_reduce_the_error_is_restored():
    # Three units at x̃ = (1, 1, 1) (|x̃|² = 3), nets 0.1, −0.2, −1.0: votes +, −, −, the majority says −1, t = +1.
    x = np.ones(3)
    W = np.array([[0.1, 0.0, 0.0], [-0.2, 0.0, 0.0], [0.0, -0.5, -0.5]])
    before = W.copy()
    new, step = mr_step(W, x, 1.0, 1.0)
    # Unit 0 (|0.1|) first: reversing it makes the vote −, −, −: no better, restored. Then unit 1 (|−0.2|):
    # +, +, −: right, kept, by w1 + (1 − (−0.2))·x̃/3 = w1 + 0.4.
    assert step.tried == ((0,), (1,)) and step.kept == (1,)
    assert np.array_equal(new[0], W[0]) and np.array_equal(new[2], W[2])
    assert new[1] == pytest.approx([0.2, 0.4, 0.4], abs=1e-15)
    assert np.array_equal(W, before)  # the step works on a copy


def test_when_no_trial_helps_the_weights_come_back_unchanged():
    # α = 0.1 moves a net a tenth of the way to the opposite sign: a unit at |z| ≥ 1/9 is not reversed, so every
    # trial leaves the output wrong and is restored.
    x = np.ones(3)
    W = np.array([[0.5, 0.0, 0.0], [0.0, 0.6, 0.0], [0.0, 0.0, -0.7]])  # +, +, −: majority +1; t = −1
    new, step = mr_step(W, x, -1.0, 0.1)
    assert step.kept is None and step.tried[:3] == ((0,), (1,), (2,))
    assert np.array_equal(new, W)


def test_sets_are_tried_when_no_single_reversal_can_turn_the_vote():
    # AND of two units both −1 on a +1 pattern: one reversal leaves a tie (−1); MRII's pair reverses both.
    x = np.ones(3)
    W = np.array([[-0.5, 0.0, 0.0], [0.0, -0.2, 0.0]])
    new, step = mr_step(W, x, 1.0, 1.0)
    assert step.tried == ((1,), (0,), (1, 0)) and step.kept == (1, 0)
    assert new @ x == pytest.approx([1.0, 1.0])


def test_a_right_pattern_is_left_alone():
    W = np.array([[1.0, 0.0, 0.0]])
    new, step = mr_step(W, np.array([1.0, 0.0, 1.0]), 1.0, 1.0)
    assert new is W and step.tried == () and step.kept is None


# -- XOR: a network of units against one --------------------------------------------------------------------------

def test_the_output_of_two_units_is_and_so_xor_is_a_band():
    # sgn(x1 + x2 + 1) and sgn(1 − x1 − x2) are both +1 only where x1 + x2 = 0: a tie (one +, one −) is −1.
    d = data(XOR)
    net = build_madaline("madaline:2", d, ("x1", "x2"), "y")
    theta = [1, 1, 1, -1, -1, 1]
    assert net.scores(XOR[:, :2], theta)[:, 0].tolist() == [0, 2, 2, 0]
    assert net.predict_class(net.scores(XOR[:, :2], theta)).tolist() == XOR[:, 2].tolist()
    assert Arrays(net, d).loss(theta) == 0


def test_two_units_learn_xor_from_a_seeded_start():
    r = madaline_fit(2)
    assert r.history[0]["train_accuracy"] == 0.5  # the start is wrong on two rows
    assert r.metrics["train_accuracy"] == 1.0 and r.classification["separated"]
    assert r.metrics["confusion"]["matrix"] == [[2, 0], [0, 2]]
    assert r.loss == 0 and r.optimizer == "mrii" and r.loss_function == "0-1" and r.grad_norm is None
    assert r.network["sizes"] == [2, 2, 1]


def test_one_linear_unit_cannot_pass_three_of_four_on_xor():
    # The closed-form fact: no line separates XOR, so any single threshold unit gets at most 3 of the 4 rows.
    # Brute force over lines through the 4 points (every direction, every threshold between projections):
    best = 0
    for angle in np.linspace(0, 2 * np.pi, 721):
        s = XOR[:, :2] @ [np.cos(angle), np.sin(angle)]
        for c in np.concatenate([s - 1e-9, s + 1e-9]):
            best = max(best, int(np.sum(np.where(s - c > 0, 1, -1) == XOR[:, 2])))
    assert best == 3
    for seed in range(5):
        assert madaline_fit(1, seed=seed).metrics["train_accuracy"] <= 0.75


def test_adaline_is_held_at_75_percent_on_xor_at_the_least_squares_zero(cli_json, tmp_path):
    path = tmp_path / "xor.csv"
    path.write_text(XOR_CSV)
    doc = cli_json("fit", "--data", path, "--model", "adaline", "--lr", "0.1", "--epochs", "200")
    assert max(h["train_accuracy"] for h in doc["history"]) <= 0.75
    # Least squares on XOR: the targets are orthogonal to x1, x2 and 1, so W = 0 and the MSE is mean(y²) = 1.
    A = np.column_stack([XOR[:, :2], np.ones(4)])
    assert np.allclose(np.linalg.lstsq(A, XOR[:, 2], rcond=None)[0], 0)
    assert doc["loss"] == pytest.approx(1.0, abs=1e-9)
    assert all(abs(v) < 1e-9 for v in doc["params"].values())


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b, c = madaline_fit(3, seed=5), madaline_fit(3, seed=5), madaline_fit(3, seed=6)
    assert a.params == b.params and [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    assert a.params != c.params


def test_xor_from_many_seeds():
    # Greedy: two units solve XOR from most starts, not all (MRII can cycle); three units from every one here.
    two = sum(madaline_fit(2, seed=s).classification["separated"] for s in range(20))
    assert two >= 17
    assert all(madaline_fit(3, seed=s).classification["separated"] for s in range(20))


# -- edges ----------------------------------------------------------------------------------------------------

def test_many_more_units_than_rows():
    r = madaline_fit(500, epochs=20)
    assert r.metrics["train_accuracy"] == 1.0 and len(r.params) == 1500


def test_data_no_network_can_separate_ends_after_the_epochs():
    # The same point with both labels: every epoch corrects one row and breaks the other.
    r = madaline_fit(3, values=[[0, 0, -1], [0, 0, 1], [1, 1, 1]], epochs=25)
    assert r.status == "done" and r.epochs == 25 and len(r.history) == 26
    assert r.classification["errors"] >= 1 and "MRII has not separated" in r.classification["message"]


def test_one_class_three_classes_and_regression_are_refused():
    with pytest.raises(DataError, match="single class"):
        build_madaline("madaline:2", data([[0, 0, 1], [1, 1, 1]]), ("x1", "x2"), "y")
    with pytest.raises(DataError, match="needs two classes"):
        build_madaline("madaline:2", data([[0, 0, 0], [1, 1, 1], [2, 2, 2]]), ("x1", "x2"), "y")
    with pytest.raises(UsageError, match="is a classifier"):
        build_madaline("madaline:2", data(XOR), ("x1", "x2"), "y", task="regression")


@pytest.mark.parametrize("model", ["madaline:0", "madaline:-1", "madaline:abc", "madaline:", "madaline:2.5",
                                   "madaline:10001"])
def test_bad_unit_counts_are_refused(model):
    with pytest.raises(UsageError, match="madaline"):
        parse_units(model)


def test_the_trainer_refuses_an_unstable_alpha():
    d = data(XOR)
    net = build_madaline("madaline:2", d, ("x1", "x2"), "y")
    with pytest.raises(UsageError, match=r"\(0, 2\)"):
        list(train(Arrays(net, d), np.zeros(6), TrainSpec(lr=2.0, epochs=1)))


# -- the command line -----------------------------------------------------------------------------------------

@pytest.fixture
def xor_csv(tmp_path):
    path = tmp_path / "xor.csv"
    path.write_text(XOR_CSV)
    return path


def test_cli_json_and_table(cli, cli_json, xor_csv):
    doc = cli_json("fit", "--data", xor_csv, "--model", "madaline:2", "--epochs", "10")
    assert doc["metrics"]["train_accuracy"] == 1.0 and doc["metrics"]["confusion"]["matrix"] == [[2, 0], [0, 2]]
    assert [h["epoch"] for h in doc["history"]] == list(range(11)) and doc["lr"] == 1.0
    assert doc["optimizer"] == "mrii" and doc["gradient"] == "none" and doc["batch_size"] == 1
    assert list(doc["params"]) == ["w1_1", "w1_2", "b1", "w2_1", "w2_2", "b2"]
    r = cli("fit", "--data", xor_csv, "--model", "madaline:2", "--epochs", "10")
    assert r.exit_code == 0, r.stderr
    for shown in ("madaline 2-2-1 (MRII)", "optimizer: mrii", "majority vote", "confusion matrix", "100.00%"):
        assert shown in r.stdout


def test_cli_test_split_plot_and_save(cli_json, tmp_path):
    doc = cli_json("fit", "--data", "digits", "--subset", "3,8", "--x", "p42,p35", "--scale", "standard",
                   "--model", "madaline:3", "--epochs", "5", "--test-split", "0.25",
                   "--plot", tmp_path / "m.png", "--save-params", tmp_path / "p.json")
    assert doc["test_rows"] == 90 and 0 <= doc["metrics"]["test_accuracy"] <= 1
    assert "test_accuracy" in doc["history"][-1] and doc["metrics"]["confusion"]["on"] == "test"
    assert (tmp_path / "m.png").stat().st_size and (tmp_path / "m_data.png").stat().st_size  # the regions
    assert len(json.loads((tmp_path / "p.json").read_text())["params"]) == 9


@pytest.mark.parametrize("args,message", [
    (["--model", "madaline:0"], "between 1 and"),
    (["--model", "madaline:-1"], "between 1 and"),
    (["--model", "madaline:abc"], "whole number of hidden units"),
    (["--model", "madaline:2", "--optimizer", "adam"], "--optimizer does not apply"),
    (["--model", "madaline:2", "--gradient", "autograd"], "--gradient does not apply"),
    (["--model", "madaline:2", "--loss", "mse"], "--loss does not apply"),
    (["--model", "madaline:2", "--batch-size", "4"], "--batch-size does not apply"),
    (["--model", "madaline:2", "--momentum", "0.5"], "--momentum does not apply"),
    (["--model", "madaline:2", "--landscape", "l.png"], "--landscape does not apply"),
    (["--model", "madaline:2", "--optimizer", "gd"], "--optimizer does not apply"),  # given at their defaults
    (["--model", "madaline:2", "--gradient", "manual"], "--gradient does not apply"),
    (["--model", "madaline:2", "--activation", "relu"], "--activation does not apply"),
    (["--model", "madaline:2", "--reg", "0"], "--reg does not apply"),
    (["--model", "madaline:2", "--lr", "2"], "(0, 2)"),
    (["--model", "madaline:2", "--task", "regression"], "is a classifier"),
])
def test_cli_refuses_in_one_line(cli, xor_csv, args, message):
    r = cli("fit", "--data", xor_csv, *args, "--epochs", "3")
    assert r.exit_code == 2 and message in r.stderr, r.stderr
    assert r.stderr.strip().count("\n") == 0 and r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_cli_three_classes_and_one_class(cli, tmp_path):
    three = tmp_path / "three.csv"
    three.write_text("x,y\n0,0\n1,1\n2,2\n")
    one = tmp_path / "one.csv"
    one.write_text("x,y\n0,1\n1,1\n")
    for path, message in ((three, "needs two classes"), (one, "single class")):
        r = cli("fit", "--data", path, "--model", "madaline:2")
        assert r.exit_code == 2 and message in r.stderr and r.stderr.strip().count("\n") == 0


def test_the_closed_form_set_search_keeps_the_set_that_trying_each_would_keep():
    """Oracle: MRII's set trials done literally, a reversed copy of W per set, scored by its vote on x."""
    from gdcli.engine.learn.madaline import mr_step, reverse, sgn, vote

    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(400):
        H, d = int(rng.integers(3, 12)), int(rng.integers(1, 4))
        W, x = rng.standard_normal((H, d + 1)), np.append(rng.standard_normal(d), 1.0)
        alpha = float(rng.choice([0.3, 1.0, 1.7]))
        a = sgn(W @ x)
        t = -vote(a)
        new, step = mr_step(W, x, t, alpha)
        if step.kept is not None and len(step.kept) == 1:
            continue  # a single reversal did it: not the set search
        order = np.argsort(np.abs(W @ x), kind="stable")
        wrong = [int(u) for u in order if a[u] != t]
        kept = None
        for k in range(2, len(wrong) + 1):
            if vote(sgn(reverse(W, x, wrong[:k], alpha) @ x)) == t:
                kept = tuple(wrong[:k])
                break
        assert step.kept == kept
        np.testing.assert_allclose(new, W if kept is None else reverse(W, x, kept, alpha), rtol=0, atol=0)
        checked += 1
    assert checked > 100


def test_rows_too_large_for_the_lms_step_are_refused(cli, tmp_path):
    (tmp_path / "big.csv").write_text("a,b,y\n1e200,1e200,1\n-1e200,1e199,-1\n3,4,1\n")
    r = cli("fit", "--data", tmp_path / "big.csv", "--model", "madaline:2", "--epochs", "5")
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == [
        "error: row 1 of the data is too large for the α-LMS step (|x̃|² overflows); rescale the data, e.g. "
        "--scale standard"]


def test_a_config_file_giving_a_default_gradient_option_is_refused_too(cli, xor_csv, tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text(f"data: {xor_csv}\nmodel: madaline:2\noptimizer: gd\n")
    r = cli("fit", "--config", f)
    assert r.exit_code == 2 and "--optimizer does not apply" in r.stderr, r.stderr
