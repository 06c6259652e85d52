"""The GdcliError hierarchy; each error knows its exit code (SPEC §4)."""

from __future__ import annotations


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))}


def safe_text(text) -> str:
    """Text from a user's file, fit for a terminal: control characters and escape sequences shown, not obeyed."""
    return str(text).translate(_CONTROL)


class GdcliError(Exception):
    """Base of every error gdcli reports to a user; never shown with a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, span: tuple[int, int] | None = None):
        super().__init__(message)
        self.message = message
        self.source = source  # the text the error points into (an expression), if any
        self.span = span  # [start, end) character offsets into `source` for the caret line

    def render(self) -> str:
        """One line, plus the source and a caret line under the problem when we know where it is."""
        lines = [f"error: {safe_text(self.message)}"]
        if self.source is not None and self.span is not None:
            start, end = self.span
            start = max(0, min(start, len(self.source)))
            end = max(start + 1, min(end, len(self.source) + 1))
            lines.append(f"  {safe_text(self.source)}")
            lines.append("  " + " " * start + "^" * (end - start))
        return "\n".join(lines)


class UsageError(GdcliError):
    """Bad options or arguments: exit 2."""


class ExpressionError(GdcliError):
    """An expression that cannot be parsed or is not allowed: exit 2."""


class DataError(GdcliError):
    """A data file that is missing or malformed: exit 2."""


class ConfigError(GdcliError):
    """A YAML experiment or config file that is invalid: exit 2."""


class OutputError(GdcliError):
    """A file or folder that cannot be written (a folder in the way, read-only, disk full): exit 2."""


class CheckFailed(GdcliError):
    """A check did not hold (gradcheck mismatch, --expect, expect: blocks): exit 1."""

    exit_code = 1


class Interrupted(GdcliError):
    """Ctrl-C: partial results were kept: exit 130."""

    exit_code = 130
