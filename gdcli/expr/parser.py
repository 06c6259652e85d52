"""The safe parser: Python's `ast` checked against an allowlist, building the SymPy tree itself (SPEC §2)."""

from __future__ import annotations

import ast
import math
import re

import sympy as sp

from gdcli.errors import ExpressionError
from gdcli.expr.compile import fold_constant
from gdcli.expr.functions import CONSTANTS, FUNCTIONS

MAX_LENGTH = 10_000  # characters of expression text
MAX_DEPTH = 100  # nesting of the syntax tree
MAX_NODES = 5_000  # nodes of the syntax tree
MAX_DIGITS = 300  # digits of any exact constant, literal or computed (so 9**9**9 is refused at once)
MAX_EXPONENT = 10_000  # |p| in x**p for a numeric p

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_LONG_NUMBER = re.compile(r"\d{%d,}" % (MAX_DIGITS + 1))

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CHAINS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
PAIRWISE_FROM = 4  # max/min of this many arguments or more: a balanced tree of pairs (see _extreme)

# What a user most likely meant by a construct we refuse, for the message.
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-strings",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "conditional expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def _allowed_functions() -> str:
    return ", ".join(sorted(FUNCTIONS))


class _Builder:
    """Walks a checked `ast` tree and builds the SymPy tree; every refusal carries its position."""

    def __init__(self, source: str, index: list[int]):
        self.source = source  # the user's text, for error carets
        self.index = index  # offset in the parsed text -> offset in the user's text
        self.nodes = 0
        self.symbols: dict[str, sp.Symbol] = {}

    def fail(self, message: str, node: ast.AST | None = None) -> ExpressionError:
        span = None
        if node is not None and hasattr(node, "col_offset"):
            start = self.index[min(node.col_offset, len(self.index) - 1)]
            end_col = getattr(node, "end_col_offset", None) or node.col_offset + 1
            end = self.index[min(end_col, len(self.index) - 1)]
            span = (start, max(end, start + 1))
        return ExpressionError(message, source=self.source, span=span)

    def build(self, node: ast.AST, depth: int = 0) -> sp.Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"expression too large (more than {MAX_NODES} nodes)")
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nested too deeply (more than {MAX_DEPTH} levels)", node)
        result = self._build(node, depth + 1)
        self._check_constant(result, node)
        return result

    def _check_constant(self, value: sp.Expr, node: ast.AST) -> None:
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise self.fail("the expression is undefined here (division by zero or an infinite constant)", node)
        if value.is_number and (value.is_real is False or value.has(sp.I)):
            raise self.fail("this constant is not a real number", node)
        if value.is_number and not value.is_Rational:
            # Bound constants by what a float holds, so SymPy never works in arbitrary precision on exp(exp(99)).
            approx = fold_constant(value)
            if math.isnan(approx):
                raise self.fail("this constant is not a real number", node)
            if math.isinf(approx):
                raise self.fail("constant too large (it overflows a float)", node)
        if isinstance(value, sp.Rational):
            digits = max(len(str(abs(value.p))), len(str(value.q)))
            if digits > MAX_DIGITS:
                raise self.fail(f"constant too large (more than {MAX_DIGITS} digits)", node)

    def _build(self, node: ast.AST, depth: int) -> sp.Expr:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "strings" if isinstance(value, (str, bytes)) else f"the constant {value!r}"
                raise self.fail(f"{kind} are not allowed in expressions", node)
            if isinstance(value, float):
                if not math.isfinite(value):
                    raise self.fail("number out of range", node)
                return sp.Float(repr(value))
            return sp.Integer(value)
        if isinstance(node, ast.Name):
            name = node.id
            if name in CONSTANTS:
                return CONSTANTS[name]
            if name in FUNCTIONS:
                raise self.fail(f"'{name}' is a function: call it as {name}(...)", node)
            if not NAME_RE.match(name):
                raise self.fail(f"'{name}' is not an allowed name (use letters, digits and _, starting with a letter)", node)
            if name not in self.symbols:
                self.symbols[name] = sp.Symbol(name, real=True)
            return self.symbols[name]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.build(node.operand, depth)
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand, depth)
            raise self.fail("only unary + and - are allowed", node)
        if isinstance(node, ast.BinOp) and type(node.op) in _CHAINS:
            return self._chain(node, depth)
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op not in _BINOPS:
                raise self.fail("only + - * / ** (or ^) are allowed between terms", node)
            left = self.build(node.left, depth)
            right = self.build(node.right, depth)
            if op is ast.Add:
                return left + right
            if op is ast.Sub:
                return left - right
            if op is ast.Mult:
                return left * right
            if op is ast.Div:
                if right == 0:
                    raise self.fail("division by zero", node)
                return left / right
            return self._power(left, right, node)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        what = _REFUSED.get(type(node), type(node).__name__)
        raise self.fail(f"{what} not allowed in expressions", node)

    def _chain(self, node: ast.BinOp, depth: int) -> sp.Expr:
        """a + b - c + … (or a * b / c …) as one n-ary node: linear time, and a long flat sum is not "deep".

        Python parses `a + b + c` as ((a + b) + c); walking down the left spine without counting depth, and
        building one sp.Add (or sp.Mul) of all the operands, keeps both the depth check and SymPy's work linear.
        """
        additive = type(node.op) in (ast.Add, ast.Sub)
        ops = (ast.Add, ast.Sub) if additive else (ast.Mult, ast.Div)
        operands = []  # (operator, right operand), from the right end of the chain leftwards
        while isinstance(node, ast.BinOp) and type(node.op) in ops:
            operands.append((node, node.right))
            node = node.left
        self.nodes += len(operands) - 1  # every operator node of the chain; build() counted its root
        terms = [self.build(node, depth)]
        for parent, right in reversed(operands):
            term = self.build(right, depth)
            if isinstance(parent.op, ast.Sub):
                term = -term
            elif isinstance(parent.op, ast.Div):
                if term == 0:
                    raise self.fail("division by zero", parent)
                term = 1 / term
            terms.append(term)
        if self.nodes > MAX_NODES:
            raise self.fail(f"expression too large (more than {MAX_NODES} nodes)")
        return sp.Add(*terms) if additive else sp.Mul(*terms)

    def _power(self, base: sp.Expr, exponent: sp.Expr, node: ast.AST) -> sp.Expr:
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise self.fail(f"exponent too large (|p| > {MAX_EXPONENT})", node)
        if base.is_Rational and exponent.is_Number and base not in (0, 1, -1):
            # Estimate the size of the result before SymPy computes it exactly.
            size = max(abs(float(base.p)), float(base.q))
            digits = abs(float(exponent)) * math.log10(size)
            if digits > MAX_DIGITS:
                raise self.fail(f"constant power too large (about {digits:.3g} digits)", node)
        if base == 0 and exponent.is_Number and exponent < 0:
            raise self.fail("division by zero", node)
        return sp.Pow(base, exponent)

    def _call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(f"only calls of the functions {_allowed_functions()} are allowed", node.func)
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function '{name}'; allowed: {_allowed_functions()}", node.func)
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node.keywords[0].value)
        lo, hi, builder = FUNCTIONS[name]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} or {hi}")
            raise self.fail(f"{name}() takes {want} argument{'s' if want != '1' else ''}, got {n}", node)
        args = [self.build(a, depth) for a in node.args]
        if name == "log" and n == 2 and (args[1] == 1 or args[1] == 0):
            raise self.fail("log base must not be 0 or 1", node.args[1])
        if name in ("max", "min") and n >= PAIRWISE_FROM:
            return _extreme(sp.Max if name == "max" else sp.Min, args)
        return builder(*args)


def _extreme(F, args: list[sp.Expr]) -> sp.Expr:
    """max/min of many arguments as a balanced tree of unevaluated pairs.

    SymPy's n-ary Max compares every pair of arguments when it is built, and its derivative with respect to one
    argument is Heaviside(a_i - Max(all the others)): quadratic, and slow enough to hang at 20 arguments. Pairs
    nested log2(n) deep give the same function with derivatives of size O(log n) each.
    """
    numbers = [a for a in args if a.is_number]
    rest = [a for a in args if not a.is_number]
    if len(numbers) > 1:  # fold the constants into one: max(0, 1, x) is max(1, x)
        rest.append(F(*numbers))
    elif numbers:
        rest.append(numbers[0])
    while len(rest) > 1:
        paired = [F(rest[i], rest[i + 1], evaluate=False) for i in range(0, len(rest) - 1, 2)]
        rest = paired + ([rest[-1]] if len(rest) % 2 else [])
    return rest[0]


def _prepare(text: str) -> tuple[str, list[int]]:
    """Rewrite `^` as `**` and strip; return the parsed text and its offset map to the user's text."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch == "^":
            out.append("**")
            index.extend([i, i])
        else:
            out.append(ch)
            index.append(i)
    index.append(len(text))
    return "".join(out), index


def parse(text: str) -> tuple[sp.Expr, dict[str, sp.Symbol]]:
    """Parse expression text into a SymPy expression and its symbols by name.

    Raises ExpressionError (exit 2) for anything outside the language, before evaluating anything.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected expression text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(text):,} characters; the limit is {MAX_LENGTH:,})")
    if not text.strip():
        raise ExpressionError("empty expression")
    for i, ch in enumerate(text):
        if not (32 <= ord(ch) < 127):
            raise ExpressionError(f"character {ch!r} is not allowed (expressions are plain ASCII)", source=text, span=(i, i + 1))
    m = _LONG_NUMBER.search(text)
    if m:
        raise ExpressionError(f"number too long (more than {MAX_DIGITS} digits)", source=text, span=(m.start(), m.end()))
    prepared, index = _prepare(text)
    lead = len(prepared) - len(prepared.lstrip())
    try:
        tree = ast.parse(prepared.strip(), mode="eval")
    except SyntaxError as exc:
        stripped = prepared.strip()
        offset = (exc.offset - 1 if exc.offset else len(stripped)) + lead  # offset 0: the text ended too soon
        offset = index[min(max(offset, 0), len(index) - 1)]
        msg = exc.msg.replace("invalid syntax. Perhaps you forgot a comma?", "invalid syntax")
        raise ExpressionError(f"syntax error: {msg}", source=text, span=(offset, offset + 1)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression nested too deeply or too large to parse") from None
    shifted = [index[min(i + lead, len(index) - 1)] for i in range(len(index))]
    builder = _Builder(text, shifted)
    try:
        expr = builder.build(tree.body)
    except RecursionError:
        raise ExpressionError(f"expression nested too deeply (more than {MAX_DEPTH} levels)") from None
    if expr.has(sp.I):  # sqrt(-exp(x)) is I*exp(x/2): a real value nowhere, so no real domain at all
        raise ExpressionError(f"the expression is not real anywhere (SymPy reads it as {sp.sstr(expr)}): "
                              "its domain is empty", source=text, span=(0, len(text)))
    return expr, builder.symbols
