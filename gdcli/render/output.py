"""Consoles, JSON documents, number formatting and atomic writes shared by every command."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np


def console(stderr: bool = False):
    """A Rich console; Rich itself honours NO_COLOR and drops colour when not on a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped or captured output has no width of its own; 80 columns would fold most tables, so use 120.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 120
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def jsonable(obj):
    """Numbers, arrays, dataclasses and SymPy objects to plain JSON values; NaN and inf become null."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if not f.name.startswith("_")}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def emit_json(doc) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(jsonable(doc), indent=2) + "\n")
    sys.stdout.flush()


def fmt(x, digits: int = 6) -> str:
    """A number for a table: up to `digits` significant figures, no trailing noise."""
    if x is None:
        return "—"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if abs(x) >= 1e6 or abs(x) < 1e-4:
        return f"{x:.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e+")
    text = f"{x:.{digits}g}"
    return text


def num(x, digits: int = 6) -> str:
    """A table number; a non-finite one says so in words, never `nan`."""
    if x is None or not math.isfinite(float(x)):
        return "non-finite"
    return fmt(x, digits)


def elided(n: int, head: int, tail: int) -> list[int | None]:
    """Indices of the rows to print out of n: the first `head`, None for the `…` row, the last `tail`."""
    if n <= head + tail + 1:
        return list(range(n))
    return list(range(head)) + [None] + list(range(n - tail, n))


def fmt_vec(v, digits: int = 6) -> str:
    return "(" + ", ".join(fmt(x, digits) for x in np.atleast_1d(v)) + ")"


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write a file through a temporary file in the same folder and a rename, so readers never see half."""
    from gdcli.errors import OutputError

    import stat

    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # /dev/stdout, a FIFO: write, never replace
            with open(path, "wb" if isinstance(data, bytes) else "w") as fh:
                fh.write(data)
            return path
        _write_atomic(path, data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _write_atomic(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions open() would
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG atomically."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return write_atomic(path, buf.getvalue())


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported only when a plot is asked for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
