"""Consoles, JSON documents, number formatting and atomic writes shared by every command."""

from __future__ import annotations

import contextlib
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
    t = type(obj)
    if t is float:  # the common leaves first: a sweep's JSON holds hundreds of thousands of them
        return obj if math.isfinite(obj) else None
    if t is str or t is int or obj is None:
        return obj
    if t is list and all(type(v) is float and math.isfinite(v) for v in obj):
        return obj
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


PRETTY_LIMIT = 1_000_000  # characters; Python's indenting encoder is ~10x slower than the compact C one


def emit_json(doc) -> None:
    """Exactly one JSON document on stdout: indented, or on one line when it is over PRETTY_LIMIT characters
    (a sweep of a thousand runs), where indenting would cost seconds."""
    doc = jsonable(doc)
    text = json.dumps(doc)
    sys.stdout.write((json.dumps(doc, indent=2) if len(text) <= PRETTY_LIMIT else text) + "\n")
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


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w"):
    """A file written through a temporary file in the same folder and renamed into place when the block ends,
    or removed when it raises. A path that is a device or a FIFO (/dev/stdout) is written, never replaced.
    Every failure of the file system is one OutputError: `cannot write PATH: reason` (exit 2)."""
    import stat

    from gdcli.errors import OutputError

    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    tmp = None
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            with open(path, mode) as fh:
                yield fh
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, mode) as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions open() would
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write a file through a temporary file in the same folder and a rename, so readers never see half."""
    with atomic_open(path, "wb" if isinstance(data, bytes) else "w") as fh:
        fh.write(data)
    return Path(path)


# The file's extension picks the format: matplotlib writes these without extra libraries.
STILL_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
ANIMATION_FORMATS = {".gif": "gif"}  # written with matplotlib's Pillow writer


def picture_path(path, option: str = "--plot", animation: bool = False) -> Path:
    """Check a picture's file name before any work is done: its extension must name a format we write."""
    from gdcli.errors import UsageError

    path = Path(path)
    formats = ANIMATION_FORMATS if animation else STILL_FORMATS
    suffix = path.suffix.lower()
    if suffix not in formats:
        hint = " (a .gif is an animation: descend --animate F.gif)" if suffix in ANIMATION_FORMATS else ""
        raise UsageError(f"{option} must name a {', '.join(formats)} file, the extension picks the format; "
                         f"got '{path}'{hint}")
    return path


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure atomically, as PNG, SVG or PDF by the file's extension."""
    import io

    path = picture_path(path)
    kind = STILL_FORMATS[path.suffix.lower()]
    # No timestamps in SVG/PDF, so the same picture gives the same bytes.
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[kind]
    buf = io.BytesIO()
    fig.savefig(buf, format=kind, dpi=120, bbox_inches="tight", metadata=metadata)
    return write_atomic(path, buf.getvalue())


def save_animation(animation, path: str | Path, fps: int, tick=None) -> Path:
    """Save a matplotlib animation as a GIF (Pillow writer) atomically."""
    from matplotlib.animation import PillowWriter

    path = picture_path(path, "--animate", animation=True)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / path.name
        animation.save(scratch, writer=PillowWriter(fps=fps), dpi=80, progress_callback=tick)
        return write_atomic(path, scratch.read_bytes())


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported only when a plot is asked for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
