"""The symbolic time budget stops a slow step with an error naming it, nests, and costs nothing when unused."""

from __future__ import annotations

import time

import pytest

from gdcli.expr.budget import SymbolicTimeout, time_limit


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_step_past_its_budget_stops_and_is_named():
    start = time.monotonic()
    with pytest.raises(SymbolicTimeout) as err:
        with time_limit(0.2, "exact eigenvalues"):
            spin(5)
    assert time.monotonic() - start < 1.5
    assert err.value.step == "exact eigenvalues" and err.value.exit_code == 2
    assert "exact eigenvalues ran out of the 0.2 s time budget" in err.value.message


def test_work_within_the_budget_is_untouched_and_no_alarm_is_left_behind():
    with time_limit(2, "simplification"):
        spin(0.05)
    spin(0.3)  # a stray alarm would raise here


def test_an_inner_budget_never_extends_the_outer_one():
    start = time.monotonic()
    with pytest.raises(SymbolicTimeout) as err:
        with time_limit(0.3, "outer"):
            with time_limit(10, "inner"):
                spin(5)
    assert time.monotonic() - start < 1.5
    assert err.value.step == "inner"


def test_after_an_inner_budget_the_outer_one_still_ticks():
    with pytest.raises(SymbolicTimeout) as err:
        with time_limit(0.4, "outer"):
            with time_limit(5, "inner"):
                spin(0.05)
            spin(5)
    assert err.value.step == "outer"


@pytest.mark.parametrize("seconds", [None, 0])
def test_no_budget(seconds):
    with time_limit(seconds, "anything"):
        spin(0.05)
