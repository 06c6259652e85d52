"""Every optimiser crossed with a parabola and the Rosenbrock function, as optax's alias_test does."""

import numpy as np
import pytest

from gdcli.engine.optim import transforms as optim


def parabola(x):
    return float(x @ x), 2 * x, 2 * np.eye(x.size)


def rosenbrock(x):
    a, b = x
    f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    g = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
    H = np.array([[2 - 400 * (b - 3 * a * a), -400 * a], [-400 * a, 200.0]])
    return f, g, H


def run(opt, fn, x0, steps):
    x = np.array(x0, dtype=float)
    state = opt.init(x)
    for _ in range(steps):
        _, g, _ = fn(x)
        u, state = opt.update(g, state, x)
        x = x + u
    return x


CASES = [
    # name, lr, fn, start, steps, minimum, atol
    ("gd", 0.1, parabola, [1.0, -2.0], 200, [0, 0], 1e-6),
    ("momentum", 0.05, parabola, [1.0, -2.0], 300, [0, 0], 1e-6),
    ("nesterov", 0.05, parabola, [1.0, -2.0], 300, [0, 0], 1e-6),
    ("adagrad", 0.5, parabola, [1.0, -2.0], 2000, [0, 0], 1e-4),
    ("rmsprop", 0.01, parabola, [1.0, -2.0], 2000, [0, 0], 2e-2),
    ("adam", 0.05, parabola, [1.0, -2.0], 2000, [0, 0], 1e-3),
    ("newton", 1.0, parabola, [1.0, -2.0], 1, [0, 0], 1e-12),
    ("gd", 1e-3, rosenbrock, [-1.5, 2.0], 50000, [1, 1], 1e-3),
    ("momentum", 2e-4, rosenbrock, [-1.5, 2.0], 50000, [1, 1], 1e-3),
    ("nesterov", 2e-4, rosenbrock, [-1.5, 2.0], 50000, [1, 1], 1e-3),
    ("adam", 2e-3, rosenbrock, [-1.5, 2.0], 50000, [1, 1], 1e-2),
    ("newton", 1.0, rosenbrock, [-1.5, 2.0], 30, [1, 1], 1e-8),
]


@pytest.mark.parametrize("name,lr,fn,start,steps,minimum,atol", CASES)
def test_optimizer_reaches_minimum(name, lr, fn, start, steps, minimum, atol):
    opt = optim.make(name, lr, hessian=lambda x: fn(x)[2])
    x = run(opt, fn, start, steps)
    np.testing.assert_allclose(x, minimum, atol=atol)


def test_gd_step_is_seed_example():
    # 003: one GD step on 2 w0^2 + 3 w1^2 from (3, 4) with lr 0.1 lands on (1.8, 1.6).
    g = np.array([12.0, 24.0])
    u, _ = optim.gd(0.1).update(g, (), np.array([3.0, 4.0]))
    np.testing.assert_allclose(np.array([3.0, 4.0]) + u, [1.8, 1.6])


def test_newton_damps_an_indefinite_hessian():
    opt = optim.scale_by_newton(lambda x: np.diag([1.0, -2.0]))
    u, state = opt.update(np.array([1.0, 1.0]), opt.init(np.zeros(2)), np.zeros(2))
    assert state.damping > 2.0  # shifted past the negative eigenvalue
    assert np.all(np.array([1.0, 1.0]) @ u > 0)  # still a descent direction for -lr * u


def test_armijo_accepts_a_full_good_step_and_shrinks_a_bad_one():
    f = lambda x: float(x @ x)
    good = optim.armijo(optim.gd(0.1), f)
    _, s = good.update(np.array([2.0]), good.init(np.array([1.0])), np.array([1.0]))
    assert s.t == 1.0
    bad = optim.armijo(optim.gd(10.0), f)
    u, s = bad.update(np.array([2.0]), bad.init(np.array([1.0])), np.array([1.0]))
    assert s.t < 1.0 and f(np.array([1.0]) + u) < 1.0


def test_transforms_run_on_torch_tensors():
    torch = pytest.importorskip("torch")
    for name in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        opt = optim.make(name, 0.1)
        x = torch.tensor([1.0, -2.0], dtype=torch.float64)
        state = opt.init(x)
        u, state = opt.update(2 * x, state, x)
        assert isinstance(u, torch.Tensor) and u.shape == x.shape
