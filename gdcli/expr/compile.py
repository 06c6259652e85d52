"""Evaluators generated from the trusted SymPy tree: vectorised NumPy and float64 torch (for autograd).

Each SymPy node becomes a closure over backend operations, after common subexpression elimination,
so evaluating at 10^6 points is one call that runs one array operation per node.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import sympy as sp

from gdcli.expr.functions import relu, sigmoid, softplus

Env = list


class NumpyOps:
    """Backend operations on NumPy arrays."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    sin, cos, tan = staticmethod(np.sin), staticmethod(np.cos), staticmethod(np.tan)
    asin, acos, atan = staticmethod(np.arcsin), staticmethod(np.arccos), staticmethod(np.arctan)
    sinh, cosh, tanh = staticmethod(np.sinh), staticmethod(np.cosh), staticmethod(np.tanh)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    where = staticmethod(np.where)

    @staticmethod
    def heaviside(x, h0=0.5):
        return np.heaviside(x, h0)

    @staticmethod
    def zeros_like(x):
        return np.zeros_like(np.asarray(x, dtype=float))

    @staticmethod
    def softplus(x):
        return np.logaddexp(0.0, x)  # log(1+e^x) without overflow for large x

    @staticmethod
    def sigmoid(x):
        return np.exp(-np.logaddexp(0.0, -x))  # 1/(1+e^-x) without overflow for very negative x

    @staticmethod
    def relu(x):
        return np.maximum(x, 0.0)


class TorchOps:
    """Backend operations on float64 torch tensors; torch is imported only when this is used."""

    def __init__(self):
        import torch

        self.t = torch
        for name, fn in {
            "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs, "sign": torch.sign,
            "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
            "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh,
            "sigmoid": torch.sigmoid, "relu": torch.relu,
        }.items():
            setattr(self, name, fn)

    def _t(self, x, like=None):
        if isinstance(x, self.t.Tensor):
            return x
        return self.t.as_tensor(x, dtype=self.t.float64)

    def maximum(self, a, b):
        return self.t.maximum(self._t(a), self._t(b))

    def minimum(self, a, b):
        return self.t.minimum(self._t(a), self._t(b))

    def where(self, c, a, b):
        return self.t.where(self._t(c).bool() if not isinstance(c, self.t.Tensor) else c, self._t(a), self._t(b))

    def heaviside(self, x, h0=0.5):
        # Built from sign, whose autograd derivative is 0 (torch.heaviside has none): 1 above 0, 0 below, h0 at 0.
        s = self.t.sign(self._t(x))
        return 0.5 * (s + 1) + (h0 - 0.5) * (1 - s * s)

    def zeros_like(self, x):
        return self.t.zeros_like(self._t(x))

    def softplus(self, x):
        x = self._t(x)
        return self.t.logaddexp(self.t.zeros_like(x), x)


_UNARY = {
    sp.exp: "exp", sp.log: "log", sp.Abs: "abs", sp.sign: "sign",
    sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.asin: "asin", sp.acos: "acos", sp.atan: "atan",
    sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh",
    sigmoid: "sigmoid", softplus: "softplus", relu: "relu",
}


def _node(expr: sp.Basic, slots: dict[sp.Symbol, int], ops, fold: bool = True) -> Callable[[Env], object]:
    """Turn one SymPy node into a closure `env -> value`; `env` holds the variables and CSE temporaries."""
    if expr in slots:
        i = slots[expr]
        return lambda env: env[i]
    if fold and not expr.free_symbols:
        c = fold_constant(expr)
        return lambda env: c
    if expr.is_Add:
        parts = [_node(a, slots, ops) for a in expr.args]

        def add(env):
            total = parts[0](env)
            for p in parts[1:]:
                total = total + p(env)
            return total

        return add
    if expr.is_Mul:
        parts = [_node(a, slots, ops) for a in expr.args]

        def mul(env):
            total = parts[0](env)
            for p in parts[1:]:
                total = total * p(env)
            return total

        return mul
    if expr.is_Pow:
        base = _node(expr.base, slots, ops)
        e = expr.exp
        if e == sp.Rational(1, 2):
            return lambda env: ops.sqrt(base(env))
        if e == -sp.Rational(1, 2):
            return lambda env: 1.0 / ops.sqrt(base(env))
        if e.is_Integer:
            n = int(e)
            if n == -1:
                return lambda env: 1.0 / base(env)
            if n == 2:
                return lambda env: (lambda b: b * b)(base(env))
            return lambda env: base(env) ** n
        exponent = _node(e, slots, ops)
        return lambda env: base(env) ** exponent(env)
    func = expr.func
    if func in _UNARY:
        name = _UNARY[func]
        arg = _node(expr.args[0], slots, ops)
        fn = getattr(ops, name)
        return lambda env: fn(arg(env))
    if func in (sp.Max, sp.Min) or func in _INERT.values():
        parts = [_node(a, slots, ops) for a in expr.args]
        pick = ops.maximum if func in (sp.Max, _INERT[sp.Max]) else ops.minimum

        def extreme(env):
            total = parts[0](env)
            for p in parts[1:]:
                total = pick(total, p(env))
            return total

        return extreme
    if func is sp.Heaviside:
        arg = _node(expr.args[0], slots, ops)
        h0 = float(expr.args[1]) if len(expr.args) > 1 else 0.5
        return lambda env: ops.heaviside(arg(env), h0)
    if func is sp.DiracDelta:
        # Zero almost everywhere; numerically that is what every autodiff framework reports too.
        arg = _node(expr.args[0], slots, ops)
        return lambda env: ops.zeros_like(arg(env))
    if func is sp.Piecewise:
        pieces = [(_node(v, slots, ops), _cond(c, slots, ops)) for v, c in expr.args]

        def piecewise(env):
            value, cond = pieces[-1]
            result = value(env)
            for value, cond in reversed(pieces[:-1]):
                result = ops.where(cond(env), value(env), result)
            return result

        return piecewise
    raise TypeError(f"cannot compile {func.__name__} (internal: no evaluator for this node)")


def fold_constant(expr: sp.Basic) -> float:
    """A constant subtree (log(2), pi/4) as one float, computed in floating point.

    Not by SymPy's evalf: that works in arbitrary precision, and exp(exp(exp(99))) would never finish; in
    floating point it is inf, which the caller reports like any overflow.
    """
    if expr.is_Number or expr.is_NumberSymbol:
        return float(expr)
    with np.errstate(all="ignore"):
        value = _node(expr, {}, NumpyOps, fold=False)([])
    return float(np.real(value))


def _cond(cond: sp.Basic, slots, ops):
    if cond is sp.true:
        return lambda env: True
    lhs, rhs = _node(cond.lhs, slots, ops), _node(cond.rhs, slots, ops)
    rel = {sp.StrictLessThan: lambda a, b: a < b, sp.LessThan: lambda a, b: a <= b,
           sp.StrictGreaterThan: lambda a, b: a > b, sp.GreaterThan: lambda a, b: a >= b}
    for cls, fn in rel.items():
        if isinstance(cond, cls):
            return lambda env: fn(lhs(env), rhs(env))
    raise TypeError(f"cannot compile condition {cond}")


# Inert stand-ins for Max and Min while common subexpressions are eliminated: sp.cse rebuilds every node it
# touches, and rebuilding a Max re-evaluates it, flattening the parser's balanced tree of pairs (max of many
# arguments) back into one n-ary Max whose evaluation compares every pair: minutes at 200 arguments.
_INERT = {sp.Max: sp.Function("max_"), sp.Min: sp.Function("min_")}


def _inert(e: sp.Basic, memo: dict) -> sp.Basic:
    if e in memo:
        return memo[e]
    if not e.args or not e.has(sp.Max, sp.Min):
        out = e
    else:
        args = [_inert(a, memo) for a in e.args]
        out = _INERT[e.func](*args) if e.func in _INERT else e.func(*args)
    memo[e] = out
    return out


def compile_exprs(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol], ops) -> Callable[..., list]:
    """Compile several expressions that share subexpressions into one function `f(*arrays) -> [values]`."""
    memo: dict = {}
    replacements, reduced = sp.cse([_inert(e, memo) for e in exprs], optimizations=None)
    slots = {s: i for i, s in enumerate(symbols)}
    steps = []
    for sym, sub in replacements:
        steps.append(_node(sub, slots, ops))
        slots[sym] = len(slots)
    outs = [_node(e, slots, ops) for e in reduced]

    def evaluate(*args):
        env = list(args)
        for step in steps:
            env.append(step(env))
        return [out(env) for out in outs]

    return evaluate
