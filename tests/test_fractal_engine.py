"""The SGD fractal engine against closed forms: normal equations, stationary moments, a plain SGD loop, histogram2d."""

import os
import signal
from fractions import Fraction

import numpy as np
import pytest

from gdcli.engine.chaos.game import CHUNK, Window, _Binner, grid_shape, parse_window, run_chaos
from gdcli.engine.chaos.panels import fractal
from gdcli.engine.chaos.problem import auto_burn_in, auto_chains, line_equation, problem, sgd_maps
from gdcli.errors import DataError, UsageError

SEED = problem()
X = np.array([[0, 1], [1, 0.5], [1, -0.5]])
Y = np.array([0.0, 4.0, 0.0])


def stationary_moments(lr, X=X, Y=Y):
    """Mean and covariance of SGD's invariant measure, in closed form.

    With e = w − w*, a step is e ← A_i e + ξ_i, ξ_i = lr (y_i − x_i·w*) x_i and E ξ = 0 (normal equations), so the
    mean is w* and Σ = E[A Σ Aᵀ] + E[ξ ξᵀ], solved as a linear system in vec(Σ).
    """
    w_star = np.linalg.solve(X.T @ X, X.T @ Y)
    A = [np.eye(2) - lr * np.outer(x, x) for x in X]
    xi = [lr * (y - x @ w_star) * x for x, y in zip(X, Y)]
    K = np.mean([np.kron(a, a) for a in A], axis=0)
    N = np.mean([np.outer(v, v) for v in xi], axis=0)
    S = np.linalg.solve(np.eye(4) - K, N.ravel()).reshape(2, 2)
    return w_star, S


def density_moments(d):
    ny, nx = d.counts.shape
    xs = d.window.w1[0] + (np.arange(nx) + 0.5) * (d.window.w1[1] - d.window.w1[0]) / nx
    ys = d.window.w2[0] + (np.arange(ny) + 0.5) * (d.window.w2[1] - d.window.w2[0]) / ny
    p = d.counts / d.counts.sum()
    px, py = p.sum(axis=0), p.sum(axis=1)
    mx, my = px @ xs, py @ ys
    cov = np.array([[px @ (xs - mx) ** 2, ((ys - my)[:, None] * (xs - mx)[None, :] * p).sum()],
                    [0, py @ (ys - my) ** 2]])
    cov[1, 0] = cov[0, 1]
    return np.array([mx, my]), cov


def run(lr, points=100_000, **kw):
    m = sgd_maps(SEED, lr, kw.pop("batch_size", 1))
    b = kw.pop("burn_in", auto_burn_in(m))
    return run_chaos(m, SEED.minimum, points, burn_in=b, chains=kw.pop("chains", auto_chains(points, b)),
                     resolution=kw.pop("resolution", 400), **kw)


def test_exact_minimum_from_normal_equations():
    assert SEED.minimum_exact == ("2", "4/3")
    assert SEED.minimum == pytest.approx(np.linalg.lstsq(X, Y, rcond=None)[0], abs=1e-15)


def test_minimum_of_other_data_matches_lstsq():
    Xd = [[1, 2], [3, -1], [0.5, 0.25], [2, 2]]
    yd = [1, 0.1, 3, -2]
    p = problem(Xd, yd)
    assert p.minimum == pytest.approx(np.linalg.lstsq(np.array(Xd), np.array(yd), rcond=None)[0], rel=1e-12)
    assert Fraction(p.minimum_exact[0]) == pytest.approx(p.minimum[0], rel=1e-12)


def test_the_three_lines_bound_the_triangle_0_0__4_0__2_4():
    assert [line.equation for line in SEED.lines] == ["w2 = 0", "w1 + 1/2 w2 = 4", "w1 - 1/2 w2 = 0"]
    # corners: where two lines meet, solved from the reported (x_i, y_i)
    corners = set()
    for i in range(3):
        for j in range(i + 1, 3):
            a = np.array([SEED.lines[i].x, SEED.lines[j].x])
            corners.add(tuple(np.round(np.linalg.solve(a, [SEED.lines[i].y, SEED.lines[j].y]), 12)))
    assert corners == {(0.0, 0.0), (4.0, 0.0), (2.0, 4.0)}


def test_line_equation_formatting():
    assert line_equation([2, -1], 3) == "2 w1 - w2 = 3"
    assert line_equation(["0.1", "0"], "-0.5") == "1/10 w1 = -1/2"


def test_singular_data_is_refused():
    with pytest.raises(DataError, match="singular"):
        problem([[1, 2], [2, 4]], [1, 2])


@pytest.mark.parametrize("lr, expanding", [(0.65, []), (1.6, []), (1.7, [[2], [3]]), (2.5, [[1], [2], [3]])])
def test_expanding_when_lr_times_norm_squared_exceeds_2(lr, expanding):
    # ‖x_1‖² = 1, ‖x_2‖² = ‖x_3‖² = 5/4: sample i's step expands iff lr·‖x_i‖² > 2, eigenvalue 1 − lr‖x_i‖²
    m = sgd_maps(SEED, lr)
    assert [e["samples"] for e in m.expanding] == expanding
    for e in m.expanding:
        assert e["eigenvalue"] == pytest.approx(1 - lr * float(X[e["samples"][0] - 1] @ X[e["samples"][0] - 1]))


def test_diverging_lr_stops_before_running():
    r = fractal(SEED, [2.5], 10_000)
    p = r.panels[0]
    assert p.status == "diverged" and p.points == 0 and p.diverged_at is not None and p.diverged_at < 1000


def test_fractal_lives_in_the_triangle_and_fills_it():
    d = run(0.65, resolution=200)
    assert d.points == d.inside == 100_000
    b = d.bbox
    assert b.w1[0] >= 0 and b.w1[1] <= 4 and b.w2[0] >= 0 and b.w2[1] <= 4  # steps never cross a line when lr‖x‖² < 1
    assert b.w1[0] < 0.05 and b.w1[1] > 3.95 and b.w2[1] > 3.8
    ny, nx = d.counts.shape
    rows, cols = np.nonzero(d.counts)
    w1 = d.window.w1[0] + (cols + 0.5) * (d.window.w1[1] - d.window.w1[0]) / nx
    w2 = d.window.w2[0] + (rows + 0.5) * (d.window.w2[1] - d.window.w2[0]) / ny
    pix = (d.window.w1[1] - d.window.w1[0]) / nx
    # inside all three half-planes w2 ≥ 0, w1 + w2/2 ≤ 4, w1 − w2/2 ≥ 0, up to one pixel
    assert (w2 >= -pix).all() and (w1 + w2 / 2 <= 4 + 2 * pix).all() and (w1 - w2 / 2 >= -2 * pix).all()


@pytest.mark.parametrize("lr, rel", [(0.65, 0.05), (0.3, 0.08), (5e-4, 0.3)])
def test_density_moments_match_the_stationary_closed_form(lr, rel):
    mean, cov = stationary_moments(lr)
    d = run(lr, resolution=400)
    m, c = density_moments(d)
    sd = np.sqrt(np.diag(cov))
    assert m == pytest.approx(mean, abs=0.15 * sd.max() + 1e-9)
    assert np.sqrt(np.diag(c)) == pytest.approx(sd, rel=rel)


def test_small_lr_stays_near_the_minimum():
    d = run(5e-4)
    b = d.bbox
    assert 1.85 < b.w1[0] and b.w1[1] < 2.15 and 1.2 < b.w2[0] and b.w2[1] < 1.47
    assert b.w1[0] < 2 < b.w1[1] and b.w2[0] < 4 / 3 < b.w2[1]


def test_matches_a_plain_one_sample_per_step_sgd_loop():
    """Second method: the seed's algorithm (one chain, random i, w ← w − lr ∂l_i/∂w), coarse-grained."""
    rng = np.random.default_rng(1)
    lr, w, pts = 0.65, np.zeros(2), []
    for t, i in enumerate(rng.integers(0, 3, 40_000)):
        w = w - lr * (X[i] @ w - Y[i]) * X[i]
        if t >= 100:
            pts.append(w)
    pts = np.array(pts)
    edges = np.linspace(-0.2, 4.2, 9)
    ref, _, _ = np.histogram2d(pts[:, 1], pts[:, 0], bins=[edges, edges])
    d = run(lr, points=200_000, window=Window((-0.2, 4.2), (-0.2, 4.2)), resolution=400)
    ours = d.counts.reshape(8, 50, 8, 50).sum(axis=(1, 3))
    tv = 0.5 * np.abs(ours / ours.sum() - ref / ref.sum()).sum()
    assert tv < 0.04


def test_full_batch_is_gradient_descent_and_converges_to_the_minimum():
    d = run(0.65, points=5000, batch_size=3)
    assert d.bbox.w1 == pytest.approx((2, 2), abs=1e-12) and d.bbox.w2 == pytest.approx((4 / 3, 4 / 3), abs=1e-12)
    assert len(sgd_maps(SEED, 0.3, 2).a00) == 3


def test_binner_agrees_with_histogram2d():
    rng = np.random.default_rng(3)
    w = Window((-1.0, 2.0), (0.5, 1.5))
    pts = rng.uniform(-2, 3, size=(5000, 2))
    b = _Binner(w, 30, 5000)
    flat = np.empty(5000, np.intp)
    b.bin(pts[:, 0], pts[:, 1], flat)
    b.flush(flat)
    ny, nx = grid_shape(w, 30)
    ref, _, _ = np.histogram2d(pts[:, 1], pts[:, 0], bins=[np.linspace(0.5, 1.5, ny + 1), np.linspace(-1, 2, nx + 1)])
    assert (ny, nx) == (10, 30)
    assert np.array_equal(b.image(), ref.astype(np.int64))


def test_points_are_counted_exactly_across_chunks():
    n = CHUNK + 12_345
    d = run(0.65, points=n, chains=1000, burn_in=30, window=Window((1.0, 3.0), (0.0, 2.0)), resolution=50)
    assert d.points == n and d.counts.sum() == d.inside and 0 < d.inside < n


def test_zoom_window_resolves_detail():
    d = run(0.65, points=200_000, window=Window((0.9, 1.6), (1.1, 1.9)), resolution=200)
    assert d.window == Window((0.9, 1.6), (1.1, 1.9)) and d.counts.shape == (200, 175)  # taller than wide: 200 rows
    assert 0 < d.inside < d.points
    assert (d.counts > 0).mean() < 0.5  # a fractal is sparse even when zoomed: no smeared cloud


def test_interrupt_keeps_the_points_binned_so_far():
    calls = []

    def stop(n):
        calls.append(n)
        raise KeyboardInterrupt

    d = run(0.65, points=10 * CHUNK, chains=4096, burn_in=30, on_progress=stop)
    assert d.interrupted and d.points == calls[0] and d.counts.sum() == d.inside == d.points


@pytest.mark.skipif(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, reason="SIGINT is ignored here")
@pytest.mark.parametrize("points, flushes", [(10_001, 1), (2 * CHUNK + 5, 2)])
def test_a_ctrl_c_during_a_flush_neither_loses_nor_doubles_its_rows(monkeypatch, points, flushes):
    """A real SIGINT that arrives while rows are added to the counts is held until they are added and forgotten:
    the run keeps exactly the points in its grid (10,001 is not a multiple of the chains: a padded last row)."""
    real, calls = _Binner.flush, []

    def flush_with_ctrl_c(self, flat):
        calls.append(len(flat))
        if len(calls) == flushes:
            os.kill(os.getpid(), signal.SIGINT)  # lands mid-flush: before the counts are added
        return real(self, flat)

    monkeypatch.setattr(_Binner, "flush", flush_with_ctrl_c)
    wide = Window((-1e3, 1e3), (-1e3, 1e3))  # every point inside: inside == points
    d = run(0.65, points=points, chains=256, burn_in=5, window=wide)
    binned = sum(calls) - (256 - points % 256 if flushes == 1 else 0)  # the padding of a partial row is not a point
    assert d.interrupted and d.points == d.inside == d.counts.sum() == binned > 0


def test_parse_window_and_errors():
    assert parse_window("1:2, -3:4") == Window((1.0, 2.0), (-3.0, 4.0))
    for bad in ("1:2", "2:1,0:1", "a:b,0:1", "0:1:2,0:1"):
        with pytest.raises(ValueError):
            parse_window(bad)
    with pytest.raises(UsageError):
        sgd_maps(SEED, 0.1, 4)
