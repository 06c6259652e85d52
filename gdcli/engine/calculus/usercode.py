"""The user's own Python functions (`module:function`), imported only on explicit request, batched when they allow it."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from gdcli.engine.calculus.numdiff import per_point
from gdcli.errors import UsageError

REFERENCE_RE = re.compile(r"^\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)\s*$")

_LOADED: set[str] = set()  # modules this process imported for the user; only these may be re-imported from elsewhere


def is_reference(text) -> bool:
    """`pkg.module:name` (expressions never contain ':')."""
    return isinstance(text, str) and REFERENCE_RE.match(text) is not None


def _inside(file: str | None, base: Path) -> bool:
    return file is not None and Path(file).resolve().is_relative_to(base)


def load_callable(reference: str, path=None, what: str = "--function") -> Callable:
    """Import `module:name` from the directory `path` (default: the current directory) and return the callable."""
    m = REFERENCE_RE.match(str(reference))
    if not m:
        raise UsageError(f"{what}: expected module:function, e.g. mypkg.loss:f; got {reference!r}")
    module_name, attr = m.groups()
    base = Path(path if path is not None else ".").resolve()
    if not base.is_dir():
        raise UsageError(f"--path: {base} is not a directory")
    parts = module_name.split(".")
    # A module of the same name imported earlier from another directory (by us) must not shadow this one.
    for name in [".".join(parts[:k]) for k in range(1, len(parts) + 1)]:
        cached = sys.modules.get(name)
        if name in _LOADED and cached is not None and not _inside(getattr(cached, "__file__", None), base):
            for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
                del sys.modules[key]
    sys.path.insert(0, str(base))
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise UsageError(f"{what}: no module '{module_name}' in {base} (use --path DIR to look elsewhere)") from None
        raise UsageError(f"{what}: importing '{module_name}' failed: {exc}") from None
    except SyntaxError as exc:
        raise UsageError(f"{what}: '{module_name}' has a syntax error: {exc.msg} ({Path(exc.filename or '').name}:{exc.lineno})") from None
    except Exception as exc:  # noqa: BLE001 - the user's module raised while importing; say what, exit 2
        raise UsageError(f"{what}: importing '{module_name}' raised {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(base))
    _LOADED.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    file = getattr(module, "__file__", None)
    if not _inside(file, base):
        raise UsageError(f"{what}: '{module_name}' resolves to {file or 'a built-in module'}, not a module in {base}; rename yours")
    fn = getattr(module, attr, None)
    if fn is None:
        raise UsageError(f"{what}: module '{module_name}' has no '{attr}'")
    if not callable(fn):
        raise UsageError(f"{what}: '{module_name}:{attr}' is not callable")
    return fn


def _scalar(value, what: str) -> float:
    a = np.asarray(value, dtype=float)
    if a.size != 1:
        raise UsageError(f"{what} must return a float; it returned an array of shape {a.shape}")
    return float(a.reshape(()))


def user_function(f: Callable, x: np.ndarray, what: str = "--function") -> tuple[Callable[[np.ndarray], np.ndarray], bool]:
    """f as points (m, n) -> (m,), and whether it is vectorised.

    f is vectorised when, given a matrix of points, it returns one value per row that matches calling it on
    each row; otherwise it is called once per point.
    """

    def one(p):
        try:
            return _scalar(f(np.array(p)), what)
        except UsageError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's function raised; that is bad input, not our bug
            raise UsageError(f"{what} raised {type(exc).__name__}: {exc}") from None

    probe = np.vstack([x, x + 1e-3 * np.maximum(1.0, np.abs(x)) * np.where(np.arange(x.size) % 2, -1, 1)])
    expected = np.array([one(p) for p in probe])
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(f(probe.copy()), dtype=float)
        vectorised = got.shape == (2,) and bool(np.allclose(got, expected, rtol=1e-12, atol=0.0))
    except Exception:  # noqa: BLE001 - not vectorised: any failure on a matrix means "call it per point"
        vectorised = False
    if vectorised:

        def batched(X):
            try:
                with np.errstate(all="ignore"):
                    return np.asarray(f(np.array(X)), dtype=np.float64).reshape(len(X))
            except Exception as exc:  # noqa: BLE001
                raise UsageError(f"{what} raised {type(exc).__name__}: {exc}") from None

        return batched, True
    return per_point(one), False


def user_gradient(grad: Callable, x: np.ndarray, what: str = "--gradient") -> np.ndarray:
    """The user's gradient at x, checked to be a finite-or-not vector of x's length."""
    try:
        g = np.asarray(grad(np.array(x)), dtype=float)
    except Exception as exc:  # noqa: BLE001
        raise UsageError(f"{what} raised {type(exc).__name__}: {exc}") from None
    if g.size != x.size:
        raise UsageError(f"{what} must return a vector of {x.size} numbers; it returned shape {g.shape}")
    return g.reshape(x.size).astype(np.float64)
