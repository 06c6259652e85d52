"""Experiment files: load, validate against the command's options dataclass, expand sweeps."""

from __future__ import annotations

import dataclasses
import glob
import itertools
import math
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdcli.commands.common import (EXPERIMENT_KEYS, hint_args, is_runner_key, shown as _shown, suggest,
                                  type_problem)
from gdcli.commands import COMMANDS, command_module
from gdcli.errors import ConfigError
from gdcli.experiments.checks import Check, parse_checks
from gdcli.experiments.tasks import FLAG, yaml_words
from gdcli.commands.yamlio import load_yaml

# Outcomes that fail an experiment unless a check names them; `expected_outcomes:` lists the ones that are
# the result itself (a stability map is made of diverged cells; a pitfall experiment shows a failed check).
OUTCOMES = ("diverged", "diverging", "non-finite", "failed")


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
    given: frozenset = frozenset()  # option names the file sets (output options left out write nothing)
    uses_code: bool = False  # imports the user's Python (gdcli run needs --allow-code)
    expected_outcomes: frozenset = frozenset()  # OUTCOMES that are this experiment's result, not a failure


def _scalar_fields(cls) -> set[str]:
    """Fields whose type is a single number, string or flag: a list there means a sweep."""
    hints = typing.get_type_hints(cls)
    scalars = set()
    for f in dataclasses.fields(cls):
        t = hints.get(f.name)
        args = hint_args(t)
        if all(a in (int, float, str, bool) for a in args):
            scalars.add(f.name)
    return scalars


NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
RESERVED = {"summary.json"}
MAX_RUNS = 10_000  # sweep points in one experiment


def _bad_name(name) -> str | None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        return ("name must be 1 to 100 letters, digits, '-', '_' or '.', not starting with '.'; "
                f"got {_shown(name)}")
    if name in RESERVED:
        return f"name '{name}' is reserved for the batch summary"
    return None


def _bad_output(value) -> str | None:
    """An output option in a YAML file names a file inside results/<name>/: no folders, no absolute paths."""
    if not isinstance(value, str) or not value.strip():
        return f"must be a file name such as plot.png; got {_shown(value)}"
    if value in (".", "..") or "/" in value or "\\" in value or "\0" in value or value.startswith("~"):
        return (f"must be a plain file name, written inside results/<name>/; got {_shown(value)} "
                "(absolute paths, folders and '..' are not allowed)")
    return None


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate one file; every problem found is reported at once as a ConfigError whose lines are
    file:line:column: message."""
    path = str(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: an experiment is a mapping with name, command and the command's options")
    marks = getattr(data, "marks", {})
    problems: list[str] = []

    def at(key, index=None) -> str:
        line, col = marks.get(key, (1, 1))
        value = data.get(key)
        if index is not None and index in getattr(value, "marks", {}):
            line, col = value.marks[index]
        return f"{path}:{line}:{col}"

    for key in ("name", "command"):
        if key not in data:
            raise ConfigError(f"{path}:1:1: missing '{key}'")
    command = data["command"]
    if command not in COMMANDS:
        raise ConfigError(f"{at('command')}: unknown command {_shown(command)}{suggest(str(command), COMMANDS)}")
    if (why := _bad_name(data["name"])) is not None:
        problems.append(f"{at('name')}: {why}")
    module = command_module(command)
    cls = module.OPTIONS
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    outputs = set(getattr(module, "OUTPUTS", ()))
    scalars = _scalar_fields(cls) - set(getattr(module, "NATIVE_LISTS", ()))
    options, axes = {}, {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if key in EXPERIMENT_KEYS and (name not in names or is_runner_key(name, value)):
            continue
        if name not in names:
            problems.append(f"{at(key)}: unknown key {_shown(key)} for {command}{suggest(name, names | EXPERIMENT_KEYS)}")
            continue
        if name in scalars and isinstance(value, list):
            axes[name] = value  # a list on a scalar option is a sweep
            values = value
        else:
            options[name] = value
            values = [value]
        for i, v in enumerate(values):
            where = at(key, i if values is value else None)
            if (why := type_problem(key, v, hints.get(name))) is not None:
                problems.append(f"{where}: {why}")
            elif name in outputs and (why := _bad_output(v)) is not None:
                problems.append(f"{where}: '{key}' {why}")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        problems.append(f"{at('seed')}: seed must be a whole number >= 0; got {_shown(seed)}")
    elif seed is not None and "seed" in names:
        options.setdefault("seed", seed)
    explicit = "sweep" in data and ("sweep" not in names or is_runner_key("sweep", data["sweep"]))
    size = math.prod(len(v) for v in axes.values()) * (_sweep_size(data["sweep"]) if explicit else 1)
    runs = [{}]
    if size > MAX_RUNS:  # refuse before building millions of dicts
        problems.append(f"{at('sweep' if explicit else next(iter(axes)))}: the sweep has {size:,} runs; at most "
                        f"{MAX_RUNS:,} fit in one experiment (split it into several files)")
    else:
        runs = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())] if axes else [{}]
        if explicit:
            try:
                runs = _explicit_sweep(data["sweep"], runs, hints, at("sweep"), outputs)
            except ConfigError as exc:
                problems.append(exc.message)
    # Check each run's options now, with the command's own checks, so nothing runs if any point is bad.
    reported = set()
    for run in _representatives(runs) if not problems else []:
        values = {**options, **run}
        missing = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING and f.name not in values]
        # an options class may need one of several options (descend: start or start_grid); name the first
        missing += [group[0] for group in getattr(cls, "ONE_OF", ()) if all(values.get(n) is None for n in group)]
        if missing:
            problems.append(f"{path}:1:1: missing option {', '.join(missing)} for {command}")
            break
        for message in _command_checks(module, values, data, run, at, path):
            if message not in reported:
                reported.add(message)
                problems.append(message)
    expected = data.get("expected_outcomes", [])
    expected = expected if isinstance(expected, list) else [expected]
    for i, word in enumerate(expected):
        if word not in OUTCOMES:
            problems.append(f"{at('expected_outcomes', i)}: expected_outcomes takes {', '.join(OUTCOMES)}; got "
                            f"{_shown(word)}{suggest(str(word), OUTCOMES)}")
    checks = []
    expect = data.get("expect", [])
    try:
        checks = parse_checks(expect if is_runner_key("expect", expect) else [])
    except ValueError as exc:
        problems.append(f"{at('expect')}: {exc}")
    if checks and getattr(module, "RESULT", None) is not None:
        problems += _unknown_paths(module, expect, len(runs) > 1, lambda i: at("expect", i))
    if problems:
        error = ConfigError(problems[0])
        error.problems = problems  # each one rendered: file:line:column: message (and a caret line for an expression)
        raise error
    given = {str(k).replace("-", "_") for k in data}
    return Experiment(name=data["name"], command=command, path=path, options=options, runs=runs, checks=checks,
                      seed=seed, description=str(data.get("description", "")), given=frozenset(given),
                      uses_code=any(getattr(module, "uses_code", lambda v: False)({**options, **r}) for r in runs),
                      expected_outcomes=frozenset(map(str, expected)))


def _representatives(runs: list[dict]) -> list[dict]:
    """Enough runs that every value of every swept option is checked once (not the whole product)."""
    picked, seen = [], set()
    for run in runs:
        new = {(k, repr(v)) for k, v in run.items()} - seen
        if new or not picked:
            picked.append(run)
            seen |= new
    return picked


def _unknown_paths(module, expect: list, sweep: bool, at) -> list[str]:
    """`expect:` paths that name nothing in the command's result (a typo would otherwise be a failed check)."""
    from gdcli.experiments.checks import tokens
    from gdcli.experiments.shapes import resolve, sweep_shape, unknown_path

    shape = resolve(module.RESULT)
    shape = sweep_shape(shape) if sweep else shape
    found = []
    for i, item in enumerate(expect):
        for check in parse_checks([item]):
            if (why := unknown_path(shape, tokens(check.path))) is not None:
                found.append(f"{at(i)}: expect: path '{check.path}': {why}")
    return found




def _command_checks(module, values: dict, data, run: dict, at, path: str) -> list[str]:
    """The command's own up-front checks (`validate(options)`) on one run, as YAML positions and key names."""
    from gdcli.errors import GdcliError

    if isinstance(values.get("expression"), str):
        try:
            _check_expression(values["expression"], at("expression" if "expression" in data else "sweep"))
        except ConfigError as exc:
            return [exc.render().removeprefix("error: ")]
    validate = getattr(module, "validate", None)
    if validate is None:
        return []
    try:
        validate(module.OPTIONS(**values))
    except GdcliError as exc:
        names = {f.name for f in dataclasses.fields(module.OPTIONS)}
        flags = [m.group(1).replace("-", "_") for m in FLAG.finditer(exc.message)]
        message = yaml_words(exc.message, names)  # YAML keys, not CLI flags
        key = next((k for k in flags if k in data or k.replace("_", "-") in data), None)
        if key is None or key in run:
            where = at("sweep") if run and "sweep" in data else (at(key) if key else f"{path}:1:1")
        else:
            where = at(key if key in data else key.replace("_", "-"))
        suffix = f" (in the sweep point {_shown(run)})" if run else ""
        return [f"{where}: {message}{suffix}"]
    except (TypeError, ValueError, OverflowError) as exc:
        return [f"{path}:1:1: {exc}"]
    return []


def _check_expression(text: str, where: str) -> None:
    """Parse an `expression:` option now (parsing is cheap and safe), so a typo is a validation error."""
    from gdcli.errors import ExpressionError
    from gdcli.expr import parse

    try:
        parse(text)
    except ExpressionError as exc:
        raise ConfigError(f"{where}: expression: {exc.message}", source=exc.source, span=exc.span) from None


def _sweep_size(sweep) -> int:
    if isinstance(sweep, dict):
        return math.prod(len(v) if isinstance(v, list) else 1 for v in sweep.values())
    return len(sweep) if isinstance(sweep, list) else 1


def _explicit_sweep(sweep, runs, hints: dict, where, outputs=frozenset()) -> list[dict]:
    """`sweep:` as a mapping of option -> values (a grid) or a list of mappings (the runs themselves); `hints` are
    the options' annotations, which each value must fit."""
    names = set(hints)
    if isinstance(sweep, dict):
        grid = [dict(zip(sweep, combo)) for combo in itertools.product(*[v if isinstance(v, list) else [v] for v in sweep.values()])]
    elif isinstance(sweep, list) and all(isinstance(r, dict) for r in sweep):
        grid = [dict(r) for r in sweep]
    else:
        raise ConfigError(f"{where}: sweep must be a mapping of option to values, or a list of mappings")
    for run in grid:
        for key in run:
            if str(key).replace("-", "_") not in names:
                raise ConfigError(f"{where}: unknown option {_shown(key)} in sweep{suggest(str(key), names)}")
            if (why := type_problem(key, run[key], hints[str(key).replace("-", "_")])) is not None:
                raise ConfigError(f"{where}: {why}")
            if str(key).replace("-", "_") in outputs and (why := _bad_output(run[key])) is not None:
                raise ConfigError(f"{where}: '{key}' {why}")
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
            elif m.exists() or m.is_symlink():  # a dangling link or a loop: load_yaml says which
                found.append(m)
            else:
                raise ConfigError(f"{m}: no such file or folder")
    seen, unique = set(), []
    for f in found:
        try:
            key = f.resolve()
        except (OSError, RuntimeError):  # a symlink loop: load_yaml reports it with the file's name
            key = f.absolute()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique
