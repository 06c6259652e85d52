"""Basin maps (--start-grid) and stability maps (two-parameter sweeps) against known minima and closed forms."""

import json
import os
import signal

import numpy as np
import pytest

from gdcli.engine.optim.basins import DIVERGED, Axis, basin_map, cluster
from gdcli.engine.optim.descent import Settings
from gdcli.engine.optim.stability import spectral_radius
from gdcli.expr import compile_expression

HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
# its four minima (f = 0); (3, 2) is exact, the others are roots of a cubic, to 6 decimals
HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]


def test_himmelblau_basin_map_finds_the_four_minima(cli_json):
    doc = cli_json("descend", HIMMELBLAU, "--start-grid", "x=-5:5:60, y=-5:5:60", "--lr", "0.01", "--steps", "2000")
    basins = doc["basins"]
    assert len(basins) == 4 and doc["diverged"] == 0 and doc["not_converged"] == 0 and doc["starts"] == 3600
    found = sorted(tuple(b["point"]) for b in basins)
    for p, q in zip(found, sorted(HIMMELBLAU_MINIMA)):
        np.testing.assert_allclose(p, q, atol=2e-6)
    e = compile_expression(HIMMELBLAU)
    for b in basins:
        assert b["kind"] == "minimum" and b["value"] < 1e-12
        np.testing.assert_allclose(b["eigenvalues"], np.linalg.eigvalsh(e.hessian(np.array(b["point"]))), rtol=1e-9)
    assert sum(b["starts"] for b in basins) == 3600 and sum(b["share"] for b in basins) == pytest.approx(1)
    labels = np.array(doc["labels"])
    assert labels.shape == (60, 60) and set(np.unique(labels)) == {0, 1, 2, 3}
    # the start in each quadrant's corner goes to that quadrant's minimum
    corners = {(0, 59): (-2.805118, 3.131312), (59, 59): (3.0, 2.0), (0, 0): (-3.779310, -3.283186),
               (59, 0): (3.584428, -1.848126)}
    for (i, j), m in corners.items():
        np.testing.assert_allclose(basins[labels[i, j]]["point"], m, atol=2e-6)


def test_double_well_basins_split_at_the_local_maximum():
    # f' = 4x^3 - 6x + 1: minima at the outer roots, the local maximum at the middle one. With a small step GD
    # never jumps over the maximum, so a start goes to the left minimum iff it lies left of the maximum.
    e = compile_expression("x**4 - 3*x**2 + x")
    left, top, right = np.sort(np.roots([4, 0, -6, 1]).real)
    axis = Axis("x", -2.0, 2.0, 401)
    m = basin_map(e, [axis], Settings(lr=0.01, steps=5000))
    by_x = {round(b.point[0], 6): b for b in m.basins}
    assert set(by_x) == {round(left, 6), round(right, 6)}
    assert by_x[round(left, 6)].starts == int(np.sum(axis.values < top))
    assert all(b.kind == "minimum" for b in m.basins)
    assert m.basins[0].value < m.basins[1].value  # the deeper well (left, because of +x) draws more starts


def test_a_start_on_a_critical_point_and_diverging_starts_are_reported():
    # -x^2 + y^2: every start with x != 0 runs away along x; the starts on x = 0 reach the saddle at the origin
    e = compile_expression("y**2 - x**2")
    m = basin_map(e, [Axis("x", -1, 1, 5), Axis("y", -1, 1, 5)], Settings(lr=0.1, steps=2000))
    assert m.diverged == 20 and m.not_converged == 0
    (saddle,) = m.basins
    assert saddle.kind == "saddle" and saddle.starts == 5 and saddle.point == [0.0, 0.0]
    assert np.all((m.labels == DIVERGED) == (np.arange(5)[:, None] != 2))


def test_a_grid_spanning_the_float_range(cli_json):
    # hi - lo overflows to inf: the clustering radius must stay finite, or every end point would be one basin
    doc = cli_json("descend", "x**2 + (y - 1)**2*(y + 1)**2", "--start-grid", "x=-1e308:1e308:3, y=-2:2:5",
                   "--lr", "0.05")
    assert doc["diverged"] == 10  # the starts at x = ±1e308: f overflows at once
    points = sorted(b["point"][1] for b in doc["basins"])
    assert points == [-1.0, 0.0, 1.0] and doc["not_converged"] == 0


def test_clustering_groups_within_the_radius():
    pts = np.array([[0.0, 0.0], [1e-6, 0.0], [1.0, 1.0], [1.0, 1.0 + 2e-6], [5.0, 5.0]])
    labels = cluster(pts, np.array([0.0, 0.1, 1.0, 0.5, 2.0]), radius=1e-5)
    assert labels[0] == labels[1] != labels[2] == labels[3] != labels[4]
    assert cluster(pts, np.zeros(5), radius=1e-5, limit=2).tolist().count(-1) == 1


def test_basin_plot_two_and_one_variables(cli, tmp_path):
    for args, name in [(["x**4 - 3*x**2 + x", "--start-grid", "x=-2:2:50"], "one.png"),
                       ([HIMMELBLAU, "--start-grid", "x=-5:5:30, y=-5:5:30"], "two.png")]:
        r = cli("descend", *args, "--lr", "0.01", "--plot", tmp_path / name)
        assert r.exit_code == 0, r.stderr
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "minimum" in r.stdout and "where the starts ended" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--start-grid", "x=-5:5:10"], "missing an axis for y"),
    (["--start-grid", "x=-5:5:10, y=5:-5:10"], "needs lo < hi"),
    (["--start-grid", "x=-5:5:-3, y=-5:5:10"], "count >= 2"),
    (["--start-grid", "x=-5:5:ten, y=-5:5:10"], "must be a whole number"),
    (["--start-grid", "x=-5:5:10, z=-5:5:10"], "'z' is not a variable"),
    (["--start-grid", "x=-5:5, y=-5:5:10"], "lo:hi:count"),
    (["--start-grid", "x=-5:5:2000, y=-5:5:2000"], "at most 1,000,000"),
    (["--start-grid", "x=-5:5:10, y=-5:5:10", "--start", "1,1"], "not both"),
    (["--start-grid", "x=-5:5:10, y=-5:5:10", "--optimizer", "newton"], "not batched"),
    (["--start-grid", "x=-5:5:10, y=-5:5:10", "--lr", "0.1,0.2"], "one --lr"),
])
def test_start_grid_errors_are_one_line(cli, args, message):
    r = cli("descend", "x**2 + y**2", *args)
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_ctrl_c_keeps_the_partial_basin_map(cli, monkeypatch):
    from gdcli.expr.expression import Expression

    real = Expression.value_and_grad
    calls = {"n": 0}

    def value_and_grad(self, x):
        calls["n"] += 1
        if calls["n"] == 5:
            os.kill(os.getpid(), signal.SIGINT)
        return real(self, x)

    monkeypatch.setattr(Expression, "value_and_grad", value_and_grad)
    r = cli("descend", "x**2 + 100*y**2", "--start-grid", "x=-1:1:11, y=-1:1:11", "--lr", "1e-4", "--json")
    assert r.exit_code == 130
    doc = json.loads(r.stdout)
    assert doc["interrupted"] and np.sum(np.array(doc["labels"]) == -3) == 120  # all but the start at the minimum
    assert doc["basins"][0]["starts"] == 1 and doc["basins"][0]["point"] == [0.0, 0.0]


# -- stability maps -----------------------------------------------------------------------------------------

def test_spectral_radius_matches_the_closed_form_boundary():
    # heavy ball on lambda = 2: stable iff lr < 1 + beta (lr*lambda < 2(1 + beta)); gd: iff lr < 1
    for lr in np.linspace(0.05, 2.5, 40):
        for beta in np.linspace(0.0, 0.95, 20):
            if abs(lr - (1 + beta)) > 1e-6:
                assert (spectral_radius("momentum", lr, beta, [2.0]) > 1) == (lr > 1 + beta)
        if abs(lr - 1) > 1e-6:
            assert (spectral_radius("gd", lr, 0.7, [2.0]) > 1) == (lr > 1)
            assert spectral_radius("gd", lr, 0.0, [2.0]) == pytest.approx(abs(1 - 2 * lr))


def test_stability_map_of_x2_under_momentum(cli, cli_json, tmp_path):
    doc = cli_json("descend", "x**2", "--start", "1", "--optimizer", "momentum", "--lr", "0.1:2.4:24",
                   "--momentum", "0:0.9:10", "--steps", "2000")
    sm = doc["stability_map"]
    assert (sm["x"], sm["y"], sm["cells"]) == ("lr", "momentum", 240)
    p = sm["prediction"]
    assert p["disagree"] == 0 and p["agree"] + p["undecided"] == 240 and p["agree"] > 200
    for run in doc["runs"]:
        lr, beta = run["settings"]["lr"], run["settings"]["momentum"]
        if lr > 1 + beta + 0.05:
            assert run["status"] == "diverged", (lr, beta)
        elif lr < 1 + beta - 0.05:
            assert run["status"] == "converged", (lr, beta)
    r = cli("descend", "x**2", "--start", "1", "--optimizer", "momentum", "--lr", "0.1:2.4:24", "--momentum",
            "0:0.9:10", "--plot", tmp_path / "s.png")
    assert r.exit_code == 0 and "as predicted" in r.stdout and "stability map" in r.stdout
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_range_values_and_their_errors(cli, cli_json):
    doc = cli_json("descend", "x**2", "--start", "1", "--lr", "0.1:0.3:3,0.5", "--steps", "5")
    assert [r["lr"] for r in doc["runs"]] == pytest.approx([0.1, 0.2, 0.3, 0.5])
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1:0.3:x")
    assert r.exit_code == 2 and "whole number" in r.stderr
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1:1:2000", "--momentum", "0:0.9:1000")
    assert r.exit_code == 2 and "at most 1,000,000" in r.stderr
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1:1:-2")
    assert r.exit_code == 2 and "between 1 and" in r.stderr
    r = cli("descend", "x**2", "--start", "1", "--momentum", "0:1:5")  # β = 1 never forgets: refused
    assert r.exit_code == 2 and "--momentum must be a number in [0.0, 1.0)" in r.stderr
