"""`gdcli fractal` from the command line: JSON contract, PNG, options, errors, Ctrl-C, preview."""

import contextlib
import json
import subprocess
import sys

import numpy as np
import pytest
from rich.console import Console

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = ("--points", "20000", "--resolution", "120")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def read_png(path):
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_MAGIC
    return matplotlib.image.imread(path)


def test_defaults_reproduce_fig_2_12(cli_json, tmp_path):
    doc = cli_json("fractal", "--points", "1e5", "--resolution", "300")
    assert {"minimum", "lr", "points", "window", "image", "lines"} <= doc.keys()
    assert doc["minimum"] == [2.0, pytest.approx(4 / 3)] and doc["minimum_exact"] == ["2", "4/3"]
    assert doc["lr"] == [0.65] and doc["points"] == 100_000
    assert [line["equation"] for line in doc["lines"]] == ["w2 = 0", "w1 + 1/2 w2 = 4", "w1 - 1/2 w2 = 0"]
    assert doc["image"] == "fractal.png"
    img = read_png(tmp_path / "fractal.png")
    assert img.shape[0] > 300 and img.shape[1] > 300
    assert (img[..., :3].min(axis=2) < 0.9).mean() > 0.02  # ink: the density was drawn, not a blank panel
    p = doc["panels"][0]
    assert p["status"] == "ok" and p["points"] == p["inside"] == 100_000 and p["points_per_second"] > 0
    assert p["bbox"]["w1"][0] >= 0 and p["bbox"]["w1"][1] <= 4 and p["bbox"]["w2"][1] <= 4


def test_lr_grid_and_small_lr_cloud(cli_json, tmp_path):
    doc = cli_json("fractal", "--lr", "0.65", "--lr", "1.0", "--lr", "5e-4", "--out", "grid.png", *FAST)
    assert doc["lr"] == [0.65, 1.0, 5e-4] and [p["status"] for p in doc["panels"]] == ["ok"] * 3
    small = doc["panels"][2]["bbox"]
    assert 1.85 < small["w1"][0] < 2 < small["w1"][1] < 2.15 and 1.2 < small["w2"][0] < 4 / 3 < small["w2"][1] < 1.47
    img = read_png(tmp_path / "grid.png")
    single = read_png(tmp_path / "one.png") if cli_json("fractal", "--out", "one.png", *FAST) else None
    assert img.shape[0] > 1.6 * single.shape[0] and img.shape[1] > 1.6 * single.shape[1]  # a 2×2 grid of panels


def test_zoom_window(cli_json):
    doc = cli_json("fractal", "--window", "0.9:1.6,1.1:1.9", "--out", "zoom.png", *FAST)
    assert doc["window"] == [{"w1": [0.9, 1.6], "w2": [1.1, 1.9]}]
    assert 0 < doc["panels"][0]["inside"] < doc["panels"][0]["points"]


def test_divergence_is_reported_not_an_error(cli, tmp_path):
    r = cli("fractal", "--lr", "1.7", *FAST)
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert "lr 1.7 diverges" in text and "lr·‖x_i‖² > 2" in text and "stopped early" in text
    doc = json.loads(cli("fractal", "--lr", "1.7", "--json", *FAST).stdout)
    p = doc["panels"][0]
    assert p["status"] == "diverged" and p["points"] == 0 and [e["samples"] for e in p["expanding"]] == [[2], [3]]
    read_png(tmp_path / "fractal.png")


def test_data_file_and_batch_size(cli_json, tmp_path):
    (tmp_path / "seed.csv").write_text("x1,x2,y\n0,1,0\n1,0.5,4\n1,-0.5,0\n")
    doc = cli_json("fractal", "--data", "seed.csv", *FAST)
    assert doc["minimum_exact"] == ["2", "4/3"]
    (tmp_path / "four.txt").write_text("# x1 x2 y\n1 0 1\n0 1 1\n1 1 0\n1 -1 1\n")
    doc = cli_json("fractal", "--data", "four.txt", "--batch-size", "2", *FAST)
    X = np.array([[1, 0], [0, 1], [1, 1], [1, -1]])
    assert doc["minimum"] == pytest.approx(np.linalg.lstsq(X, [1, 1, 0, 1], rcond=None)[0])
    assert len(doc["lines"]) == 4 and doc["batch_size"] == 2


def test_config_file(cli_json, tmp_path):
    (tmp_path / "f.yaml").write_text("command: fractal\nlr: [0.7, 0.8]\npoints: 20000\nresolution: 100\nout: cfg.png\n")
    doc = cli_json("fractal", "--config", "f.yaml", "--points", "30000")
    assert doc["lr"] == [0.7, 0.8] and doc["points"] == 30000 and doc["image"] == "cfg.png"
    assert (tmp_path / "cfg.png").exists()


@pytest.mark.parametrize("args, message", [
    (("--window", "1:2"), "--window"),
    (("--lr", "-1"), "--lr"),
    (("--points", "many"), "--points"),
    (("--points", "0"), "--points"),
    (("--data", "missing.csv"), "missing.csv"),
    (("--colormap", "Bluez"), "did you mean 'Blues'"),
    (("--out", "f.jpg"), ".png"),
    (("--batch-size", "4"), "--batch-size"),
    (("--resolution", "100000"), "--resolution"),
])
def test_bad_input_is_one_line_exit_2(cli, tmp_path, args, message):
    r = cli("fractal", *args)
    assert r.exit_code == 2, r.stdout
    assert message in r.stderr and r.stderr.count("\n") == 1 and r.stderr.startswith("error:")
    assert not (tmp_path / "fractal.png").exists()


def test_bad_data_rows_name_file_and_line(cli, tmp_path):
    (tmp_path / "bad.csv").write_text("0,1,0\n1,0.5\n")
    r = cli("fractal", "--data", "bad.csv")
    assert r.exit_code == 2 and "bad.csv:2: expected 3 columns" in r.stderr


def test_ctrl_c_keeps_the_image_and_exits_130(cli, tmp_path, monkeypatch):
    import gdcli.engine.chaos.game as chaos
    import gdcli.render.progress as progress

    monkeypatch.setattr(chaos, "CHUNK", 4096)

    @contextlib.contextmanager
    def interrupting(description, total, enabled=True):
        class Bar:
            def update(self, advance=1, **kw):
                raise KeyboardInterrupt

        yield Bar()

    monkeypatch.setattr(progress, "progress", interrupting)
    # one process: the bar's Ctrl-C lands inside the run. With workers, both may have finished before the parent's
    # first progress call, and then nothing was interrupted (tests/test_fractal_parallel.py sends a real SIGINT)
    r = cli("fractal", "--points", "1e7", "--resolution", "100", "--workers", "1", "--json")
    assert r.exit_code == 130 and r.stderr.startswith("interrupted: kept ")
    doc = json.loads(r.stdout)
    assert doc["interrupted"] is True and doc["panels"][0]["status"] == "interrupted"
    assert 0 < doc["panels"][0]["points"] < 10**7
    read_png(tmp_path / "fractal.png")


def test_preview_only_on_a_terminal(cli, tmp_path):
    from gdcli.cli import fractal as fractal_cli
    from gdcli.commands import fractal as cmd
    from gdcli.render.fractal import SHADES, preview

    r = cli("fractal", *FAST)
    assert r.exit_code == 0 and "█" not in r.stdout  # not a terminal here
    opts = cmd.FractalOptions(points=20000, resolution=120, out=None)
    result = cmd.compute(opts)
    con = Console(force_terminal=True, width=100, record=True)
    fractal_cli.render(result, con)
    text = con.export_text()
    assert "lr 0.65:" in text and "█" in text
    rows = preview(result.panels[0]._density.counts, width=40)
    assert len(rows) == 20 and all(len(row) == 40 and set(row) <= set(SHADES) for row in rows)
    assert rows[-1].count(" ") < rows[0].count(" ")  # the triangle: wide base at the bottom, apex at the top


def test_preview_of_a_known_array():
    from gdcli.render.fractal import preview

    counts = np.zeros((4, 4), int)
    counts[0, 0] = 100  # bottom-left
    counts[3, 3] = 1  # top-right
    assert preview(counts, width=4) == ["   ·", "█   "]


def test_artifacts_write_into_out_dir(tmp_path):
    from gdcli.commands import fractal as cmd

    opts = cmd.FractalOptions(points=5000, resolution=60, out="f.png")
    result = cmd.compute(opts)
    paths = cmd.artifacts(result, opts, tmp_path / "results")
    assert paths == [tmp_path / "results" / "f.png"]
    read_png(paths[0])


def test_help_has_an_example(cli):
    r = cli("fractal", "--help")
    assert r.exit_code == 0 and "Example" in r.stdout and "gdcli fractal" in r.stdout


def test_subprocess_json(tmp_path):
    r = subprocess.run([sys.executable, "-m", "gdcli", "fractal", "--json", "--points", "2e4", "--resolution", "100",
                        "--out", str(tmp_path / "sub.png")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["image"] == str(tmp_path / "sub.png") and doc["minimum_exact"] == ["2", "4/3"]
    read_png(tmp_path / "sub.png")
