"""Issue 12 §1: no input hangs. The issue's inputs each get an answer or a refusal naming the step, within the
budget; sums and n-ary max/min parse in linear time; --time-limit is an option and a YAML key everywhere."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from gdcli.commands import command_module, common
from gdcli.expr import compile_expression
from gdcli.expr.budget import DEFAULT_SECONDS, Budget, SymbolicTimeout

TOWER = "x**x**x**x**x**x**x**x**x**x**x"


def nested(fn: str, depth: int) -> str:
    return f"{fn}(" * depth + "x" + ")" * depth


def gdcli(*args, timeout=120):
    """A whole process; `timeout` only guards the suite against a hang (the budget under test is far smaller)."""
    return subprocess.run([sys.executable, "-m", "gdcli", *args], capture_output=True, text=True, timeout=timeout)


def tower(x: float, n: int = 11) -> float:
    v = x
    for _ in range(n - 1):
        v = x**v
    return v


def iterate_sin(x: float, n: int) -> float:
    for _ in range(n):
        x = math.sin(x)
    return x


def second_difference(f, x: float, h: float = 1e-4) -> float:
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


# The exact commands of the issue, each with its answer checked against an independent oracle.
ISSUE = [
    ("grad", f"max({','.join(f'a{i}' for i in range(20))})", ["--at", ",".join(str(i) for i in range(20))]),
    ("convex", nested("sin", 8), []),
    ("hessian", TOWER, ["--at", "1.01"]),
    ("convex", "(x+1)**999 - x**3", []),
    ("convex", "(x+y+z+w)**200", []),
    ("hessian", nested("sin", 40), ["--at", "0.5"]),
]


@pytest.mark.parametrize("command, expression, extra", ISSUE, ids=[f"{c} {e[:30]}" for c, e, _ in ISSUE])
def test_the_issues_inputs_are_answered_within_the_budget(command, expression, extra):
    r = gdcli(command, expression, *extra, "--json", "--time-limit", "5")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    if command == "grad":  # max(a0..a19) at 0..19: the last argument is the unique maximum
        assert doc["value"] == 19 and doc["gradient"] == [0.0] * 19 + [1.0]
    elif expression == TOWER:
        assert doc["value"] == pytest.approx(tower(1.01), rel=1e-12)
        assert doc["hessian"][0][0] == pytest.approx(second_difference(tower, 1.01), rel=1e-4)
    elif command == "hessian":
        assert doc["value"] == pytest.approx(iterate_sin(0.5, 40), rel=1e-12)
        assert doc["hessian"][0][0] == pytest.approx(second_difference(lambda t: iterate_sin(t, 40), 0.5), rel=1e-4)
    elif expression.startswith("(x+1)"):
        # f''(0) = 999·998 > 0 and f''(-2) = -999·998 + 12 < 0: neither, and that is what must be said
        assert doc["verdict"] == "neither" and doc["witness"] and doc["not_concave_witness"]
    elif expression.startswith("(x+y"):  # an even power of an affine function
        assert (doc["verdict"], doc["proved"], doc["method"]) == ("convex", True, "rules")
    else:  # sin∘…∘sin: sin⁸ is odd and not affine, so it is neither
        assert doc["verdict"] == "neither"


def test_a_budget_that_runs_out_falls_back_and_says_so_never_a_silent_proof(cli_json):
    doc = cli_json("convex", "(x+1)**999 - x**3", "--time-limit", "0.5")
    assert doc["proved"] is False and doc["method"] == "sampling" and doc["verdict"] == "neither"
    assert doc["notes"] and all("time budget ran out" in n for n in doc["notes"])


def test_a_step_without_a_fallback_exits_2_naming_it(cli):
    r = cli("hessian", TOWER, "--at", "1.01", "--time-limit", "0.001")
    assert r.exit_code == 2
    line = r.stderr.strip().splitlines()[0]
    assert "ran out of the 0.001 s time budget" in line and "--time-limit" in line


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf"])
def test_time_limit_must_be_a_positive_number(cli, bad):
    r = cli("grad", "x", "--at", "1", "--time-limit", bad)
    assert r.exit_code == 2 and "--time-limit" in r.stderr


def test_every_expression_command_takes_time_limit_and_the_yaml_key(cli, tmp_path):
    for name in ("grad", "hessian", "convex", "gradcheck", "descend"):
        assert "--time-limit" in cli(name, "--help").stdout
        options = command_module(name).OPTIONS
        assert common.build_options(options, None, {"expression": "x", "start": 1}).time_limit == 5
    config = tmp_path / "c.yaml"
    config.write_text("time_limit: 0.001\n")
    r = cli("hessian", TOWER, "--at", "1.01", "--config", config)
    assert r.exit_code == 2 and "0.001 s time budget" in r.stderr


def test_the_default_is_the_budgets_default():
    assert common.DEFAULT_TIME_LIMIT == DEFAULT_SECONDS


def test_budget_attempt_records_what_it_skipped():
    b = Budget(0.05)
    assert b.attempt("quick", lambda: 1) == 1

    def spin():
        while True:
            pass

    assert b.attempt("exact eigenvalues", spin) is None and b.skipped == ["exact eigenvalues"]
    with pytest.raises(SymbolicTimeout) as err:  # the budget is spent: the next step stops at once
        with b.step("simplification"):
            pass
    assert err.value.step == "simplification"


def test_a_swallowed_timeout_fires_again():
    """SymPy catches Exception in places; the alarm repeats, so one swallowed SymbolicTimeout does not hang us."""
    b = Budget(0.05)

    def swallow_once():
        try:
            while True:
                pass
        except SymbolicTimeout:
            pass
        while True:
            pass

    assert b.attempt("stubborn step", swallow_once) is None


# -- linear-time parsing --------------------------------------------------------------------------------------

def test_a_flat_sum_of_150_terms_is_ordinary_not_too_deep():
    text = "+".join(f"x**{i}" for i in range(150))
    e = compile_expression(text)
    assert float(e.f(np.array([0.5]))) == pytest.approx(sum(0.5**i for i in range(150)), rel=1e-14)
    assert float(e.grad(np.array([0.5]))[0]) == pytest.approx(sum(i * 0.5 ** (i - 1) for i in range(1, 150)), rel=1e-13)


@pytest.mark.parametrize("ops", [("-", "+"), ("*", "/")])
def test_long_chains_parse_left_to_right(ops):
    c = np.random.default_rng(1).uniform(1, 1.01, 300)
    text = "x" + "".join(f" {ops[i % 2]} {float(v)!r}" for i, v in enumerate(c))
    expected = 1.3
    for i, v in enumerate(c):  # Python's left-to-right arithmetic is the oracle
        expected = {"-": expected - v, "+": expected + v, "*": expected * v, "/": expected / v}[ops[i % 2]]
    assert float(compile_expression(text).f(np.array([1.3]))) == pytest.approx(expected, rel=1e-12)


def test_the_node_count_is_bounded_not_the_chain_length(cli):
    r = cli("grad", "+".join(["x"] * 2600), "--at", "1")
    assert r.exit_code == 2 and "too large" in r.stderr and "nested" not in r.stderr


@pytest.mark.parametrize("name, pick", [("max", max), ("min", min)])
def test_n_ary_max_and_min_are_right_and_quick(name, pick):
    n = 200
    e = compile_expression(f"{name}({','.join(f'a{i}' for i in range(n))}, 3, 7)")
    X = np.random.default_rng(0).normal(0, 5, (50, n))
    want = [pick(pick(row), 3, 7) for row in X]
    assert np.allclose(e.f(X), want, rtol=0, atol=0)
    x = X[0]
    arg = int(np.argmax(x) if name == "max" else np.argmin(x))
    if pick(x) == pick(pick(x), 3, 7):  # the extreme is a variable: its partial is 1, the others 0
        g = e.grad(x)
        assert g[arg] == 1 and np.count_nonzero(g) == 1
