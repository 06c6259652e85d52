"""User errors: exit 2, one line on stderr saying what and where (a caret under the expression), no traceback."""

from __future__ import annotations

import pytest

from gdcli.expr.functions import FUNCTIONS


def _error(result) -> list[str]:
    """The stderr lines of a refused run, after checking the contract every user error shares."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("error: ")
    return lines


def _caret(lines) -> tuple[str, int, int]:
    """(echoed expression, caret start, caret end) from the two lines under the message."""
    assert len(lines) == 3, lines
    source, carets = lines[1][2:], lines[2][2:]
    start = len(carets) - len(carets.lstrip(" "))
    assert set(carets[start:]) == {"^"}
    return source, start, len(carets)


@pytest.mark.parametrize("text, where", [
    ("2*w0 + * 3", "*"),  # the second operator has no left operand
    ("  x +* y", "*"),  # leading blanks do not shift the caret
    ("x^2 + )", ")"),  # after a ^ (parsed as **) the caret still points into the user's text
    ("exp(x", "("),  # never closed
    ("x + 3)", ")"),  # unmatched
    ("x = 1", "="),
])
@pytest.mark.parametrize("command", ["grad", "hessian"])
def test_syntax_error_has_a_caret_under_the_problem(cli, command, text, where):
    lines = _error(cli(command, text, "--at", "1"))
    assert lines[0].startswith("error: syntax error")
    source, start, end = _caret(lines)
    assert source == text
    assert text[start] == where, (text, start)


def test_unknown_function_names_the_allowed_ones(cli):
    lines = _error(cli("grad", "x + foo(x)", "--at", "1"))
    assert "unknown function 'foo'" in lines[0]
    allowed = lines[0].split("allowed:")[1]
    assert {name.strip() for name in allowed.split(",")} == set(FUNCTIONS)
    source, start, end = _caret(lines)
    assert source[start:end] == "foo"


def test_misplaced_name_in_at_lists_the_variables(cli):
    lines = _error(cli("grad", "2*w0**2 + 3*w1**2", "--at", "w0=3,w2=4"))
    assert lines == ["error: --at: 'w2' is not a variable of the expression (its variables: w0, w1)"]


def test_hessian_misplaced_name_in_at_lists_the_variables(cli):
    lines = _error(cli("hessian", "x*y", "--at", "x=1,z=2"))
    assert "'z'" in lines[0] and "(its variables: x, y)" in lines[0]


@pytest.mark.parametrize("at", ["w0=3", "3"])
def test_missing_coordinate_is_named(cli, at):
    lines = _error(cli("grad", "2*w0**2 + 3*w1**2", "--at", at))
    assert len(lines) == 1
    assert "missing a value for w1" in lines[0]


@pytest.mark.parametrize("args, message", [
    (["grad", "x*y", "--at", "1,2,3"], "needs 2 components, got 3"),
    (["grad", "x*y", "--at", "x=1,y=2,x=3"], "'x' is given twice"),
    (["grad", "x*y", "--at", "x=1,2"], "name=value"),
    (["grad", "x*y", "--at", "x=1,y=foo"], "not a number"),
    (["grad", "x*y", "--at", "1,2", "--direction", "0,0"], "zero"),
    (["grad", "x*y", "--at", "1,2", "--direction", "1"], "--direction needs 2 components"),
    (["grad", "x*y", "--at", "1,2", "--step", "1,2,3"], "--step needs 2 components"),
    (["grad", "x*y", "--at", "1,2", "--method", "symbolc"], "did you mean 'symbolic'"),
    (["grad", "x*y"], "missing --at"),
    (["grad", "", "--at", "1"], "empty expression"),
    (["grad", "x", "--at", "1", "--vars", "y"], "missing: x"),
    (["hessian", "x*y", "--at", "1,2", "--step", "1"], "--step needs 2 components"),
    (["grad", "x", "--at", "1", "--config", "no-such-file.yaml"], "no-such-file.yaml"),
])
def test_bad_options_are_one_line(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    lines = _error(cli(*args))
    assert message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_unicode_in_expression_points_at_the_character(cli):
    lines = _error(cli("grad", "x + \u00b2", "--at", "1"))
    source, start, end = _caret(lines)
    assert source[start] == "\u00b2"


import pytest as _pytest


@_pytest.mark.parametrize("command, expr, at, what", [
    ("grad", "log(x)", "-1", "f is not finite at (x=-1): the point is outside the domain of f"),
    ("grad", "1/x", "0", "f is not finite at (x=0)"),
    ("grad", "sqrt(x)", "0", "the gradient is not finite at (x=0): f is not differentiable there"),
    ("hessian", "log(x*y)", "x=-1,y=2", "f is not finite at (x=-1, y=2)"),
])
def test_point_outside_the_domain_is_an_error_not_nan(cli, command, expr, at, what):
    r = cli(command, expr, "--at", at)
    assert r.exit_code == 2
    assert what in r.stderr
    assert "nan" not in r.stdout.lower() and "Traceback" not in r.stderr
