"""critical and taylor as real processes: lazy imports, one JSON document, Ctrl-C, and the dedup helper."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from gdcli.engine.calculus.rootsearch import deduplicate, latin_hypercube
from test_subprocess import _PROBE  # the import probe grad and hessian are checked with


@pytest.mark.parametrize("args", [
    ["critical", "x**4 - 5*x**2 + 4*x", "--json"],
    ["critical", "sin(3*x) + 0.1*x**2", "--domain", "x=-4:4", "--time-limit", "0.5"],
    ["taylor", "exp(x)", "--at", "0", "--order", "3", "--step", "0.1"],
])
def test_without_plot_neither_torch_nor_matplotlib_is_imported(args):
    r = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120)
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("HEAVY") and last.endswith(" 0"), r.stderr
    assert "torch" not in last and "matplotlib" not in last, last


def test_loading_the_cli_does_not_load_sympy():
    code = "import sys, gdcli.cli.app; print('sympy' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False", r.stderr


@pytest.mark.parametrize("args", [["critical", "x**2 - 2*x*y + 3*y**2 - y"], ["taylor", "sin(x)*y", "--at", "1,2"]])
def test_json_is_one_document(args):
    r = subprocess.run([sys.executable, "-m", "gdcli", *args, "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == ""
    doc, end = json.JSONDecoder().raw_decode(r.stdout)
    assert r.stdout[end:].strip() == "" and doc["expression"] == args[1]


def test_ctrl_c_during_the_numeric_search_exits_130(cli, monkeypatch):
    from gdcli.expr.expression import Expression

    real = Expression.grad
    calls = {"n": 0}

    def grad(self, x):
        calls["n"] += 1
        if calls["n"] == 5:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C in the middle of the Newton iterations
        return real(self, x)

    monkeypatch.setattr(Expression, "grad", grad)
    r = cli("critical", "sin(3*x) + 0.1*x**2", "--domain", "x=-4:4", "--time-limit", "0.5")
    assert r.exit_code == 130 and "interrupted" in r.stderr and "Traceback" not in r.stderr


def test_deduplicate_keeps_the_best_point_of_each_cluster():
    X = np.array([[0.0, 1.0], [1e-7, 1.0], [0.5, 0.5], [0.5 + 2e-6, 0.5]])
    residual = np.array([1e-9, 1e-12, 1e-10, 1e-10])
    kept = deduplicate(X, residual, width=np.array([1.0, 1.0]))
    assert kept.tolist() == [[1e-7, 1.0], [0.5, 0.5], [0.5 + 2e-6, 0.5]]  # 2e-6 apart is two points at rel 1e-6
    assert deduplicate(np.zeros((0, 2)), np.zeros(0), np.ones(2)).shape == (0, 2)


def test_starts_fill_the_box_one_per_slab():
    P = latin_hypercube(np.array([-1.0, 10.0]), np.array([1.0, 20.0]), 50, seed=3)
    assert P.shape == (50, 2)
    for i, (lo, hi) in enumerate(((-1, 1), (10, 20))):
        slabs = np.floor((P[:, i] - lo) / (hi - lo) * 50).astype(int)
        assert sorted(slabs.tolist()) == list(range(50))  # a Latin hypercube: every slab hit exactly once
    assert np.array_equal(P, latin_hypercube(np.array([-1.0, 10.0]), np.array([1.0, 20.0]), 50, seed=3))
    huge = latin_hypercube(np.array([-1e308]), np.array([1e308]), 10, seed=0)
    assert np.all(np.isfinite(huge))
