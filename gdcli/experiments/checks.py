"""`expect:` checks on result fields: equality, approx (rel/abs), lt/gt/le/ge, membership."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

OPERATORS = ("equals", "approx", "lt", "gt", "le", "ge", "in", "contains")
CHECK_KEYS = {"path", "name", "rel", "abs", "run", *OPERATORS}


@dataclass(frozen=True)
class Check:
    name: str
    path: str
    op: str
    expected: Any
    rel: float | None = None
    abs: float | None = None


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    actual: Any
    message: str


def parse_checks(items, where: str = "") -> list[Check]:
    """Turn the `expect:` list into checks; raise ValueError with a readable reason on a malformed entry.

    Two forms: `{path: runs[0].status, equals: converged}` (one operator, optional rel/abs/name), or the
    shorthand `{run: 0, status: converged}` meaning runs[0].status equals converged.
    """
    if not isinstance(items, list):
        raise ValueError("expect: must be a list of checks")
    checks = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"expect[{i}] must be a mapping")
        prefix = f"runs[{item['run']}]." if "run" in item else ""
        if "run" in item and not isinstance(item["run"], int):
            raise ValueError(f"expect[{i}]: run must be an integer")
        if "path" in item:
            ops = [k for k in item if k in OPERATORS]
            unknown = [k for k in item if k not in CHECK_KEYS]
            if unknown:
                from gdcli.commands.common import suggest

                hint = suggest(str(unknown[0]), CHECK_KEYS) or f" (use path with one of {', '.join(OPERATORS)})"
                raise ValueError(f"expect[{i}]: unknown key '{unknown[0]}'{hint}")
            if len(ops) != 1:
                raise ValueError(f"expect[{i}]: give exactly one of {', '.join(OPERATORS)}")
            op = ops[0]
            path = prefix + str(item["path"])
            tol_rel, tol_abs = item.get("rel"), item.get("abs")
            if op == "approx" and tol_rel is None and tol_abs is None:
                tol_rel = 1e-6
            checks.append(Check(item.get("name") or f"{path} {op} {item[op]!r}", path, op, item[op], tol_rel, tol_abs))
        else:
            fields = {k: v for k, v in item.items() if k not in ("run", "name")}
            if not fields:
                raise ValueError(f"expect[{i}]: nothing to check")
            for key, value in fields.items():
                path = prefix + str(key)
                checks.append(Check(item.get("name") or f"{path} == {value!r}", path, "equals", value))
    return checks


_TOKEN = re.compile(r"[^.\[\]]+|\[(-?\d+)\]")


def tokens(path: str) -> tuple[str, ...]:
    """`runs[0].status` and `runs.0.status` alike as ('runs', '0', 'status')."""
    return tuple(m.group(1) if m.group(1) is not None else m.group(0) for m in _TOKEN.finditer(path))


def lookup(doc, path: str):
    """`runs[0].final.value` or `runs.0.final.value` in a JSON-like document; KeyError if absent."""
    value = doc
    for key in tokens(path):
        if isinstance(value, list):
            value = value[int(key)]
        elif isinstance(value, dict):
            value = value[key]
        else:
            raise KeyError(path)
    return value


def _close(actual, expected, rel, abs_) -> bool:
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            _close(a, e, rel, abs_) for a, e in zip(actual, expected))
    if actual is None or isinstance(actual, (str, bool)):
        return False
    a, e = float(actual), float(expected)
    return math.isclose(a, e, rel_tol=rel or 0.0, abs_tol=abs_ or 0.0)


def evaluate(check: Check, doc) -> CheckResult:
    """One check against the result document. An expected value `{path: ...}` is another field of the same
    document, so that a file can state an ordering (`lt: {path: "sweep[1].result.loss"}`) rather than a number."""
    try:
        actual = lookup(doc, check.path)
    except (KeyError, IndexError, ValueError, TypeError):
        return CheckResult(check.name, False, None, f"no field {check.path}")
    e = check.expected
    if isinstance(e, dict) and set(e) == {"path"}:
        try:
            e = lookup(doc, str(e["path"]))
        except (KeyError, IndexError, ValueError, TypeError):
            return CheckResult(check.name, False, actual, f"no field {check.expected['path']} to compare with")
    try:
        if check.op == "equals":
            ok = actual == e or (isinstance(e, (int, float)) and not isinstance(e, bool) and _close(actual, e, 1e-12, 1e-12))
        elif check.op == "approx":
            ok = _close(actual, e, check.rel, check.abs)
        elif check.op in ("lt", "gt", "le", "ge"):
            a = float(actual)
            ok = {"lt": a < e, "gt": a > e, "le": a <= e, "ge": a >= e}[check.op]
        elif check.op == "in":
            ok = actual in e
        else:  # contains
            ok = e in actual
    except (TypeError, ValueError):
        ok = False
    message = "ok" if ok else f"got {actual!r}, expected {check.op} {e!r}"
    return CheckResult(check.name, bool(ok), actual, message)
