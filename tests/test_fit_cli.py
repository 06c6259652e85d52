"""`gdcli fit` on the command line: JSON contract, data errors, sweeps, files, config and Ctrl-C."""

import json
import subprocess
import sys

import numpy as np
import pytest

FIVE_CSV = "x,y\n1,3\n2,5\n3,7\n4,9\n5,11\n"


@pytest.fixture
def five(tmp_path):
    path = tmp_path / "five.csv"
    path.write_text(FIVE_CSV)
    return path


def test_json_contract_and_five_point_workout(cli_json, five):
    doc = cli_json("fit", "--data", five, "--model", "w*x + b", "--loss", "sse", "--init", "w=1.5,b=1",
                   "--lr", "0.01", "--epochs", "3000")
    for key in ("params", "loss", "history", "updates_per_epoch", "closed_form"):
        assert key in doc
    first = doc["history"][0]
    assert (first["epoch"], first["loss"]) == (0, 13.75) and first["seconds"] >= 0  # seconds: wall clock so far
    assert doc["params"] == pytest.approx({"w": 2.0, "b": 1.0}, abs=1e-6)
    assert doc["closed_form"]["params"] == pytest.approx({"w": 2.0, "b": 1.0}, abs=1e-12)
    assert doc["closed_form"]["loss"] == pytest.approx(0, abs=1e-20)
    assert doc["updates_per_epoch"] == 1 and doc["status"] == "done"


def test_generate_is_seeded_and_reports_true_function(cli_json):
    args = ("fit", "--generate", "1.5*x + 2.73", "--noise", "0.5", "--n", "100", "--model", "w*x + b",
            "--lr", "0.005", "--epochs", "2000", "--seed", "7")
    a, b = cli_json(*args), cli_json(*args)
    assert a["params"] == b["params"]
    assert a["generator"] == "1.5*x + 2.73" and a["true_params"] == pytest.approx({"w": 1.5, "b": 2.73})
    assert a["closed_form"]["param_distance"] < 1e-3
    c = cli_json(*args[:-1], "8")
    assert c["params"] != a["params"]


def test_table_output_shows_parameters_closed_form_and_elided_history(cli, five):
    r = cli("fit", "--data", five, "--model", "w*x + b", "--loss", "sse", "--lr", "0.01", "--epochs", "500")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "closed form" in out and "parameters" in out and "loss by epoch" in out
    assert "…" in out and "  500 " in out  # the middle of the history is elided, the end is shown


def test_batch_size_sweep_prints_loss_and_time_per_setting(cli, cli_json):
    args = ("fit", "--generate", "1.5*x + 2.73", "--x-dist", "uniform:-1,1", "--noise", "0.5", "--n", "200",
            "--model", "w*x + b", "--lr", "0.05", "--epochs", "3", "--batch-size", "1,10,100,full")
    doc = cli_json(*args)
    assert [s["batch_size"] for s in doc["sweep"]] == [1, 10, 100, None]
    assert [s["updates_per_epoch"] for s in doc["sweep"]] == [200, 20, 2, 1]
    r = cli(*args)
    assert r.exit_code == 0
    assert "mini-batch study" in r.stdout and "wall time" in r.stdout


def test_perceptron_cli_reports_xor_cannot_be_separated(cli, tmp_path):
    path = tmp_path / "xor.csv"
    path.write_text("x1,x2,label\n0,0,-1\n1,1,-1\n0,1,1\n1,0,1\n")
    r = cli("fit", "--data", path, "--model", "perceptron", "--lr", "1", "--epochs", "50", "--batch-size", "1")
    assert r.exit_code == 0
    assert "cannot separate" in " ".join(r.stdout.split())


BAD_DATA = [
    ("missing.csv", None, "no such file"),
    ("ragged.csv", "x,y\n1,2\n3\n", "line 3 has 1 cells"),
    ("word.csv", "x,y\n1,2\n3,abc\n", "line 3, column 'y': 'abc' is not a number"),
    ("nan.csv", "x,y\n1,2\nnan,4\n", "line 3, column 'x'"),
    ("inf.csv", "x,y\n1,2\n3,inf\n", "line 3, column 'y'"),
    ("empty.csv", "x,y\n", "no data rows"),
]


@pytest.mark.parametrize("name,text,message", BAD_DATA)
def test_bad_data_is_one_line_and_exit_2(cli, tmp_path, name, text, message):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    r = cli("fit", "--data", path, "--model", "w*x + b")
    assert r.exit_code == 2
    assert message in r.stderr and r.stderr.count("\n") == 1 and r.stdout == ""


@pytest.mark.parametrize("args,message", [
    (("--model", "w*x1 + b"), "model variable 'x1' names no column"),
    (("--model", "w*x + b*z", "--params", "w,b"), "model variable 'z' names no column"),
    (("--model", "w*x + b", "--x", "q"), "--x: no column named 'q'"),
    (("--model", "w*x + b", "--loss", "l3"), "--loss must be one of"),
    (("--model", "w*x + b", "--gradient", "module", "--optimizer", "newton"), "newton is not in torch.optim"),
    (("--model", "w*x + b", "--batch-size", "0"), "at least 1"),
    (("--model", "__import__('os')"), "error"),
])
def test_bad_options_exit_2(cli, five, args, message):
    r = cli("fit", "--data", five, *args)
    assert r.exit_code == 2, r.stdout
    assert message in r.stderr


def test_npy_and_npz_columns(cli_json, tmp_path):
    a = np.array([[1, 3], [2, 5], [3, 7], [4, 9.0]])
    np.save(tmp_path / "d.npy", a)
    np.savez(tmp_path / "d.npz", X=a[:, :1], y=a[:, 1])
    for name in ("d.npy", "d.npz"):
        doc = cli_json("fit", "--data", tmp_path / name, "--model", "linear", "--epochs", "1")
        assert doc["features"] == ["x1"] and doc["closed_form"]["params"] == pytest.approx({"w": 2, "b": 1})


def test_files_save_params_plots_and_artifacts(cli, five, tmp_path):
    from gdcli.commands import fit as fit_cli

    params, plot = tmp_path / "out" / "p.json", tmp_path / "out" / "loss.png"
    r = cli("fit", "--data", five, "--model", "w*x + b", "--epochs", "20", "--save-params", params, "--plot", plot)
    assert r.exit_code == 0, r.stderr
    saved = json.loads(params.read_text())
    assert set(saved["params"]) == {"w", "b"}
    assert plot.read_bytes()[:4] == b"\x89PNG" and (tmp_path / "out" / "loss_data.png").read_bytes()[:4] == b"\x89PNG"
    opts = fit_cli.FitOptions(data=str(five), model="w*x + b", epochs=5)
    result = fit_cli.compute(opts, show_progress=False)
    paths = fit_cli.artifacts(result, opts, tmp_path / "art")
    assert sorted(p.name for p in paths) == ["fit_data.png", "fit_history.csv", "fit_loss.png"]
    lines = (tmp_path / "art" / "fit_history.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,seconds" and len(lines) == 7


def test_config_yaml_and_flag_override(cli_json, five, tmp_path):
    cfg = tmp_path / "fit.yaml"
    cfg.write_text(f"command: fit\ndata: {five}\nmodel: w*x + b\nloss: sse\nepochs: 3\nbatch_size: 2\n")
    doc = cli_json("fit", "--config", cfg)
    assert doc["updates_per_epoch"] == 3 and doc["epochs"] == 3 and doc["loss_function"] == "sse"
    doc = cli_json("fit", "--config", cfg, "--epochs", "4")
    assert doc["epochs"] == 4


@pytest.mark.parametrize("gradient, module", [("manual", "gdcli.engine.learn.numpy_train"),
                                              ("autograd", "gdcli.engine.learn.pipeline")])
def test_ctrl_c_keeps_parameters_and_exits_130(cli, five, tmp_path, monkeypatch, gradient, module):
    import importlib

    engine = importlib.import_module(module)  # the NumPy path (manual, linear) and the torch path
    real = engine.train

    def interrupted(*args, **kwargs):
        for i, rec in enumerate(real(*args, **kwargs)):
            if i == 3:
                raise KeyboardInterrupt
            yield rec

    monkeypatch.setattr(engine, "train", interrupted)
    params = tmp_path / "p.json"
    r = cli("fit", "--data", five, "--model", "w*x + b", "--epochs", "100", "--save-params", params, "--json",
            "--gradient", gradient)
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["status"] == "interrupted" and len(doc["history"]) == 3
    assert json.loads(params.read_text())["status"] == "interrupted"


def test_help_has_an_example(cli):
    r = cli("fit", "--help")
    assert r.exit_code == 0 and "gdcli fit --generate" in r.stdout


def test_subprocess_json_run(five):
    out = subprocess.run([sys.executable, "-m", "gdcli", "fit", "--data", str(five), "--model", "w*x + b",
                          "--loss", "sse", "--epochs", "2000", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["params"] == pytest.approx({"w": 2.0, "b": 1.0}, abs=1e-4)
    assert out.stderr == ""
