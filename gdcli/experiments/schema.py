"""Experiment files: load, validate against the command's options dataclass, expand sweeps."""

from __future__ import annotations

import dataclasses
import glob
import itertools
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdcli.commands.common import suggest
from gdcli.commands import COMMANDS, command_module
from gdcli.errors import ConfigError
from gdcli.experiments.checks import Check, parse_checks
from gdcli.commands.yamlio import load_yaml

TOP_KEYS = {"name", "command", "description", "seed", "sweep", "expect"}


@dataclass(frozen=True)
class Experiment:
    name: str
    command: str
    path: str
    options: dict[str, Any]  # option values common to every run
    runs: list[dict[str, Any]]  # the sweep: per-run option values (one empty dict when there is no sweep)
    checks: list[Check] = field(default_factory=list)
    seed: int | None = None
    description: str = ""


def _scalar_fields(cls) -> set[str]:
    """Fields whose type is a single number, string or flag: a list there means a sweep."""
    hints = typing.get_type_hints(cls)
    scalars = set()
    for f in dataclasses.fields(cls):
        t = hints.get(f.name)
        args = [a for a in typing.get_args(t) if a is not type(None)] if typing.get_args(t) else [t]
        if all(a in (int, float, str, bool) for a in args):
            scalars.add(f.name)
    return scalars


def _type_ok(value, hint) -> bool:
    args = [a for a in typing.get_args(hint) if a is not type(None)] if typing.get_args(hint) else [hint]
    if value is None or Any in args:
        return True
    for a in args:
        if a is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if a in (int, str, bool) and type(value) is a:
            return True
        if a not in (int, float, str, bool):
            return True
    return False


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate one file; every problem is a ConfigError with file:line:column."""
    path = str(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: an experiment is a mapping with name, command and the command's options")
    marks = getattr(data, "marks", {})

    def at(key) -> str:
        line, col = marks.get(key, (1, 1))
        return f"{path}:{line}:{col}"

    for key in ("name", "command"):
        if key not in data:
            raise ConfigError(f"{path}:1:1: missing '{key}'")
    command = data["command"]
    if command not in COMMANDS:
        raise ConfigError(f"{at('command')}: unknown command '{command}'{suggest(str(command), COMMANDS)}")
    module = command_module(command)
    cls = module.OPTIONS
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    scalars = _scalar_fields(cls) - set(getattr(module, "NATIVE_LISTS", ()))
    options, axes = {}, {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if key in TOP_KEYS and (name not in names or _is_runner_key(name, value)):
            continue
        if name not in names:
            raise ConfigError(f"{at(key)}: unknown key '{key}' for {command}{suggest(name, names | TOP_KEYS)}")
        if name in scalars and isinstance(value, list):
            axes[name] = value  # a list on a scalar option is a sweep
            values = value
        else:
            options[name] = value
            values = [value]
        for v in values:
            if not _type_ok(v, hints.get(name)):
                raise ConfigError(f"{at(key)}: '{key}' expects {_type_name(hints.get(name))}, got {v!r}"
                                  + (" (quote it if you mean the text)" if isinstance(v, bool) else ""))
    if not isinstance(data["name"], str) or not data["name"].strip() or "/" in data["name"]:
        raise ConfigError(f"{at('name')}: name must be a non-empty string without '/'")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ConfigError(f"{at('seed')}: seed must be an integer")
    if seed is not None and "seed" in names:
        options.setdefault("seed", seed)
    runs = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())] if axes else [{}]
    if "sweep" in data and ("sweep" not in names or _is_runner_key("sweep", data["sweep"])):
        runs = _explicit_sweep(data["sweep"], runs, names, at("sweep"))
    try:
        expect = data.get("expect", [])
        checks = parse_checks(expect if _is_runner_key("expect", expect) else [])
    except ValueError as exc:
        raise ConfigError(f"{at('expect')}: {exc}") from None
    # Check each run's options now, so a missing option or a bad expression stops the batch before anything runs.
    for run in runs:
        values = {**options, **run}
        missing = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING and f.name not in values]
        # an options class may need one of several options (descend: start or start_grid); name the first
        missing += [group[0] for group in getattr(cls, "ONE_OF", ()) if all(values.get(n) is None for n in group)]
        if missing:
            raise ConfigError(f"{path}:1:1: missing option {', '.join(missing)} for {command}")
        if isinstance(values.get("expression"), str):
            _check_expression(values["expression"], at("expression" if "expression" in data else "sweep"))
    return Experiment(name=data["name"], command=command, path=path, options=options, runs=runs, checks=checks,
                      seed=seed, description=str(data.get("description", "")))


def _check_expression(text: str, where: str) -> None:
    """Parse an `expression:` option now (parsing is cheap and safe), so a typo is a validation error."""
    from gdcli.errors import ExpressionError
    from gdcli.expr import parse

    try:
        parse(text)
    except ExpressionError as exc:
        raise ConfigError(f"{where}: expression: {exc.message}", source=exc.source, span=exc.span) from None


def _is_runner_key(name: str, value) -> bool:
    """`expect:` and `sweep:` belong to the runner, unless the command has an option of that name and the
    value is of that option's kind (convex's `expect: convex`, gradcheck's `sweep: true`)."""
    if name == "expect":
        return isinstance(value, list)
    if name == "sweep":
        return isinstance(value, dict) or (isinstance(value, list) and all(isinstance(v, dict) for v in value))
    return True


def _type_name(hint) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)] if typing.get_args(hint) else [hint]
    return " or ".join(getattr(a, "__name__", str(a)) for a in args)


def _explicit_sweep(sweep, runs, names, where) -> list[dict]:
    """`sweep:` as a mapping of option -> values (a grid) or a list of mappings (the runs themselves)."""
    if isinstance(sweep, dict):
        grid = [dict(zip(sweep, combo)) for combo in itertools.product(*[v if isinstance(v, list) else [v] for v in sweep.values()])]
    elif isinstance(sweep, list) and all(isinstance(r, dict) for r in sweep):
        grid = [dict(r) for r in sweep]
    else:
        raise ConfigError(f"{where}: sweep must be a mapping of option to values, or a list of mappings")
    for run in grid:
        for key in run:
            if str(key).replace("-", "_") not in names:
                raise ConfigError(f"{where}: unknown option '{key}' in sweep{suggest(str(key), names)}")
    grid = [{str(k).replace("-", "_"): v for k, v in r.items()} for r in grid]
    return [{**a, **b} for a in runs for b in grid]


def expand_paths(paths: list[str]) -> list[Path]:
    """Files, folders (their *.yaml and *.yml, sorted) and globs, each once, in order."""
    found: list[Path] = []
    for p in paths:
        matches = [Path(m) for m in sorted(glob.glob(p))] if any(ch in p for ch in "*?[") else [Path(p)]
        if not matches:
            raise ConfigError(f"{p}: no files match")
        for m in matches:
            if m.is_dir():
                found.extend(sorted([*m.glob("*.yaml"), *m.glob("*.yml")]))
            elif m.exists():
                found.append(m)
            else:
                raise ConfigError(f"{m}: no such file or folder")
    seen, unique = set(), []
    for f in found:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique
