"""The function table of the expression language, and the SymPy functions it needs beyond SymPy's own."""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):
    """The logistic function 1/(1 + e^-x)."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return 1 / (1 + sp.exp(-x))
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(sp.Function):
    """log(1 + e^x), the smooth relu."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return sp.log(1 + sp.exp(x))
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def _eval_is_real(self):
        return self.args[0].is_real


class relu(sp.Function):
    """max(0, x); its derivative is the Heaviside step (1/2 at the kink)."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return sp.Max(0, x)
        return None

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0])

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(0, x)

    def _eval_is_real(self):
        return self.args[0].is_real


def _heaviside(x):
    """The unit step: 0 below 0, 1 above, 1/2 at 0 (SymPy's and NumPy's convention, the midpoint of the jump)."""
    return sp.Heaviside(x)


def _log(x, base=None):
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


# name -> (minimum args, maximum args or None for any, builder of the SymPy node)
FUNCTIONS: dict[str, tuple[int, int | None, object]] = {
    "exp": (1, 1, sp.exp),
    "log": (1, 2, _log),
    "ln": (1, 1, sp.log),
    "sqrt": (1, 1, sp.sqrt),
    "abs": (1, 1, sp.Abs),
    "sin": (1, 1, sp.sin),
    "cos": (1, 1, sp.cos),
    "tan": (1, 1, sp.tan),
    "arcsin": (1, 1, sp.asin),
    "arccos": (1, 1, sp.acos),
    "arctan": (1, 1, sp.atan),
    "sinh": (1, 1, sp.sinh),
    "cosh": (1, 1, sp.cosh),
    "tanh": (1, 1, sp.tanh),
    "sigmoid": (1, 1, sigmoid),
    "relu": (1, 1, relu),
    "softplus": (1, 1, softplus),
    "heaviside": (1, 1, _heaviside),
    "sign": (1, 1, sp.sign),
    "max": (2, None, sp.Max),
    "min": (2, None, sp.Min),
}

CONSTANTS = {"pi": sp.pi, "e": sp.E}

# Functions whose derivative jumps somewhere: gradcheck and convex treat their arguments as kinks.
NONSMOOTH = (sp.Abs, sp.Max, sp.Min, relu, sp.Heaviside, sp.sign)
