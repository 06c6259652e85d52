"""Strict, safe YAML loading: no Python tags, no duplicate keys, bounded aliases, YAML 1.2 numbers and booleans."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gdcli.errors import ConfigError

MAX_ALIASES = 100  # aliases a file may use; a "billion laughs" file needs far more

_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class MarkedDict(dict):
    """A mapping that remembers where each key was written: `marks[key] = (line, column)`, 1-based."""

    marks: dict


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2's idea of floats (`1e-3`) and booleans (only true/false)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise ConfigError(f"{mark.name}:{mark.line + 1}:{mark.column + 1}: too many aliases (more than {MAX_ALIASES})")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        result = MarkedDict()
        result.marks = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                m = key_node.start_mark
                raise ConfigError(f"{m.name}:{m.line + 1}:{m.column + 1}: a key must be a plain name")
            if key in result:
                first = result.marks[key]
                m = key_node.start_mark
                raise ConfigError(f"{m.name}:{m.line + 1}:{m.column + 1}: duplicate key '{key}' (first at line {first[0]}, again at line {m.line + 1})")
            result[key] = self.construct_object(value_node, deep=deep)
            result.marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result


# YAML 1.2 resolvers: drop 1.1's yes/no/on/off booleans and accept floats without a dot.
StrictLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))
StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_mapping)


def _construct_float(loader, node):
    value = loader.construct_scalar(node).replace("_", "")
    return float(value.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf").replace(".nan", "nan").replace(".NaN", "nan").replace(".NAN", "nan"))


StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(path: str | Path):
    """Load one YAML document strictly; every error is a ConfigError with file:line:column."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    return loads_yaml(text, str(path))


def loads_yaml(text: str, name: str = "<string>"):
    loader = StrictLoader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(problem):
            m = re.search(r"'([^']+)'", problem)
            tag = m.group(1).replace("tag:yaml.org,2002:", "!!") if m else "?"
            problem = f"the tag {tag} is not allowed: only plain YAML data is accepted"
        raise ConfigError(f"{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    finally:
        loader.dispose()
