"""What every command module shares: option values checked against its dataclass, built from defaults, YAML and flags."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from gdcli.errors import ConfigError, UsageError


# = gdcli.expr.budget.DEFAULT_SECONDS (not imported here: that would load SymPy at start-up; a test ties the two).
DEFAULT_TIME_LIMIT = 5.0


def budget(opts):
    """The command's symbolic time budget from its `time_limit` option (--time-limit, YAML `time_limit`)."""
    from gdcli.expr.budget import Budget

    seconds = opts.time_limit
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"--time-limit must be a positive number of seconds; got {seconds!r}")
    # A fifth of the budget (at most 1 s) is kept for the numeric fallback that follows a skipped step, so that
    # the whole command, not only its symbolic part, ends within --time-limit (plus start-up).
    return Budget(float(seconds), reserve=min(1.0, 0.2 * float(seconds)))


# Keys an experiment file may carry besides a command's options.
EXPERIMENT_KEYS = {"name", "command", "expect", "sweep", "description", "seed", "expected_outcomes"}


def suggest(word: str, choices) -> str:
    import difflib  # only on the error path; start-up matters (benchmarks/startup.py)

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def shown(value) -> str:
    """A value for a message: control characters and terminal escapes escaped, long text cut."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def hint_args(hint) -> list:
    """The types an annotation allows, None aside: Optional[float] -> [float], int -> [int]."""
    import typing

    return [a for a in typing.get_args(hint) if a is not type(None)] if typing.get_args(hint) else [hint]


def type_problem(key, value, hint) -> str | None:
    """Why a YAML value does not fit its option's annotation (int, float, str, bool, Optional, Any), or None."""
    args = hint_args(hint)
    if value is None or Any in args:
        return None
    for a in args:
        if a is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        if a in (int, str, bool) and type(value) is a:
            return None
        if a not in (int, float, str, bool):
            return None
    names = " or ".join(getattr(a, "__name__", str(a)) for a in args)
    why = f"'{key}' expects {names}, got {shown(value)}"
    if isinstance(value, bool):
        why += " (quote it if you mean the text)"
    elif isinstance(value, list):
        why += " (a list of values is a sweep, which `gdcli run FILE` runs)"
    return why


def is_runner_key(name: str, value) -> bool:
    """`expect:` and `sweep:` belong to the runner, unless the command has an option of that name and the
    value is of that option's kind (convex's `expect: convex`, gradcheck's `sweep: true`)."""
    if name == "expect":
        return isinstance(value, list)
    if name == "sweep":
        return isinstance(value, dict) or (isinstance(value, list) and all(isinstance(v, dict) for v in value))
    return True


def options_from_mapping(cls, mapping: dict, *, where: str = "", marks: dict | None = None) -> dict:
    """Check a YAML mapping's keys and value types against an options dataclass; return the values by field name.
    An experiment file's own keys (name, expect: [...], sweep: {...}, …) are skipped: they are the runner's."""
    import typing

    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        field = str(key).replace("-", "_")
        if field in EXPERIMENT_KEYS and (field not in names or is_runner_key(field, value)):
            continue
        line, col = (marks or {}).get(key, (0, 0))
        pos = f"{where}:{line}:{col}: " if line else (f"{where}: " if where else "")
        if field not in names:
            raise ConfigError(f"{pos}unknown key '{key}'{suggest(field, names)}")
        if (why := type_problem(key, value, hints.get(field))) is not None:
            raise ConfigError(pos + why)
        values[field] = value
    return values


def build_options(cls, config: Path | None, given: dict, command: str | None = None):
    """One options dataclass from three sources in order: its defaults, a YAML file, then the flags given."""
    values: dict[str, Any] = {}
    if config is not None:
        from gdcli.commands.yamlio import load_yaml

        data = load_yaml(config)
        if not isinstance(data, dict):
            raise ConfigError(f"{config}: expected a mapping of option names to values")
        if command and data.get("command", command) != command:
            raise ConfigError(f"{config}: this file is for '{data['command']}', not '{command}'")
        values.update(options_from_mapping(cls, data, where=str(config), marks=getattr(data, "marks", None)))
    names = {f.name for f in dataclasses.fields(cls)}
    values.update({k: v for k, v in given.items() if k in names and v is not None})
    missing = [f.name for f in dataclasses.fields(cls)
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in values]
    if missing:
        names = [("the expression" if m == "expression" else "--" + m.replace("_", "-")) for m in missing]
        raise UsageError(f"missing {' and '.join(names)} (give it on the command line or in --config FILE.yaml)")
    return cls(**values)


def check_picture(path, option: str = "--plot", animation: bool = False) -> None:
    """A picture option's file name, checked before any work (its extension picks the format); None: no picture."""
    if path is not None:
        from gdcli.render.output import picture_path

        picture_path(path, option, animation)


def picture_options(plot, levels, n: int, most: int = 2) -> list[float] | None:
    """Check --plot and --levels before any work: the file's extension, 1 to `most` variables, the levels."""
    if plot is None:
        if levels is not None:
            raise UsageError("--levels picks the contour levels of a --plot; give --plot FILE too")
        return None
    check_picture(plot)
    if not 1 <= n <= most:
        what = "one or two variables" if most == 2 else "one to three variables (three: the level surface)"
        raise UsageError(f"--plot draws functions of {what}; this one has {n}")
    if levels is None:
        return None
    if n == 1:
        raise UsageError("--levels picks contour levels (or level surfaces), which a function of one variable "
                         "does not have")
    from gdcli.expr import parse_vector

    values = [float(v) for v in parse_vector(levels, None, "--levels")]
    if not values or not all(math.isfinite(v) for v in values):
        raise UsageError(f"--levels must be finite numbers such as 1,2,5; got {levels!r}")
    return sorted(set(values))


def draw(fig, path) -> Path:
    """Save a figure to the picture file and close it."""
    from gdcli.render.output import pyplot, save_figure

    try:
        return save_figure(fig, path)
    finally:
        pyplot().close(fig)


def document(result) -> dict:
    """A result dataclass as its JSON document (the `--json` output and the YAML runner's result.json)."""
    from gdcli.render.output import jsonable

    return jsonable(result)
