"""Strict YAML: safe tags only, duplicate keys, bounded aliases, YAML 1.2 numbers and booleans."""

import pytest

from gdcli.errors import ConfigError
from gdcli.commands.yamlio import MAX_ALIASES, loads_yaml


def test_yaml12_numbers_and_booleans():
    doc = loads_yaml("a: 1e-3\nb: no\nc: on\nd: true\ne: 2.5E+2\nf: 1_000\ng: .5\n")
    assert doc == {"a": 0.001, "b": "no", "c": "on", "d": True, "e": 250.0, "f": 1000, "g": 0.5}


def test_python_tag_refused_with_position(tmp_path):
    canary = tmp_path / "CANARY"
    with pytest.raises(ConfigError) as err:
        loads_yaml(f'x: 1\ny: !!python/object/apply:os.system ["touch {canary}"]\n', "f.yaml")
    assert err.value.message.startswith("f.yaml:2:4: the tag !!python/object/apply:os.system is not allowed")
    assert not canary.exists()


def test_duplicate_key_names_both_lines():
    with pytest.raises(ConfigError, match=r"f.yaml:3:1: duplicate key 'a' \(first at line 1, again at line 3\)"):
        loads_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")


def test_alias_expansion_is_bounded():
    lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i-1}, *a{i-1}]" for i in range(1, MAX_ALIASES)]
    with pytest.raises(ConfigError, match="too many aliases"):
        loads_yaml("\n".join(lines) + "\n")


def test_syntax_error_has_line_and_column():
    with pytest.raises(ConfigError, match=r"f.yaml:2:\d+: "):
        loads_yaml("a: [1, 2\nb: 3\n", "f.yaml")
