"""The expression language: safe parser, symbolic form, and compiled NumPy/torch evaluators."""

from gdcli.expr.expression import (
    Expression,
    compile_expression,
    constant_value,
    format_sym,
    natural_key,
    parse_point,
    parse_vector,
    split_top_level,
)
from gdcli.expr.parser import parse

__all__ = [
    "Expression", "compile_expression", "constant_value", "format_sym", "natural_key", "parse",
    "parse_point", "parse_vector", "split_top_level",
]
