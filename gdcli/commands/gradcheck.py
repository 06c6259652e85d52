"""`gdcli gradcheck`: is this gradient right? An analytic gradient against finite differences, with a step sweep."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


from gdcli.commands import common


ANALYTIC = ("symbolic", "autodiff")


@dataclass
class GradcheckOptions:
    expression: Any = None
    at: Any = None
    function: Any = None
    gradient: Any = None
    path: Any = None
    dim: Any = None
    vars: Any = None
    analytic: str = "symbolic"
    method: str = "central"
    h: Any = None
    dtype: str = "float64"
    tol: Any = None
    floor: Any = None
    strict: bool = False
    sweep: bool = False
    plot: Any = None
    seed: int = 0
    time_limit: float = common.DEFAULT_TIME_LIMIT
    json: bool = False


OPTIONS = GradcheckOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.calculus.gradcheck:GradcheckResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("plot",)  # options that name files: in a YAML experiment, file names inside results/<name>/


def uses_code(values: dict) -> bool:
    """Does this run import the user's Python (`function:` or `gradient:` as module:name)?"""
    from gdcli.engine.calculus.usercode import is_reference

    return values.get("function") is not None or (isinstance(values.get("gradient"), str)
                                                   and is_reference(values["gradient"]))


def _choice(value, choices, flag):
    from gdcli.errors import UsageError

    if value not in choices:
        raise UsageError(f"{flag} must be one of {', '.join(choices)}; got '{value}'{common.suggest(str(value), choices)}")


def _positive(value, flag):
    from gdcli.errors import UsageError
    from gdcli.expr import constant_value

    v = value if isinstance(value, (int, float)) else constant_value(str(value), flag)
    if not v > 0:
        raise UsageError(f"{flag} must be positive; got {value}")
    return float(v)


def _is_random(at) -> bool:
    return isinstance(at, str) and at.strip() == "random"


def _point(opts, variables, n, rng):
    import numpy as np

    from gdcli.errors import UsageError
    from gdcli.expr import parse_point

    if opts.at is None:
        raise UsageError("missing --at: the point, e.g. --at 3,4 (or --at random with --seed)")
    if _is_random(opts.at):
        return rng.standard_normal(n)
    return parse_point(opts.at, tuple(variables)) if variables else np.zeros(0)


def _hand_gradient(opts, expr, x):
    """--gradient "4*w0, 6*w1": one expression per variable, evaluated at x."""
    import numpy as np

    from gdcli.errors import ExpressionError, UsageError
    from gdcli.expr import compile_expression, split_top_level

    parts = [str(p) for p in opts.gradient] if isinstance(opts.gradient, (list, tuple)) else split_top_level(str(opts.gradient))
    n = len(expr.variables)
    if len(parts) != n:
        raise UsageError(f"--gradient needs {n} component{'s' * (n != 1)} ({', '.join(expr.variables)}), got {len(parts)}")
    values = []
    for i, part in enumerate(parts):
        try:
            names = compile_expression(part).variables
            unknown = [v for v in names if v not in expr.variables]
            if unknown:
                raise UsageError(f"--gradient component {i + 1} ({expr.variables[i]}) uses '{unknown[0]}', "
                                 f"which is not a variable of the expression ({', '.join(expr.variables)})")
            values.append(float(compile_expression(part, expr.variables).f(x)))
        except ExpressionError as exc:
            raise UsageError(f"--gradient component {i + 1}: {exc.message}", source=exc.source, span=exc.span) from None
    return np.array(values), "--gradient " + ", ".join(p.strip() for p in parts)


MAX_DIM = 100_000  # central differences cost 2·dim evaluations, each of size dim


def validate(opts: GradcheckOptions):
    """The option values, checked before any work (compute does the same; `gdcli run` before anything runs)."""
    from gdcli.engine.calculus.gradcheck import DTYPES
    from gdcli.engine.calculus.numdiff import METHODS
    from gdcli.errors import UsageError

    _choice(opts.method, METHODS, "--method")
    common.check_picture(opts.plot)
    _choice(opts.dtype, tuple(DTYPES), "--dtype")
    _choice(opts.analytic, ANALYTIC, "--analytic")
    h = None if opts.h is None else _positive(opts.h, "--h")
    tol = None if opts.tol is None else _positive(opts.tol, "--tol")
    floor = None if opts.floor is None else _positive(opts.floor, "--floor")
    try:
        dim = None if opts.dim is None else int(float(opts.dim) if isinstance(opts.dim, str) else opts.dim)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"--dim must be a whole number; got {opts.dim!r}") from None
    if dim is not None and not 1 <= dim <= MAX_DIM:
        raise UsageError(f"--dim must be between 1 and {MAX_DIM:,}; got {dim:,}")
    if isinstance(opts.seed, bool) or not isinstance(opts.seed, int) or opts.seed < 0:
        raise UsageError(f"--seed must be a whole number >= 0; got {opts.seed!r}")
    return h, tol, floor, dim


def compute(opts: GradcheckOptions):
    import numpy as np

    from gdcli.engine.calculus.gradcheck import DTYPES, check_gradient, expression_function
    from gdcli.engine.calculus.kinks import find_kinks
    from gdcli.engine.calculus.usercode import is_reference, load_callable, user_function, user_gradient
    from gdcli.errors import UsageError

    h, tol, floor, dim = validate(opts)
    rng = np.random.default_rng(opts.seed)
    dt = DTYPES[opts.dtype]
    if (opts.expression is None) == (opts.function is None):
        raise UsageError("give an EXPRESSION or --function module:f (one of them)")
    kinks_at = None
    if opts.expression is not None:
        from gdcli.expr import compile_expression

        budget = common.budget(opts)
        with budget.step("parsing"):
            expr = compile_expression(str(opts.expression), opts.vars)
        variables = list(expr.variables)
        if dim is not None and dim != len(variables):
            raise UsageError(f"--dim {dim} does not match the expression's {len(variables)} variables")
        # Both sides evaluate at the same point: the one representable in the checking dtype.
        x = _point(opts, variables, len(variables), rng).astype(dt).astype(float)
        f, vectorised, subject = expression_function(expr, opts.dtype), True, expr.text
        if opts.gradient is None:
            with budget.step("symbolic differentiation" if opts.analytic == "symbolic" else "compiling f"):
                g = expr.grad(x) if opts.analytic == "symbolic" else expr.autodiff_value_and_grad(x)[1]
            source = opts.analytic
        elif is_reference(opts.gradient):
            g, source = user_gradient(load_callable(opts.gradient, opts.path, "--gradient"), x), str(opts.gradient)
        else:
            g, source = _hand_gradient(opts, expr, x)
        kinks_at = lambda p, steps: find_kinks(expr, p, steps)  # noqa: E731
    else:
        if opts.gradient is None or not is_reference(opts.gradient):
            raise UsageError("--function needs --gradient module:function, e.g. --gradient mypkg.loss:grad")
        fn = load_callable(opts.function, opts.path, "--function")
        grad = load_callable(opts.gradient, opts.path, "--gradient")
        if _is_random(opts.at):
            if dim is None:
                raise UsageError("--at random needs --dim N for a Python function")
            n = dim
        else:
            from gdcli.expr import parse_vector

            if opts.at is None:
                raise UsageError("missing --at: the point, e.g. --at 1,2,3 (or --at random --dim 3)")
            n = len(parse_vector(opts.at, None, "--at"))
            if dim is not None and dim != n:
                raise UsageError(f"--at has {n} components but --dim is {dim}")
        variables = [f"x[{i}]" for i in range(n)]
        x = rng.standard_normal(n) if _is_random(opts.at) else parse_vector(opts.at, n, "--at")
        x = np.asarray(x, dtype=dt)
        f, vectorised = user_function(fn, x, "--function")
        g, subject, source = user_gradient(grad, x), str(opts.function), str(opts.gradient)
        x = x.astype(float)
    sweep = None
    if opts.sweep or opts.plot is not None:
        from gdcli.engine.calculus.stepsweep import STEPS, step_sweep
        from gdcli.render.progress import progress

        with progress("step sweep", total=len(STEPS)) as bar:
            sweep = step_sweep(f, x, g, dtype=dt, tick=bar.update)
    result = check_gradient(f, x, g, variables=variables, subject=subject, analytic_source=source, method=opts.method,
                            h=h, dtype=opts.dtype, tol=tol, floor=floor, kinks_at=kinks_at, vectorised=vectorised,
                            strict=bool(opts.strict), sweep=sweep)
    if opts.plot is not None:
        from gdcli.render.gradcheck import sweep_figure
        from gdcli.render.output import save_figure

        save_figure(sweep_figure(result), opts.plot)
    return result


document = common.document  # the result dataclass as JSON


def artifacts(result, opts, out_dir) -> list[Path]:
    """The sweep as CSV and as a log-log PNG in out_dir, when there is a sweep."""
    from gdcli.render.gradcheck import sweep_csv, sweep_figure
    from gdcli.render.output import save_figure, write_atomic

    if result.sweep is None:
        return []
    out = Path(out_dir)
    csv = write_atomic(out / "gradcheck_sweep.csv", sweep_csv(result.sweep))
    return [csv, save_figure(sweep_figure(result), out / "gradcheck_sweep.png")]
