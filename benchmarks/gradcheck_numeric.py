"""Numeric gradient of a 1,000-variable function: gdcli's vectorised path against seed 002's per-coordinate loop.

Run: PYTHONPATH=. python benchmarks/gradcheck_numeric.py

Both methods use forward differences with the seed's h = 1e-5 on the same function at the same point, so they
compute the same numbers (checked below); only the way f is called differs: the seed calls f once per
coordinate, gdcli stacks the n+1 points and calls the vectorised evaluator once.
"""

from __future__ import annotations

import time

import numpy as np
import sympy as sp

from gdcli.engine.calculus.numdiff import approx_gradient
from gdcli.expr import Expression

N = 1000


def eval_numerical_gradient(f, x):
    """
    a naive implementation of numerical gradient of f at x
    - f should be a function that takes a single argument
    - x is the point (numpy array) to evaluate the gradient at
    """
    fx = f(x)  # evaluate function value at original point
    grad = np.zeros(x.shape)
    h = 0.00001
    # iterate over all indexes in x
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        # evaluate function at x+h
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h  # increment by h
        fxh = f(x)  # evalute f(x + h)
        x[ix] = old_value  # restore to previous value (very important!)
        # compute the partial derivative
        grad[ix] = (fxh - fx) / h  # the slope
        it.iternext()  # step to next dimension
    return grad


def chain_expression(n: int) -> Expression:
    """sum_i (i+1)/n * w_i^2 + sin(w_i) * w_{i+1} + softplus(w_i): a 1,000-variable loss as gdcli compiles it.

    Built as a SymPy tree directly (trusted code): the parser's size limits are for user text.
    """
    w = sp.symbols(f"w0:{n}", real=True)
    from gdcli.expr.functions import softplus

    terms = [sp.Rational(i + 1, n) * w[i] ** 2 + softplus(w[i]) for i in range(n)]
    terms += [sp.sin(w[i]) * w[i + 1] for i in range(n - 1)]
    return Expression(text=f"chain loss in {n} variables", sym=sp.Add(*terms), variables=tuple(map(str, w)), symbols=w)


def numpy_loss(n: int):
    """The same loss as plain NumPy code, as a user's `--function` would be: one point (n,) or points (m, n)."""
    c = np.arange(1, n + 1) / n

    def f(x):
        x = np.asarray(x, dtype=float)
        return (np.sum(c * x**2 + np.logaddexp(0.0, x), axis=-1)
                + np.sum(np.sin(x[..., :-1]) * x[..., 1:], axis=-1))

    return f


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def compare(name, f_point, f_batch, x, repeat_loop, repeat_vec):
    t_loop, g_loop = best_of(lambda: eval_numerical_gradient(f_point, x.copy()), repeat_loop)
    t_vec, g_vec = best_of(lambda: approx_gradient(f_batch, x, "forward", h=1e-5), repeat_vec)
    agree = np.max(np.abs(g_loop - g_vec)) / max(1.0, np.max(np.abs(g_loop)))
    print(f"{name:<34} seed loop {t_loop * 1e3:9.1f} ms   vectorised {t_vec * 1e3:8.1f} ms   "
          f"ratio {t_loop / t_vec:6.1f}x   max rel. difference {agree:.1e}")
    return t_loop / t_vec


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N)
    t = time.perf_counter()
    expr = chain_expression(N)
    expr.f(x)  # compile once, outside the timings
    print(f"n = {N} variables, forward differences, h = 1e-5 (compile: {time.perf_counter() - t:.1f} s)")
    ratio = compare("gdcli expression evaluator", lambda p: float(expr.f(p)), expr.f, x, 1, 3)
    f = numpy_loss(N)
    compare("plain NumPy function (--function)", f, f, x, 3, 3)
    print(f"vectorised path vs seed loop on the expression: {ratio:.1f}x ({'meets' if ratio >= 20 else 'MISSES'} >= 20x)")


if __name__ == "__main__":
    main()
