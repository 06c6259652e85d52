"""`Expression`: one parsed expression with its variables, exact derivatives and compiled evaluators."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp

from gdcli.errors import ExpressionError, UsageError
from gdcli.expr.compile import NumpyOps, TorchOps, compile_exprs
from gdcli.expr.parser import NAME_RE, parse


def natural_key(name: str):
    """Natural sort: `w2` before `w10`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


@dataclass(frozen=True, eq=False)
class Expression:
    """A parsed expression in named real variables.

    Evaluators take points as arrays whose last axis runs over `variables`: shape (n,) for one point or
    (m, n) for m points, and return values of shape () or (m,).
    """

    text: str
    sym: sp.Expr
    variables: tuple[str, ...]
    symbols: tuple[sp.Symbol, ...] = field(repr=False)

    # -- exact forms --------------------------------------------------------------------------------
    @cached_property
    def gradient_sym(self) -> tuple[sp.Expr, ...]:
        return tuple(sp.diff(self.sym, s) for s in self.symbols)

    @cached_property
    def hessian_sym(self) -> sp.Matrix:
        g = self.gradient_sym
        n = len(self.symbols)
        return sp.Matrix(n, n, lambda i, j: sp.diff(g[i], self.symbols[j]))

    # -- NumPy evaluators ------------------------------------------------------------------------------
    @cached_property
    def _f_np(self):
        return compile_exprs([self.sym], self.symbols, NumpyOps)

    @cached_property
    def _fg_np(self):
        return compile_exprs([self.sym, *self.gradient_sym], self.symbols, NumpyOps)

    @cached_property
    def _h_np(self):
        return compile_exprs(list(self.hessian_sym), self.symbols, NumpyOps)

    def _columns(self, x, dtype=np.float64) -> tuple[list[np.ndarray], tuple[int, ...]]:
        x = np.asarray(x, dtype=dtype)
        if x.shape[-1:] != (len(self.variables),):
            raise ValueError(f"points must have last axis {len(self.variables)}, got shape {x.shape}")
        return [x[..., i] for i in range(x.shape[-1])], x.shape[:-1]

    def f(self, x, dtype=np.float64) -> np.ndarray:
        """f at points x (..., n) -> (...), computed in `dtype` throughout.

        The constants fold to Python floats, which NumPy treats as weakly typed, so with float32 columns the whole
        evaluation runs in float32 (gradcheck --dtype float32 needs float32 round-off, not just float32 inputs).
        """
        cols, shape = self._columns(x, dtype)
        with np.errstate(all="ignore"):
            (value,) = self._f_np(*cols)
        return np.broadcast_to(np.asarray(value, dtype=dtype), shape).copy()

    def value_and_grad(self, x) -> tuple[np.ndarray, np.ndarray]:
        """f and the symbolic gradient at points x (..., n) -> (...), (..., n)."""
        cols, shape = self._columns(x)
        with np.errstate(all="ignore"):
            value, *grads = self._fg_np(*cols)
        g = np.empty(shape + (len(self.variables),))
        for i, gi in enumerate(grads):
            g[..., i] = gi
        return np.broadcast_to(np.asarray(value, dtype=float), shape).copy(), g

    @cached_property
    def fast_value_and_grad(self):
        """value_and_grad for ONE point of shape (n,): straight-line float code generated from the symbolic
        gradient (see expr.codegen) when the expression has one, else the NumPy evaluator."""
        from gdcli.expr.codegen import compile_straight_line, scalar_value_and_grad

        fn = compile_straight_line([self.sym, *self.gradient_sym], self.symbols)
        return self.value_and_grad if fn is None else scalar_value_and_grad(fn, self.value_and_grad)

    def build_gradient(self) -> None:
        """Do the symbolic work behind value_and_grad now (derivatives, evaluators), e.g. under a time budget."""
        self._fg_np, self.fast_value_and_grad  # noqa: B018 - the cached properties are the work

    def build_hessian(self) -> None:
        """Do the symbolic work behind hessian now (second derivatives, their evaluator)."""
        self._h_np  # noqa: B018

    def grad(self, x) -> np.ndarray:
        return self.value_and_grad(x)[1]

    def hessian(self, x) -> np.ndarray:
        """The symbolic Hessian at points x (..., n) -> (..., n, n)."""
        cols, shape = self._columns(x)
        n = len(self.variables)
        with np.errstate(all="ignore"):
            entries = self._h_np(*cols)
        H = np.empty(shape + (n * n,))
        for k, e in enumerate(entries):
            H[..., k] = e
        return H.reshape(shape + (n, n))

    # -- torch evaluator -----------------------------------------------------------------------------
    @cached_property
    def _f_torch(self):
        return compile_exprs([self.sym], self.symbols, TorchOps())

    def torch_f(self, x):
        """f on a float64 tensor x (..., n), differentiable by torch autograd."""
        (value,) = self._f_torch(*[x[..., i] for i in range(x.shape[-1])])
        # `0 * x.sum` keeps a constant (or a term free of some variable) attached to x's graph and shape.
        return value + 0.0 * x.sum(-1)

    def autodiff_value_and_grad(self, x) -> tuple[np.ndarray, np.ndarray]:
        """f and its gradient by torch autograd in float64, at points x (..., n)."""
        import torch

        t = torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64, requires_grad=True)
        value = self.torch_f(t)
        (g,) = torch.autograd.grad(value.sum(), t, allow_unused=True)
        if g is None:
            g = torch.zeros_like(t)
        return value.detach().numpy().copy(), g.detach().numpy().copy()

    # -- helpers -------------------------------------------------------------------------------------
    def point(self, text_or_values) -> np.ndarray:
        return parse_point(text_or_values, self.variables)

    def formula(self, e: sp.Expr | None = None) -> str:
        """Expression text in the language's own syntax (`**`, `abs`, `max`)."""
        return format_sym(self.sym if e is None else e)


def format_sym(e: sp.Expr) -> str:
    text = sp.sstr(e)
    for old, new in (("Abs(", "abs("), ("Max(", "max("), ("Min(", "min("), ("asin(", "arcsin("),
                     ("acos(", "arccos("), ("atan(", "arctan("), ("Heaviside(", "heaviside(")):
        text = text.replace(old, new)
    return text


def compile_expression(text: str, variables: str | list[str] | tuple[str, ...] | None = None) -> Expression:
    """Parse `text` into an Expression; `variables` (a list or "a,b") overrides natural-sort order."""
    sym, symbols = parse(text)
    names = sorted(symbols, key=natural_key)
    if variables:
        order = [v.strip() for v in variables.split(",")] if isinstance(variables, str) else list(variables)
        bad = [v for v in order if not NAME_RE.match(v)]
        if bad:
            raise UsageError(f"--vars: {bad[0]!r} is not a variable name")
        if len(set(order)) != len(order):
            raise UsageError("--vars lists a variable twice")
        missing = [v for v in names if v not in order]
        if missing:
            raise UsageError(f"--vars must list every variable of the expression; missing: {', '.join(missing)}")
        for v in order:
            if v not in symbols:
                symbols[v] = sp.Symbol(v, real=True)
        names = order
    return Expression(text=text, sym=sym, variables=tuple(names), symbols=tuple(symbols[v] for v in names))


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses (so `x=max(1,2),y=3` has two parts)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def constant_value(text: str, what: str = "value") -> float:
    """A number written in the expression language without variables: `3`, `-1.5e-3`, `pi/2`, `sqrt(2)`."""
    try:
        sym, symbols = parse(text)
    except ExpressionError as exc:
        raise UsageError(f"{what}: {exc.message}", source=exc.source, span=exc.span) from None
    if symbols:
        raise UsageError(f"{what}: {text!r} is not a number")
    value = float(sym.evalf())
    if not np.isfinite(value):
        raise UsageError(f"{what}: {text!r} is not finite")
    return value


def parse_vector(text, n: int | None = None, what: str = "vector") -> np.ndarray:
    """A comma list of numbers (`1,0` or `0.0003,0.0004`), optionally of length n."""
    if isinstance(text, (list, tuple, np.ndarray)):
        values = np.asarray([float(v) if not isinstance(v, str) else constant_value(v, what) for v in text], dtype=float)
    elif isinstance(text, (int, float)):
        values = np.asarray([float(text)])
    else:
        if not str(text).strip():
            raise UsageError(f"{what}: empty")
        values = np.asarray([constant_value(p, what) for p in split_top_level(str(text))], dtype=float)
    if n is not None and values.shape != (n,):
        raise UsageError(f"{what} needs {n} component{'s' * (n != 1)}, got {values.size}")
    return values


def parse_point(text, variables: tuple[str, ...], what: str = "--at") -> np.ndarray:
    """A point as `w0=3,w1=4` (by name), `3,4` (in variable order), or a mapping/list from YAML."""
    n = len(variables)
    if text is None:
        if n:
            example = ",".join(f"{v}=1" for v in variables[:3])
            raise UsageError(f"missing {what}: the point, e.g. {what} {example}")
        return np.zeros(0)
    if isinstance(text, dict):
        items = [(str(k), v) for k, v in text.items()]
    elif isinstance(text, (list, tuple, np.ndarray, int, float)):
        return parse_vector(text, n, what)
    else:
        parts = split_top_level(str(text))
        named = ["=" in p for p in parts]
        if not any(named):
            if 0 < len(parts) < n:  # name what is missing rather than only counting
                missing = ", ".join(variables[len(parts):])
                raise UsageError(f"{what}: missing a value for {missing} (variables in order: {', '.join(variables)})")
            return parse_vector(text, n, what) if n else np.zeros(0)
        if not all(named):
            raise UsageError(f"{what}: write every coordinate as name=value, or none of them")
        items = [tuple(s.strip() for s in p.split("=", 1)) for p in parts]
    values = {}
    for name, value in items:
        if name not in variables:
            listed = ", ".join(variables) if variables else "none"
            raise UsageError(f"{what}: '{name}' is not a variable of the expression (its variables: {listed})")
        if name in values:
            raise UsageError(f"{what}: '{name}' is given twice")
        values[name] = value if isinstance(value, (int, float)) else constant_value(str(value), f"{what} {name}")
    missing = [v for v in variables if v not in values]
    if missing:
        raise UsageError(f"{what}: missing a value for {', '.join(missing)}")
    return np.asarray([float(values[v]) for v in variables], dtype=float)
