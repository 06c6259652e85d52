"""Smoke tests for the command-line surface shared by every command."""

import json

import pytest

from gdcli import __version__


def test_version(cli):
    r = cli("--version")
    assert r.exit_code == 0
    assert r.stdout.strip() == f"gdcli {__version__}"


def test_grad_seed_example(cli_json):
    doc = cli_json("grad", "2*w0**2 + 3*w1**2", "--at", "w0=3,w1=4")
    assert doc["value"] == 66
    assert doc["gradient"] == [12, 24]
    assert doc["partials"] == ["4*w0", "6*w1"]



@pytest.mark.parametrize("args, key, expected", [
    (["grad", "-x*y", "--at", "-1,-2"], "gradient", [2.0, 1.0]),
    (["grad", "--at", "x=-1,y=-2", "-x*y"], "gradient", [2.0, 1.0]),
    (["hessian", "-x**2 - 2*y**2", "--at", "0,0"], "classification", "maximum"),
    (["hessian", "--at", "0,0", "--json", "--", "-x**2 - 2*y**2"], "classification", "maximum"),
    (["convex", "-log(x)"], "verdict", "strictly-convex"),
    (["gradcheck", "-x**3", "--at", "-2"], "passed", True),
    (["descend", "-x**2 + x**4", "--start", "-1", "--lr", "0.01"], "runs", None),
])
def test_expression_may_start_with_a_minus(cli, args, key, expected):
    if "--json" not in args:
        args = [args[0], "--json", *args[1:]]
    r = cli(*args)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    if expected is not None:
        assert doc[key] == expected


def test_leading_minus_keeps_help_and_option_typo_errors(cli):
    assert "Usage: gdcli grad" in cli("grad", "-h").stdout
    r = cli("descend", "x**2", "--start", "1", "--lrr", "0.1")
    assert r.exit_code == 2 and r.stderr == "error: no such option --lrr (did you mean --lr?)\n"
