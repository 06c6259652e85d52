"""Real data: the built-in digits, IDX files written here, the stratified hold-out and train-only scaling; and
`fit` on them from the command line (metrics, confusion matrix, pictures, bad input)."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest

from gdcli.engine.learn.data import Dataset
from gdcli.engine.learn.datasets import apply_scale, digits, idx_data, read_idx, scaler, stratified_split
from gdcli.errors import DataError, UsageError

# scikit-learn's documented class counts for its copy of the UCI digits (the test set of the UCI data).
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_is_the_uci_copy_scikit_learn_ships():
    d = digits()
    assert d.values.shape == (1797, 65)
    assert d.columns[0] == "p0" and d.columns[-1] == "digit"
    assert np.bincount(d.column("digit").astype(int)).tolist() == DIGIT_COUNTS
    pixels = d.values[:, :64]
    assert pixels.min() == 0 and pixels.max() == 16 and np.all(pixels == np.round(pixels))
    # The first image is a 0: its middle column of pixels is dark where a 0 has its hole.
    assert d.column("digit")[0] == 0 and d.values[0, [27, 35]].tolist() == [0, 0]


def test_the_digits_file_and_its_licence_note_are_package_data():
    from pathlib import Path

    import gdcli

    root = Path(gdcli.__file__).parent
    assert (root / "data" / "digits.csv.gz").is_file()
    note = (root / "data" / "README.md").read_text()
    assert "CC BY 4.0" in note and "archive.ics.uci.edu" in note
    toml = (root.parent / "pyproject.toml").read_text()
    assert '"data/digits.csv.gz"' in toml and '"data/README.md"' in toml


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    dtype = {0x08: ">u1", 0x0D: ">f4"}[code]
    return bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape) + \
        array.astype(dtype).tobytes()


@pytest.fixture
def idx_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(30, 4, 5)).astype(np.uint8)
    labels = np.repeat(np.arange(3), 10).astype(np.uint8)
    (tmp_path / "img.idx").write_bytes(idx_bytes(images))
    (tmp_path / "lab.idx.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    return tmp_path / "img.idx", tmp_path / "lab.idx.gz", images, labels


def test_idx_reader_round_trips_plain_and_gzipped(idx_files, tmp_path):
    img, lab, images, labels = idx_files
    assert np.array_equal(read_idx(img), images)
    assert np.array_equal(read_idx(lab), labels)
    floats = np.linspace(-1, 1, 12).reshape(3, 4)
    (tmp_path / "f.idx").write_bytes(idx_bytes(floats, 0x0D))
    np.testing.assert_allclose(read_idx(tmp_path / "f.idx"), floats, rtol=1e-7)
    d = idx_data(img, lab)
    assert d.values.shape == (30, 21) and d.columns[-1] == "label"
    assert np.array_equal(d.values[:, :20], images.reshape(30, 20))


@pytest.mark.parametrize("content,message", [
    (b"\x00\x00\x08", "bad magic"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 2) + b"ab", "bad magic"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"ab", "bad magic"),  # 0x07 is no IDX type
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated IDX header"),
    (b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + b"abcde", "need 6 data bytes; the file has 5"),
    (b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + b"abcdefg", "need 6 data bytes; the file has 7"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 0), "hold no data"),
    (b"\x1f\x8b\x08\x00garbage", "not a readable gzip"),
])
def test_corrupt_idx_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_idx_label_count_and_dimensions_are_checked(idx_files, tmp_path):
    img, lab, images, labels = idx_files
    (tmp_path / "short.idx").write_bytes(idx_bytes(labels[:29]))
    with pytest.raises(DataError, match="29 labels for 30 images"):
        idx_data(img, tmp_path / "short.idx")
    with pytest.raises(DataError, match="a label file has 1 dimension"):
        idx_data(img, img)
    with pytest.raises(DataError, match="at least 2 dimensions"):
        idx_data(lab, lab)


def labelled(counts, seed=0) -> Dataset:
    y = np.concatenate([np.full(n, float(c)) for c, n in enumerate(counts)])
    x = np.random.default_rng(seed).normal(5, 3, size=y.size)
    return Dataset(("x", "y"), np.column_stack([x, y]), "t")


def test_stratified_split_keeps_class_proportions_and_is_seeded():
    data = labelled([40, 20, 100])
    train, test = stratified_split(data, "y", 0.25, seed=3)
    assert np.bincount(test.column("y").astype(int)).tolist() == [10, 5, 25]
    assert train.rows + test.rows == data.rows
    both = np.sort(np.concatenate([train.column("x"), test.column("x")]))
    assert np.array_equal(both, np.sort(data.column("x")))  # a partition: nothing lost, nothing repeated
    again = stratified_split(data, "y", 0.25, seed=3)[1]
    other = stratified_split(data, "y", 0.25, seed=4)[1]
    assert np.array_equal(again.values, test.values) and not np.array_equal(other.values, test.values)


def test_split_edges():
    with pytest.raises(DataError, match="class 1 of 'y' has 1 example"):
        stratified_split(labelled([5, 1]), "y", 0.3, 0)
    for bad in (0.0, 1.0, -0.2, 1.5):
        with pytest.raises(UsageError, match="between 0 and 1"):
            stratified_split(labelled([5, 5]), "y", bad, 0)
    train, test = stratified_split(labelled([2, 2]), "y", 0.01, 0)  # at least one of each class on each side
    assert train.rows == 2 and test.rows == 2
    train, test = stratified_split(labelled([2, 2]), "y", 0.99, 0)
    assert train.rows == 2 and test.rows == 2


@pytest.mark.parametrize("kind", ["standard", "minmax"])
def test_scaling_is_fitted_on_the_training_rows_only(kind):
    train, test = stratified_split(labelled([50, 50]), "y", 0.3, 0)
    t = scaler(train, ("x",), kind)
    a, b = apply_scale(train, ("x",), t), apply_scale(test, ("x",), t)
    if kind == "standard":
        assert a.column("x").mean() == pytest.approx(0, abs=1e-12) and a.column("x").std() == pytest.approx(1)
        expected = (test.column("x") - train.column("x").mean()) / train.column("x").std()
    else:
        assert a.column("x").min() == 0 and a.column("x").max() == 1
        lo, hi = train.column("x").min(), train.column("x").max()
        expected = (test.column("x") - lo) / (hi - lo)
    np.testing.assert_allclose(b.column("x"), expected, rtol=1e-12)
    assert np.array_equal(b.column("y"), test.column("y"))  # the target is never scaled


def test_constant_and_huge_columns_scale_without_nan():
    values = np.column_stack([np.full(6, 7.0), [1e300, -1e300, 5e299, 0, 1, 2], [0, 1, 0, 1, 0, 1.0]])
    data = Dataset(("c", "h", "y"), values, "t")
    small = values.copy()
    small[:, 1] = [1e-300, -1e-300, 5e-301, 0, 1e-310, 2e-310]
    tiny = Dataset(("c", "h", "y"), small, "t")
    for kind, d in (("standard", data), ("minmax", data), ("standard", tiny)):
        scaled = apply_scale(d, ("c", "h"), scaler(d, ("c", "h"), kind))
        assert np.all(scaled.column("c") == 0)
        h = scaled.column("h")
        assert np.all(np.isfinite(h)) and h.max() > h.min()
        if kind == "standard":
            assert h.mean() == pytest.approx(0, abs=1e-12) and h.std() == pytest.approx(1, rel=1e-12)


# -- the command line ------------------------------------------------------------------------------------------

def test_fit_digits_mlp_reports_train_and_test_metrics_and_confusion(cli_json):
    doc = cli_json("fit", "--data", "digits", "--model", "mlp:16", "--optimizer", "adam", "--lr", "0.01",
                   "--batch-size", "64", "--epochs", "5", "--scale", "standard", "--test-split", "0.2")
    m = doc["metrics"]
    assert doc["rows"] + doc["test_rows"] == 1797 and doc["test_rows"] == sum(round(0.2 * n) for n in DIGIT_COUNTS)
    assert m["test_accuracy"] > 0.85 and m["train_accuracy"] > 0.85 and m["test_loss"] > m["train_loss"] > 0
    c = m["confusion"]
    matrix = np.array(c["matrix"])
    assert c["on"] == "test" and matrix.shape == (10, 10)
    assert matrix.sum(1).tolist() == [round(0.2 * n) for n in DIGIT_COUNTS]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(m["test_accuracy"], rel=1e-12)
    h = doc["history"]
    assert len(h) == 6 and all(k in h[-1] for k in ("train_accuracy", "test_loss", "test_accuracy", "seconds"))
    assert h[-1]["test_loss"] == m["test_loss"] and h[0]["test_accuracy"] < 0.5 < h[-1]["test_accuracy"]
    assert doc["network"]["sizes"] == [64, 16, 10] and "He" in doc["network"]["init"]


def test_fit_idx_files_end_to_end(cli_json, idx_files):
    img, lab, images, labels = idx_files
    doc = cli_json("fit", "--data", img, "--labels", lab, "--model", "softmax", "--scale", "minmax",
                   "--epochs", "3", "--lr", "0.1")
    assert doc["rows"] == 30 and len(doc["features"]) == 20 and doc["loss_function"] == "cross-entropy"
    assert doc["metrics"]["confusion"]["on"] == "train"


@pytest.mark.parametrize("args,message", [
    (("--model", "mlp:0"), "at least 1 unit"),
    (("--model", "mlp:abc"), "whole-number"),
    (("--model", "mlp:4", "--activation", "swish"), "--activation must be one of"),
    (("--test-split", "1.5"), "--test-split must be between 0 and 1"),
    (("--test-split", "0"), "--test-split must be between 0 and 1"),
    (("--scale", "log"), "--scale must be one of"),
    (("--task", "ranking"), "--task must be"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(cli, tmp_path, args, message):
    out = tmp_path / "out.png"
    r = cli("fit", "--data", "digits", "--epochs", "1", "--plot", out, *args)
    assert r.exit_code == 2
    assert r.stderr.strip().count("\n") == 0 and message in r.stderr
    assert not out.exists()


def test_bad_data_exits_2_with_one_line(cli, tmp_path, idx_files):
    img, lab, images, labels = idx_files
    (tmp_path / "short.idx").write_bytes(idx_bytes(labels[:7]))
    r = cli("fit", "--data", img, "--labels", tmp_path / "short.idx", "--epochs", "1")
    assert r.exit_code == 2 and "7 labels for 30 images" in r.stderr and r.stderr.strip().count("\n") == 0
    (tmp_path / "junk.idx").write_bytes(b"not an idx file at all")
    r = cli("fit", "--data", tmp_path / "junk.idx", "--labels", lab, "--epochs", "1")
    assert r.exit_code == 2 and "bad magic" in r.stderr
    (tmp_path / "one.csv").write_text("x,y\n1,0\n2,0\n3,1\n")
    r = cli("fit", "--data", tmp_path / "one.csv", "--model", "mlp:2", "--test-split", "0.3", "--epochs", "1")
    assert r.exit_code == 2 and "has 1 example" in r.stderr and r.stderr.strip().count("\n") == 0


def test_plot_draws_train_and_test_curves(cli, tmp_path):
    out = tmp_path / "curves.png"
    r = cli("fit", "--data", "digits", "--model", "softmax", "--scale", "standard", "--test-split", "0.3",
            "--epochs", "4", "--lr", "0.5", "--plot", out)
    assert r.exit_code == 0, r.stderr
    from PIL import Image

    image = np.asarray(Image.open(out).convert("L"), dtype=float)
    assert image.shape[1] > 1000 and image.std() > 10  # two panels, not blank
    assert "confusion matrix, test rows" in r.stdout and "test acc" in r.stdout
    doc = json.loads(cli("fit", "--data", "digits", "--model", "softmax", "--scale", "standard", "--epochs", "1",
                         "--json").stdout)
    assert doc["params"]["b0"] == doc["params"]["b0"] and len(doc["params"]) == 650


def test_ctrl_c_keeps_the_network_trained_so_far_and_restores_torch(cli, monkeypatch, tmp_path):
    import os
    import signal

    import torch

    from gdcli.engine.learn import backprop

    real = backprop.NetTensors.manual_loss_and_grad
    calls = {"n": 0}

    def step(self, theta, idx=None):
        calls["n"] += 1
        if calls["n"] == 100:  # in the fifth epoch: 180 training rows make 23 updates each
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C
        return real(self, theta, idx)

    threads = torch.get_num_threads()
    monkeypatch.setattr(backprop.NetTensors, "manual_loss_and_grad", step)
    params = tmp_path / "p.json"
    r = cli("fit", "--data", "digits", "--subset", "0,1", "--model", "mlp:4", "--batch-size", "8",
            "--epochs", "1000", "--test-split", "0.5", "--save-params", params, "--json")
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["status"] == "interrupted" and len(doc["history"]) == 5  # epochs 0 to 4 finished
    assert doc["metrics"]["test_accuracy"] == doc["history"][-1]["test_accuracy"]
    assert json.loads(params.read_text())["status"] == "interrupted"
    assert torch.get_num_threads() == threads  # the one-thread setting of training was undone
