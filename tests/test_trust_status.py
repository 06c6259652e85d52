"""Issue 12 §4: statuses that tell the truth. Oracles: closed-form GD iterates, torch.optim, textbook Newton."""

from __future__ import annotations

import numpy as np
import pytest

from gdcli.engine.optim.regime import geometric_growth, stationary_kind


def test_growing_oscillation_is_diverging_as_the_curvature_table_says(cli_json, cli):
    doc = cli_json("descend", "x**2", "--start", "1", "--lr", "1.01", "--steps", "300")
    run = doc["runs"][0]
    assert run["status"] == "diverging"
    # closed form: x_k = (1 - 2·1.01)^k = (-1.02)^k, so |x_300| = 1.02^300 ≈ 380
    assert run["final"]["point"][0] == pytest.approx((-1.02) ** 300, rel=1e-9)
    assert run["regime"]["observed"] == "diverging" and run["regime"]["predicted"] == "diverging"
    text = cli("descend", "x**2", "--start", "1", "--lr", "1.01", "--steps", "300").stdout
    assert "diverging" in text and "around the minimum" not in text


@pytest.mark.parametrize("lr, status", [(0.8, "converged"), (0.5, "converged"), (1.0, "max-steps"),
                                        (0.999999, "max-steps")])
def test_converging_or_slow_runs_are_not_called_diverging(cli_json, lr, status):
    doc = cli_json("descend", "x**2", "--start", "1", "--lr", str(lr), "--steps", "300")
    assert doc["runs"][0]["status"] == status


def test_geometric_growth_needs_growing_steps_and_a_growing_point():
    k = np.arange(30.0)[:, None]
    assert geometric_growth((-1.02) ** k) == pytest.approx(1.02)
    assert geometric_growth(k) is None  # steady linear travel (f = -x) is not geometric
    assert geometric_growth(0.5**k) is None


def test_newtons_default_step_is_the_newton_step(cli_json):
    rosenbrock = "(1-x)**2 + 100*(y-x**2)**2"
    doc = cli_json("descend", rosenbrock, "--start", "-1.2,1", "--optimizer", "newton")
    run = doc["runs"][0]
    assert run["lr"] == 1.0 and run["status"] == "converged" and run["steps"] < 20
    assert run["final"]["point"] == [pytest.approx(1.0), pytest.approx(1.0)]
    assert cli_json("descend", "x**2", "--start", "1")["runs"][0]["lr"] == 0.1  # the others keep 0.1
    # one Newton step on a quadratic lands on its minimum (textbook): x1 = x0 - H^-1 g
    quad = cli_json("descend", "3*x**2 + x*y + 2*y**2 - x", "--start", "5,-7", "--optimizer", "newton")["runs"][0]
    H, g = np.array([[6.0, 1.0], [1.0, 4.0]]), np.array([6 * 5 - 7 - 1, 5 - 28.0])
    assert quad["history"][1]["point"] == pytest.approx((np.array([5.0, -7.0]) - np.linalg.solve(H, g)).tolist())


@pytest.mark.parametrize("expression, start, kind", [("x**4 - 3*x**2", "0", "maximum"), ("x**2 - y**2", "0,0", "saddle"),
                                                     ("-x**2 - y**2", "0,0", "maximum")])
def test_a_start_at_a_maximum_or_saddle_is_named(cli_json, cli, expression, start, kind):
    run = cli_json("descend", expression, "--start", start)["runs"][0]
    assert (run["status"], run["stationary"], run["steps"]) == ("stationary", kind, 0)
    assert f"shows a {kind}, not a minimum" in cli("descend", expression, "--start", start).stdout


def test_a_minimum_is_still_converged(cli_json):
    run = cli_json("descend", "x**4 - 3*x**2", "--start", "1")["runs"][0]
    assert run["status"] == "converged" and run["stationary"] is None
    assert run["final"]["point"][0] == pytest.approx(np.sqrt(1.5), rel=1e-6)  # f' = 4x³ - 6x = 0


def test_stationary_kind_from_the_hessian():
    assert stationary_kind(np.diag([-2.0, -1.0])) == "maximum"
    assert stationary_kind(np.diag([-2.0, 0.0])) == "degenerate point with negative curvature"
    assert stationary_kind(np.diag([2.0, -1.0])) == "saddle"
    assert stationary_kind(np.diag([2.0, 0.0])) is None  # maybe a minimum: not named
    assert stationary_kind(np.array([[np.nan]])) is None


def test_newton_on_separable_logistic_data_reports_instead_of_crashing(cli_json):
    doc = cli_json("fit", "--generate", "x1 - x2", "--classes", "2", "--model", "logistic", "--optimizer", "newton",
                   "--epochs", "50")
    assert doc["lr"] == 1.0  # Newton's default step
    # separable data: the logistic loss has no minimiser, Newton's steps grow until the loss overflows
    assert doc["status"] == "diverged"


# -- RMSprop's decay -------------------------------------------------------------------------------------

def torch_rmsprop(x0: float, lr: float, alpha: float, steps: int) -> list[float]:
    import torch

    x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([x], lr=lr, alpha=alpha, eps=1e-8)
    out = [x0]
    for _ in range(steps):
        opt.zero_grad()
        (x**2).sum().backward()
        opt.step()
        out.append(float(x.detach()))
    return out


@pytest.mark.parametrize("alpha", [None, 0.5, 0.9])
def test_rmsprop_alpha_is_torchs_alpha(cli_json, alpha):
    extra = [] if alpha is None else ["--rmsprop-alpha", str(alpha)]
    doc = cli_json("descend", "x**2", "--start", "1", "--optimizer", "rmsprop", "--lr", "0.01", "--steps", "20",
                   "--tol", "0", *extra)
    xs = [h["point"][0] for h in doc["runs"][0]["history"]]
    assert xs == pytest.approx(torch_rmsprop(1.0, 0.01, 0.99 if alpha is None else alpha, 20), rel=1e-12)


def test_rmsprop_alpha_is_in_help_and_checked(cli):
    for command in ("descend", "fit"):
        out = cli(command, "--help").stdout
        assert "--rmsprop-alpha" in out and "0.99" in out
    r = cli("descend", "x**2", "--start", "1", "--optimizer", "rmsprop", "--rmsprop-alpha", "1.5")
    assert r.exit_code == 2 and "--rmsprop-alpha" in r.stderr


def test_fit_rmsprop_alpha_reaches_torch_optim(cli_json):
    common = ["fit", "--generate", "2*x + 1", "--n", "50", "--model", "w*x + b", "--optimizer", "rmsprop",
              "--lr", "0.05", "--epochs", "30", "--init", "zeros", "--rmsprop-alpha", "0.7"]
    manual = cli_json(*common)
    module = cli_json(*common, "--gradient", "module")  # torch.optim.RMSprop(alpha=0.7)
    assert manual["params"] == pytest.approx(module["params"], rel=1e-9)
    other = cli_json(*common[:-1], "0.99")
    assert other["params"] != pytest.approx(manual["params"], rel=1e-6)
