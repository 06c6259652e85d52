"""The shape of a command's result document, so that an `expect:` path naming nothing is caught up front.

A command module declares `RESULT`: the dotted name of its result dataclass ("pkg.module:Class", imported
only here), or a literal shape. A shape is a dataclass, a dict of key -> shape, a one-item list [shape] for a
list of them, or None for "anything below this point" (free-form data, arrays, numbers).
"""

from __future__ import annotations

import dataclasses
import importlib
import typing

from gdcli.commands.common import suggest


def resolve(shape):
    """A declared RESULT as a shape: "pkg.module:Class" is imported."""
    if isinstance(shape, str):
        module, _, name = shape.partition(":")
        return getattr(importlib.import_module(module), name)
    return shape


def _from_hint(hint):
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return hint
    if origin in (list, tuple) and args and dataclasses.is_dataclass(args[0]):
        return [args[0]]
    if origin is typing.Union and len(args) == 1:
        return _from_hint(args[0])
    return None


def _children(shape):
    """(mapping of key -> child shape) or None when the keys are not known."""
    if dataclasses.is_dataclass(shape):
        try:
            hints = typing.get_type_hints(shape)
        except Exception:  # a forward reference we cannot resolve: accept any key
            return None
        return {f.name: _from_hint(hints.get(f.name)) for f in dataclasses.fields(shape) if not f.name.startswith("_")}
    if isinstance(shape, dict):
        return shape
    return None


def path_text(tokens) -> str:
    """('runs', '0', 'status') as runs[0].status."""
    return "".join(f"[{t}]" if t.lstrip("-").isdigit() else ("." if i else "") + t for i, t in enumerate(tokens))


def unknown_path(shape, path: tuple[str, ...]) -> str | None:
    """Why `path` names nothing in a document of this shape, with a suggestion; None if it may exist."""
    done: list[str] = []
    for token in path:
        if shape is None:
            return None
        if isinstance(shape, list):
            if not token.lstrip("-").isdigit():
                return f"{path_text(done) or 'the result'} is a list: index it like {path_text(done)}[0]"
            shape = shape[0]
        else:
            keys = _children(shape)
            if keys is None:
                return None
            if token not in keys:
                where = f" under {path_text(done)}" if done else ""
                return f"no field '{token}'{where}{suggest(token, keys) or '; fields: ' + ', '.join(sorted(keys)[:12])}"
            shape = keys[token]
        done.append(token)
    return None


def sweep_shape(shape) -> dict:
    """The document of a sweep: one entry per point with its options, status, error and result."""
    return {"sweep": [{"options": None, "status": None, "error": None, "result": shape}]}
