"""Models and losses for `fit`: score expressions in data and parameters, per-row losses, the closed form."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from gdcli.errors import DataError, UsageError
from gdcli.expr.functions import softplus

LOSSES = ("mse", "sse", "mae", "hinge", "multiclass-hinge", "logistic", "cross-entropy", "perceptron")
SHORTHANDS = ("linear", "poly:K", "perceptron", "logistic", "svm")
DEFAULT_LOSS = {"perceptron": "perceptron", "logistic": "logistic", "svm": "multiclass-hinge"}
SIGNED = ("hinge", "perceptron", "logistic")  # these want labels -1/+1
CLASSIFY = SIGNED + ("cross-entropy", "multiclass-hinge")


def loss_sym(loss: str, s: list[sp.Symbol], t: list[sp.Symbol]) -> sp.Expr:
    """The loss of one row, l(s, t), in the scores s and the (encoded) target t."""
    if loss in ("mse", "sse"):
        return (s[0] - t[0]) ** 2
    if loss == "mae":
        return sp.Abs(s[0] - t[0])
    if loss == "hinge":
        return sp.Max(0, 1 - t[0] * s[0])
    if loss == "perceptron":
        return sp.Max(0, -t[0] * s[0])
    if loss == "logistic":
        return softplus(-t[0] * s[0])
    if loss == "cross-entropy":
        if len(s) == 1:  # binary: -[t log σ(s) + (1-t) log(1-σ(s))]
            return softplus(s[0]) - t[0] * s[0]
        return sp.log(sum(sp.exp(sc) for sc in s)) - sum(tc * sc for tc, sc in zip(t, s))
    if loss == "multiclass-hinge":  # Σ_{c≠y} max(0, s_c − s_y + 1), seed 002
        s_y = sum(tc * sc for tc, sc in zip(t, s))
        return sum((1 - tc) * sp.Max(0, sc - s_y + 1) for tc, sc in zip(t, s))
    raise UsageError(f"--loss must be one of {', '.join(LOSSES)}; got '{loss}'")


def expand_shorthand(model: str, features: tuple[str, ...], classes: int) -> list[str]:
    """`linear`, `poly:K`, `perceptron`, `logistic`, `svm` as expression texts (one per output)."""
    if model in ("linear", "perceptron", "logistic"):
        if len(features) == 1:
            return [f"w*{features[0]} + b"]
        return [" + ".join(f"w{j + 1}*{x}" for j, x in enumerate(features)) + " + b"]
    if model.startswith("poly:"):
        try:
            k = int(model[5:])
        except ValueError:
            raise UsageError(f"--model poly:K needs an integer degree; got '{model}'") from None
        if not 1 <= k <= 12:
            raise UsageError("--model poly:K: K must be between 1 and 12")
        if len(features) != 1:
            raise UsageError(f"--model {model} needs exactly one feature column (choose it with --x); got {len(features)}")
        x = features[0]
        return ["w0 + " + " + ".join(f"w{i}*{x}" + (f"**{i}" if i > 1 else "") for i in range(1, k + 1))]
    if model == "svm":
        return [" + ".join(f"w{c}_{j + 1}*{x}" for j, x in enumerate(features)) + f" + b{c}" for c in range(classes)]
    return [model]


@dataclass(frozen=True, eq=False)
class Problem:
    """A model (one score per output) with its parameters, data variables, loss and encoded labels."""

    model: str
    outputs: tuple[sp.Expr, ...]
    features: tuple[str, ...]
    params: tuple[str, ...]
    target: str
    loss: str
    reg: float
    classes: tuple[float, ...] | None  # label values, for classification losses

    @cached_property
    def feature_syms(self):
        return tuple(sp.Symbol(v, real=True) for v in self.features)

    @cached_property
    def affine(self) -> bool:
        """Is every score affine in the features (a hyperplane boundary), as linear, logistic and svm are?"""
        xs = self.feature_syms
        return all(e.is_polynomial(*xs) and sp.Poly(e, *xs).total_degree() <= 1 for e in self.outputs)

    @cached_property
    def param_syms(self):
        return tuple(sp.Symbol(v, real=True) for v in self.params)

    @cached_property
    def score_syms(self):
        return tuple(sp.Symbol(f"_s{c}", real=True) for c in range(len(self.outputs)))

    @cached_property
    def target_syms(self):
        k = len(self.outputs) if self.loss in ("multiclass-hinge", "cross-entropy") and len(self.outputs) > 1 else 1
        return tuple(sp.Symbol(f"_t{c}", real=True) for c in range(k))

    @cached_property
    def row_loss(self) -> sp.Expr:
        return loss_sym(self.loss, list(self.score_syms), list(self.target_syms))

    @cached_property
    def jacobian(self) -> tuple[tuple[sp.Expr, ...], ...]:
        """∂s_c/∂θ_j for every output c and parameter j."""
        return tuple(tuple(sp.diff(s, p) for p in self.param_syms) for s in self.outputs)

    @cached_property
    def linear_in_params(self) -> bool:
        params = set(self.param_syms)
        return all(not (d.free_symbols & params) for row in self.jacobian for d in row)

    @cached_property
    def reg_mask(self) -> np.ndarray:
        """1 for parameters the L2 term penalises: every one except intercepts (constant ∂s/∂θ)."""
        def intercept(j):
            column = [row[j] for row in self.jacobian]
            return all(d.is_number for d in column) and any(d != 0 for d in column)

        return np.asarray([0.0 if intercept(j) else 1.0 for j in range(len(self.params))])

    @property
    def closed_form_applies(self) -> bool:
        return self.linear_in_params and self.loss in ("mse", "sse") and len(self.outputs) == 1

    def encode_targets(self, y: np.ndarray) -> np.ndarray:
        """The target column as the loss wants it: (M, T) with ±1, 0/1 or one-hot labels."""
        if self.classes is None:
            return y[:, None]
        index = np.searchsorted(np.asarray(self.classes), y)
        if len(self.target_syms) > 1:
            return np.eye(len(self.classes))[index]
        signed = self.loss in SIGNED
        return (np.where(index == 1, 1.0, -1.0) if signed else index.astype(float))[:, None]

    def predict_class(self, scores: np.ndarray) -> np.ndarray:
        """Class labels from scores (M, K): the sign for one output, the arg-max for several."""
        cls = np.asarray(self.classes)
        if scores.shape[1] == 1:
            return cls[(scores[:, 0] > 0).astype(int)]
        return cls[np.argmax(scores, axis=1)]


def loss_parts(problem: Problem):
    """(residual, row_loss, args, dloss): the row loss and its derivatives in the form training compiles.
    Squared and absolute errors depend on s − y only: written in the residual r, the forward pass is
    r = Φθ + (c − y), one fused mat-vec, and the loss and its derivative cost one operation each."""
    s, t = problem.score_syms, problem.target_syms
    residual = problem.loss in ("mse", "sse", "mae") and len(s) == 1
    if residual:
        r = sp.Symbol("_r", real=True)
        row_loss = problem.row_loss.subs(s[0], r + t[0])
        return True, row_loss, (r,), [sp.diff(row_loss, r)]
    return False, problem.row_loss, s + t, [sp.factor(sp.diff(problem.row_loss, sc)) for sc in s]


def build_problem(model: str, data, features: tuple[str, ...], target: str, loss: str | None, reg: float,
                  params: str | list | None = None) -> Problem:
    """Parse `--model` against the data's columns: names that are columns are data, the rest parameters."""
    from gdcli.expr import compile_expression, natural_key
    from gdcli.expr.parser import NAME_RE

    shorthand = model in ("linear", "perceptron", "logistic", "svm") or model.startswith("poly:")
    loss = loss or DEFAULT_LOSS.get(model, "mse")
    if loss not in LOSSES:
        raise UsageError(f"--loss must be one of {', '.join(LOSSES)}; got '{loss}'")
    if reg < 0:
        raise UsageError("--reg must be >= 0")
    classes = None
    y = data.column(target)
    if loss in CLASSIFY:
        classes = tuple(float(c) for c in np.unique(y))
        if loss != "multiclass-hinge" and model != "svm" and len(classes) != 2:
            raise DataError(f"--loss {loss} needs two classes in '{target}'; found {len(classes)}")
        if len(classes) < 2:
            raise DataError(f"'{target}' has a single class; nothing to separate")
    if shorthand:
        for c in features:
            if not NAME_RE.match(c):
                raise DataError(f"column '{c}' is not a variable name; rename it to use it in a model")
    texts = expand_shorthand(model, features, len(classes or ()))
    if loss == "multiclass-hinge" and len(texts) != len(classes or ()):
        raise UsageError(f"--loss multiclass-hinge needs one score per class ({len(classes or ())}); use --model svm")
    exprs = [compile_expression(t) for t in texts]
    names = sorted({v for e in exprs for v in e.variables}, key=natural_key)
    columns = set(data.columns)
    if target in names:
        raise UsageError(f"the model uses the target column '{target}'")
    if params is not None:
        plist = [p.strip() for p in (params.split(",") if isinstance(params, str) else params) if str(p).strip()]
        for p in plist:
            if p not in names:
                raise UsageError(f"--params: '{p}' does not appear in the model")
        for v in names:
            if v not in plist and v not in columns:
                raise DataError(f"model variable '{v}' names no column (columns: {', '.join(data.columns)})")
    else:
        plist = [v for v in names if v not in columns]
        for v in plist:
            if v[0] in "xX" or v in ("y", "t"):  # reads as data, not a parameter: say so rather than fit it
                raise DataError(f"model variable '{v}' names no column (columns: {', '.join(data.columns)}); "
                                "list the parameters with --params if it is one")
    used = [v for v in names if v not in plist]
    if not used:
        raise DataError(f"the model uses no data column (columns: {', '.join(data.columns)})")
    if not plist:
        raise UsageError("the model has no parameters to fit")
    features = tuple(c for c in data.columns if c in used)
    syms = {s.name: s for e in exprs for s in e.symbols}
    # Rebuild the outputs over real symbols named like ours so differentiation matches by name.
    outputs = tuple(e.sym.xreplace({syms[n]: sp.Symbol(n, real=True) for n in syms}) for e in exprs)
    return Problem(model if not shorthand else f"{model}: {' | '.join(texts)}", outputs, features, tuple(plist),
                   target, loss, float(reg), classes)


# -- NumPy evaluation over data columns -------------------------------------------------------------------------

def evaluate(problem: Problem, exprs, data_cols: list[np.ndarray], theta) -> list[np.ndarray]:
    """Expressions in features and parameters, at every row at once (no loop over rows)."""
    from gdcli.expr.compile import NumpyOps, compile_exprs

    fn = compile_exprs(list(exprs), problem.feature_syms + problem.param_syms, NumpyOps)
    m = data_cols[0].shape[0]
    with np.errstate(all="ignore"):
        out = fn(*data_cols, *[float(t) for t in theta])
    return [np.broadcast_to(np.asarray(v, dtype=float), (m,)) for v in out]


def design(problem: Problem, data_cols: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """For a model linear in its parameters, s_c = Φ_c θ + c_c: the Φ_c (M, p) and offsets c_c (M,)."""
    zeros = np.zeros(len(problem.params))
    Phis, offsets = [], []
    for c, s in enumerate(problem.outputs):
        cols = evaluate(problem, problem.jacobian[c], data_cols, zeros) if problem.params else []
        Phis.append(np.column_stack(cols))
        offsets.append(evaluate(problem, [s], data_cols, zeros)[0])
    return Phis, offsets


@dataclass(frozen=True)
class ClosedForm:
    params: dict[str, float]
    loss: float
    method: str = "least squares (pseudo-inverse)"


def least_squares(Phi: np.ndarray, rhs: np.ndarray, reg: float, mask: np.ndarray, mean: bool) -> np.ndarray:
    """argmin (1/M or 1)·‖Φθ − r‖² + reg·‖mask·θ‖², by lstsq on the stacked system (pseudo-inverse when rank-deficient)."""
    m = Phi.shape[0]
    w = 1.0 / np.sqrt(m) if mean else 1.0
    A, b = Phi * w, rhs * w
    if reg > 0:
        A = np.vstack([A, np.sqrt(reg) * np.diag(mask)])
        b = np.concatenate([b, np.zeros(Phi.shape[1])])
    # Columns of largest entry 1 first: lstsq's rank cut-off is relative to the largest singular value, so a
    # feature on a scale of 1e-200 beside a bias column would be dropped as rank-deficient and the "exact" answer
    # be wrong. (The max, not the 2-norm, whose squares under- or overflow at such scales.)
    scale = np.max(np.abs(A), axis=0)
    scale[scale == 0] = 1.0
    return np.linalg.lstsq(A / scale, b, rcond=None)[0] / scale


def closed_form(problem: Problem, data) -> ClosedForm | None:
    if not problem.closed_form_applies:
        return None
    cols = [data.column(f) for f in problem.features]
    (Phi,), (c,) = design(problem, cols)
    y = data.column(problem.target)
    theta = least_squares(Phi, y - c, problem.reg, problem.reg_mask, mean=problem.loss == "mse")
    r = Phi @ theta + c - y
    loss = float(np.mean(r * r) if problem.loss == "mse" else np.sum(r * r))
    if problem.reg:  # not 0·Σθ², which is NaN once θ² overflows
        loss += problem.reg * float(np.sum(problem.reg_mask * theta**2))
    return ClosedForm(dict(zip(problem.params, theta.tolist())), float(loss))


def true_params(problem: Problem, data) -> tuple[dict[str, float] | None, float | None]:
    """For generated data: the parameters that reproduce the noise-free function, and the RMS of what the
    model cannot reproduce (0 when the model family contains the true function)."""
    if data.truth is None or not problem.linear_in_params or len(problem.outputs) != 1:
        return None, None
    cols = [data.column(f) for f in problem.features]
    (Phi,), (c,) = design(problem, cols)
    theta = least_squares(Phi, data.truth - c, 0.0, problem.reg_mask, mean=True)
    misfit = float(np.sqrt(np.mean((Phi @ theta + c - data.truth) ** 2)))
    scale = max(1.0, float(np.sqrt(np.mean(data.truth**2))))
    if misfit > 1e-8 * scale:
        return None, misfit
    return dict(zip(problem.params, theta.tolist())), 0.0
