"""The compiled chaos-game kernel (numba, the `fast` extra) against the NumPy one: the same histogram bit for bit.

The NumPy kernel is the oracle: both take the same random rows and do the same IEEE operations in the same order,
so every count, the bounding box and the flags must be equal, not close.
"""

import importlib.util

import numpy as np
import pytest

from gdcli.engine.chaos import game, parallel
from gdcli.engine.chaos.game import Window, kernel_for, run_chaos
from gdcli.engine.chaos.problem import SEED_X, SEED_Y, problem, sgd_maps

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba (the fast extra) is not installed")
PROB = problem(SEED_X, SEED_Y)


def both(maps, points, **kw):
    kw = dict(dict(burn_in=30, chains=1000, resolution=150, seed=7), **kw)
    return run_chaos(maps, PROB.minimum, points, kernel="numpy", **kw), run_chaos(maps, PROB.minimum, points,
                                                                                  kernel="numba", **kw)


def assert_same(a, b):
    np.testing.assert_array_equal(a.counts, b.counts)
    assert (a.points, a.inside, a.window, a.bbox, a.nonfinite, a.interrupted) == \
           (b.points, b.inside, b.window, b.bbox, b.nonfinite, b.interrupted)


@needs_numba
@pytest.mark.parametrize("lr, batch, points, kw", [
    (0.65, 1, 1_000_003, {}),  # the window from a pilot; the last step bins only 3 of 1,000 chains
    (0.65, 1, 2_500_000, dict(chains=16384, window=Window((0.9, 1.6), (1.1, 1.9)))),  # a zoom: most points outside
    (0.3, 2, 300_001, dict(burn_in=0)),  # mini-batches of two samples, no burn-in
    (1.2, 1, 200_000, dict(chains=3, resolution=64)),  # a wide attractor, three chains
    (0.65, 1, 999, dict(chains=16384)),  # fewer points than chains
])
def test_numba_bins_what_numpy_bins(lr, batch, points, kw):
    a, b = both(sgd_maps(PROB, lr, batch), points, **kw)
    assert a.points == points and a.inside > 0
    assert_same(a, b)


@needs_numba
def test_more_than_256_maps_use_wide_indices():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(30, 2))
    prob = problem(X, X @ [1.0, -2.0] + 0.1 * rng.standard_normal(30))
    maps = sgd_maps(prob, 0.2, 2)  # C(30, 2) = 435 mini-batches: uint16 rows
    assert len(maps.a00) == 435
    a, b = (run_chaos(maps, prob.minimum, 200_000, burn_in=20, chains=500, resolution=100, kernel=k)
            for k in ("numpy", "numba"))
    assert_same(a, b)


@needs_numba
def test_a_diverging_run_is_flagged_by_both():
    maps = sgd_maps(PROB, 2.5, 1)  # lr·‖x_i‖² > 2: the step on a sample expands
    for k in ("numpy", "numba"):
        d = run_chaos(maps, PROB.minimum, 3_000_000, burn_in=0, chains=1000, resolution=50,
                      window=Window((0.0, 4.0), (0.0, 4.0)), kernel=k)
        assert d.nonfinite and d.bbox is None, k


@needs_numba
def test_workers_with_numba_match_workers_with_numpy(monkeypatch):
    monkeypatch.setitem(parallel.MIN_POINTS, "numba", 0)
    monkeypatch.setitem(parallel.MIN_POINTS, "numpy", 0)
    maps = sgd_maps(PROB, 0.65, 1)
    kw = dict(workers=2, burn_in=40, chains=2048, resolution=120, seed=3)
    a = parallel.run_chaos_parallel(maps, PROB.minimum, 1_234_567, kernel="numpy", **kw)
    b = parallel.run_chaos_parallel(maps, PROB.minimum, 1_234_567, kernel="numba", **kw)
    assert a.points == 1_234_567 and a.chains == 2048
    assert_same(a, b)


def test_auto_takes_numba_only_for_long_runs_and_only_where_installed(monkeypatch):
    assert kernel_for("numpy", 10**12) == "numpy"
    assert kernel_for("auto", game.JIT_MIN_POINTS - 1) == "numpy"
    assert kernel_for("auto", game.JIT_MIN_POINTS) == ("numba" if HAVE_NUMBA else "numpy")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert kernel_for("auto", 10**12) == "numpy"
    with pytest.raises(ImportError, match=r"gdcli\[fast\]"):
        kernel_for("numba", 1)


def test_kernel_option_errors_are_one_line(cli, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    r = cli("fractal", "--kernel", "numbaa", "--points", "1000")
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == [
        "error: --kernel must be one of auto, numpy, numba; got 'numbaa'; did you mean 'numba'?"]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)  # as if numba were not installed
    r = cli("fractal", "--kernel", "numba", "--points", "1000")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1 and "pip install 'gdcli[fast]'" in r.stderr
    assert not (tmp_path / "fractal.png").exists()


def test_the_json_names_the_kernel_that_ran(cli_json, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    doc = cli_json("fractal", "--points", "20000", "--resolution", "60", "--lr", "0.65", "--lr", "9")
    assert [p["kernel"] for p in doc["panels"]] == ["numpy", None]  # lr 9 expands: stopped before running
    if HAVE_NUMBA:
        doc = cli_json("fractal", "--points", "20000", "--resolution", "60", "--kernel", "numba")
        assert doc["panels"][0]["kernel"] == "numba" and doc["panels"][0]["points"] == 20000
