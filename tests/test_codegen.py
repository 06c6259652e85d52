"""The straight-line float gradient against the NumPy evaluator, torch autograd and central differences."""

import numpy as np
import pytest

from gdcli.expr import compile_expression
from gdcli.expr.codegen import straight_line_source

EXPRESSIONS = [
    "(1 - a)**2 + 100*(b - a**2)**2",
    "x**4 - 3*x**2 + y**2",
    "softplus(w0*x - w1) + sigmoid(x)*sin(w0)**2 + max(0, 1 - w1*x)",
    "exp(-x**2 - y**2) * cos(3*x) + log(1 + x**2) + sqrt(1 + y**2) + tanh(x*y)",
    "max(x, y, 0.5) + min(x, -y, 2) + relu(x - y) + abs(x)**1.5 + arctan(x/3)",
    "((x**2 + y - 11)**2 + (x + y**2 - 7)**2) / 3",
    "1e-300*x**2 + 1e300*y**2",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_straight_line_equals_numpy_and_autograd(text):
    e = compile_expression(text)
    rng = np.random.default_rng(7)
    for x in rng.uniform(-3, 3, size=(25, len(e.variables))):
        f, g = e.fast_value_and_grad(x)
        f_np, g_np = e.value_and_grad(x)
        f_ad, g_ad = e.autodiff_value_and_grad(x)
        assert f == pytest.approx(float(f_np), rel=1e-13, abs=1e-300)
        np.testing.assert_allclose(g, g_np, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(g, g_ad, rtol=1e-10, atol=1e-12)


def test_straight_line_matches_central_differences():
    e = compile_expression("x**3*y - 2*x*y**2 + sin(x*y)")
    x = np.array([0.7, -1.3])
    _, g = e.fast_value_and_grad(x)
    h = 1e-6
    num = [(e.f(x + h * d) - e.f(x - h * d)) / (2 * h) for d in np.eye(2)]
    np.testing.assert_allclose(g, num, rtol=1e-7)


@pytest.mark.parametrize("text, point", [
    ("log(x) + y", [-1.0, 2.0]),          # math.log raises; NumPy gives nan
    ("x**(1/3) + y", [-8.0, 1.0]),        # a float power of a negative base would be complex in Python
    ("exp(x) + y", [1000.0, 0.0]),        # math.exp overflows; NumPy gives inf
    ("1/x + y", [0.0, 1.0]),              # ZeroDivisionError; NumPy gives inf
    ("x**2 + y**2", [1e300, 1e300]),      # inf through plain multiplication
    ("max(x, exp(y) - exp(y))", [1.0, 800.0]),  # inf - inf = nan: Python max would drop it, NumPy keeps it
])
def test_hard_points_fall_back_to_numpy(text, point):
    e = compile_expression(text, "x,y")
    x = np.array(point)
    f, g = e.fast_value_and_grad(x)
    f_np, g_np = e.value_and_grad(x)
    np.testing.assert_array_equal(np.asarray(f), np.asarray(f_np))
    np.testing.assert_array_equal(g, g_np)


def test_generated_source_holds_no_user_text():
    e = compile_expression("exec**2 + open*import_ + system")
    source = straight_line_source([e.sym, *e.gradient_sym], e.symbols)
    for name in ("exec", "open", "import_", "system"):
        assert name not in source
    assert "_a0" in source and "def _fg(" in source
    f, g = e.fast_value_and_grad(np.array([1.0, 2.0, 3.0, 4.0]))
    assert f == 1 + 2 * 3 + 4 and list(g) == [2.0, 3.0, 2.0, 1.0]  # variables in natural order: exec, import_, open, system
