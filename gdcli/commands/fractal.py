"""`gdcli fractal`: the SGD fractal of §2.7.7 as a density image, its exact minimum and the lines that bound it."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from gdcli.commands import common
from gdcli.errors import DataError, UsageError


@dataclass
class FractalOptions:
    data: Any = None
    lr: Any = None  # one or more learning rates; default 0.65 (Fig. 2.12)
    points: Any = 400_000
    burn_in: Any = None
    batch_size: int = 1
    seed: int = 0
    resolution: int = 1000
    window: Any = None
    out: Any = "fractal.png"
    colormap: str = "Blues"
    start: Any = None  # W1,W2: draw one SGD trajectory from here over the density (Fig 2.16)
    log_density: bool = True
    workers: Any = None  # processes to split the chains over; default: every core this process may use
    kernel: str = "auto"  # the chaos-game loop: numpy, numba (the `fast` extra) or auto (numba for long runs)
    json: bool = False


OPTIONS = FractalOptions  # the options dataclass the YAML runner builds for this command
RESULT = "gdcli.engine.chaos.panels:FractalResult"  # its document's shape: `expect:` paths are checked against it up front
OUTPUTS = ("out",)  # options that name files: in a YAML experiment, file names inside results/<name>/
DEFAULT_LR = 0.65
MAX_RESOLUTION = 8000
KERNELS = ("auto", "numpy", "numba")


def read_samples(path) -> tuple[list, list]:
    """Rows x1, x2, y separated by commas or blanks; '#' comments and one header line are allowed."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    X, y = [], []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f for f in re.split(r"[,\s;]+", line) if f]
        try:
            values = [float(f) for f in fields]
        except ValueError:
            if not X and not y:
                continue  # a header line
            raise DataError(f"{path}:{n}: expected numbers x1, x2, y; got '{line}'") from None
        if len(values) != 3:
            raise DataError(f"{path}:{n}: expected 3 columns (x1, x2, y); got {len(values)}")
        if not all(math.isfinite(v) for v in values):
            raise DataError(f"{path}:{n}: values must be finite")
        X.append(fields[:2])
        y.append(fields[2])
    if not X:
        raise DataError(f"{path}: no data rows (expected rows x1, x2, y)")
    return X, y


def _count(value, name: str, minimum: int) -> int:
    """An integer option that may be written 4e5 or 1_000_000."""
    try:
        f = float(str(value).replace("_", ""))
    except ValueError:
        raise UsageError(f"--{name} must be a whole number like 400000 or 4e5; got '{value}'") from None
    if not (math.isfinite(f) and f == int(f) and f >= minimum):
        raise UsageError(f"--{name} must be a whole number >= {minimum}; got '{value}'")
    return int(f)


def _lrs(value) -> list[float]:
    if value is None:
        return [DEFAULT_LR]
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        try:
            lr = float(v)
        except (TypeError, ValueError):
            raise UsageError(f"--lr must be a number; got '{v}'") from None
        if not (lr > 0 and math.isfinite(lr)):
            raise UsageError(f"--lr must be a positive number; got '{v}'")
        out.append(lr)
    if not out:
        raise UsageError("--lr needs at least one learning rate")
    return out


def validate(opts: FractalOptions):
    """Every option checked before any work (compute does the same; `gdcli run` before anything runs)."""
    from gdcli.engine.chaos.game import parse_window

    lrs = _lrs(opts.lr)
    points = _count(opts.points, "points", 1)
    burn_in = None if opts.burn_in is None else _count(opts.burn_in, "burn-in", 0)
    batch_size = _count(opts.batch_size, "batch-size", 1)
    resolution = _count(opts.resolution, "resolution", 8)
    if resolution > MAX_RESOLUTION:
        raise UsageError(f"--resolution must be at most {MAX_RESOLUTION} (the image is resolution² pixels); got {resolution}")
    seed = _count(opts.seed, "seed", 0)
    from gdcli.engine.chaos.parallel import cores

    workers = cores() if opts.workers is None else _count(opts.workers, "workers", 1)
    try:
        window = None if opts.window is None else parse_window(opts.window)
    except ValueError as exc:
        raise UsageError(f"--window: {exc}; e.g. --window 1.5:2.5,0.5:1.5") from None
    out = Path(opts.out) if opts.out else None
    common.check_picture(out, "--out")
    _check_colormap(opts.colormap)
    _check_kernel(opts.kernel)
    start = None
    if opts.start is not None:
        from gdcli.expr import parse_vector

        start = parse_vector(opts.start, 2, "--start")
    return lrs, points, burn_in, batch_size, resolution, seed, window, out, start, workers


def compute(opts: FractalOptions):
    from gdcli.engine.chaos.panels import fractal
    from gdcli.engine.chaos.problem import SEED_X, SEED_Y, problem
    from gdcli.render.progress import progress

    lrs, points, burn_in, batch_size, resolution, seed, window, out, start, workers = validate(opts)
    X, y = read_samples(opts.data) if opts.data is not None else (SEED_X, SEED_Y)
    prob = problem(X, y)

    with progress("fractal", total=points * len(lrs)) as bar:
        done = [0] * len(lrs)

        def on_progress(k, n):
            bar.update(advance=n - done[k])
            done[k] = n

        result = fractal(prob, lrs, points, burn_in=burn_in, batch_size=batch_size, seed=seed,
                         resolution=resolution, window=window, on_progress=on_progress, start=start, workers=workers,
                         kernel=opts.kernel)
    if out is not None:
        from gdcli.render.fractal import write_image

        write_image(result, out, opts.colormap, opts.log_density)
        result = dataclasses.replace(result, image=str(out))
    return result


def _check_colormap(name) -> None:
    from gdcli.render.output import pyplot

    plt = pyplot()
    if name not in plt.colormaps():
        raise UsageError(f"--colormap: unknown colormap '{name}'{common.suggest(str(name), plt.colormaps())}")


def _check_kernel(name) -> None:
    from gdcli.engine.chaos.game import kernel_for

    if name not in KERNELS:
        raise UsageError(f"--kernel must be one of {', '.join(KERNELS)}; got '{name}'{common.suggest(str(name), KERNELS)}")
    try:
        kernel_for(name, 0)
    except ImportError as exc:
        raise UsageError(f"--kernel numba: {exc}") from None


def artifacts(result, opts: FractalOptions, out_dir) -> list[Path]:
    """The density image into out_dir (for the YAML batch runner)."""
    from gdcli.render.fractal import write_image

    if result.image and Path(result.image).parent == Path(out_dir):  # compute wrote it there already
        return [Path(result.image)]
    name = Path(opts.out).name if opts.out else "fractal.png"
    return [write_image(result, Path(out_dir) / name, opts.colormap, opts.log_density)]


document = common.document  # the result dataclass as JSON
