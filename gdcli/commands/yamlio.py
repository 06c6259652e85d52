"""Strict, safe YAML loading: no Python tags, no duplicate keys, bounded size, depth and expansion (aliases),
UTF-8 only, and the YAML 1.2 core schema's numbers and booleans (`010` is ten, `1:30` and `2001-12-14` are text)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import yaml

from gdcli.errors import ConfigError

MAX_ALIASES = 100  # aliases a file may use
MAX_NODES = 100_000  # values after aliases are expanded: a "billion laughs" file needs far more, at once refused
MAX_DEPTH = 100  # nested mappings and lists
MAX_BYTES = 1_000_000  # an experiment or config file is a few hundred bytes
MAX_DIGITS = 100  # an integer longer than this is a mistake (and slow to convert)

_INT_RE = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$")  # 1_000 kept: unambiguous

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


class MarkedList(list):
    """A list that remembers where each item was written: `marks[index] = (line, column)`, 1-based."""

    marks: dict


def _where(mark) -> str:
    return f"{mark.name}:{mark.line + 1}:{mark.column + 1}"


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2's idea of floats (`1e-3`) and booleans (only true/false)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise ConfigError(f"{_where(self.peek_event().start_mark)}: too many aliases (more than {MAX_ALIASES})")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ConfigError(f"{_where(self.peek_event().start_mark)}: nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self):
        node = super().compose_document()
        sizes: dict[int, int] = {}

        def size(n) -> int:  # values after alias expansion; each node is counted once per use, computed once
            if sizes.get(id(n)) == -1:
                raise ConfigError(f"{_where(n.start_mark)}: an alias refers to the value that contains it")
            if id(n) not in sizes:
                sizes[id(n)] = -1  # being counted: meeting it again below means a cycle
                if isinstance(n, yaml.MappingNode):
                    sizes[id(n)] = 1 + sum(size(k) + size(v) for k, v in n.value)
                elif isinstance(n, yaml.SequenceNode):
                    sizes[id(n)] = 1 + sum(size(v) for v in n.value)
                else:
                    sizes[id(n)] = 1
            return sizes[id(n)]

        if node is not None and (total := size(node)) > MAX_NODES:
            raise ConfigError(f"{_where(node.start_mark)}: the aliases expand to {total:,} values, more than "
                              f"{MAX_NODES:,}: write the data out or use fewer nested aliases")
        return node

    def construct_sequence(self, node, deep=False):
        result = MarkedList(self.construct_object(child, deep=deep) for child in node.value)
        result.marks = {i: (c.start_mark.line + 1, c.start_mark.column + 1) for i, c in enumerate(node.value)}
        return result

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
_DROPPED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp")
StrictLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_RE, list("-+0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))
StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:seq", StrictLoader.construct_sequence)


def _construct_float(loader, node):
    value = loader.construct_scalar(node).replace("_", "")
    return float(value.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf").replace(".nan", "nan").replace(".NaN", "nan").replace(".NAN", "nan"))


StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if not _INT_RE.match(text):  # an explicit !!int on something else
        raise ConfigError(f"{_where(node.start_mark)}: {text[:40]!r} is not a YAML 1.2 integer")
    text = text.replace("_", "")
    digits = text.lstrip("+-")
    if len(digits) > MAX_DIGITS:
        raise ConfigError(f"{_where(node.start_mark)}: an integer of {len(digits):,} digits is too long "
                          f"(at most {MAX_DIGITS}); write it as a float such as 1e300 if you mean a huge number")
    if digits.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)


StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml(path: str | Path):
    """Load one YAML document strictly; every error is a ConfigError with file:line:column."""
    return loads_yaml(read_text(path), str(path))


def read_text(path: str | Path) -> str:
    """A small regular UTF-8 file's text: a folder, a FIFO, a device, a symlink loop or a huge file is refused
    before anything is read (a FIFO would block, a device would never end)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a folder, not a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: not a regular file (a FIFO, socket or device); give a YAML file")
    if info.st_size > MAX_BYTES:
        raise ConfigError(f"{path}: {info.st_size:,} bytes is too large for a YAML file (at most {MAX_BYTES:,})")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path}: too large for a YAML file (at most {MAX_BYTES:,} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        guess = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ConfigError(f"{path}:{line}:{col}: not UTF-8 text: byte 0x{data[exc.start]:02x}{guess}; "
                          "save the file as UTF-8") from None


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
