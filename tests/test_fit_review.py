"""Review of `fit`: models outside their domain, non-finite numbers, badly scaled columns, honest messages."""

import numpy as np
import pytest

from gdcli.engine.data import Dataset, select
from gdcli.engine.fit import fit
from gdcli.engine.models import build_problem, closed_form
from gdcli.engine.train import TrainSpec

FIVE = Dataset(("x", "y"), np.array([[1, 3], [2, 5], [3, 7], [4, 9], [5, 11.0]]), "seed 001 §4.2")


def problem_for(data, model, loss=None, reg=0.0):
    features, target = select(data, None, None)
    return build_problem(model, data, features, target, loss, reg)


@pytest.mark.parametrize("gradient", ["manual", "autograd"])
def test_sqrt_of_a_parameter_trains_with_every_gradient(gradient):
    # y = 2x + 1 is s = sqrt(w)·x + b with w = 4: the jacobian x/(2·sqrt(w)) must evaluate on tensors
    p = problem_for(FIVE, "sqrt(w)*x + b", "sse")
    r = fit(p, FIVE, TrainSpec(lr=0.01, epochs=3000, gradient=gradient), init="w=1,b=0")
    assert r.status == "done"
    assert r.params["w"] == pytest.approx(4.0, abs=1e-6) and r.params["b"] == pytest.approx(1.0, abs=1e-6)
