"""Tabular data for `fit`: CSV/.npy/.npz files checked cell by cell, and seeded synthetic data."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gdcli.errors import DataError, UsageError


@dataclass(frozen=True)
class Dataset:
    """Named numeric columns of equal length; `truth` is the noise-free target when the data was generated."""

    columns: tuple[str, ...]
    values: np.ndarray  # (M, len(columns)) float64
    source: str
    generator: str | None = None  # the true function, for generated data
    truth: np.ndarray | None = None  # (M,) the true function at the rows, before noise

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    @property
    def rows(self) -> int:
        return self.values.shape[0]


def _check_finite(values: np.ndarray, columns, source: str, first_row: int = 1, unit: str = "row") -> None:
    """Name the first NaN/inf cell; a CSV counts file lines (as its other errors do), arrays count rows."""
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        i, j = bad[0]
        raise DataError(f"{source}: {unit} {i + first_row}, column '{columns[j]}': {values[i, j]} is not a finite number")


def _read_csv(path: Path) -> Dataset:
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise DataError(f"{path}: empty file (expected a header row naming the columns)")
        header = [h.strip() for h in header]
        if any(not h for h in header) or len(set(header)) != len(header):
            raise DataError(f"{path}: the header row must name every column once; got {', '.join(header)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise DataError(f"{path}: line {line} has {len(row)} cells, the header has {len(header)} (ragged rows)")
            try:
                rows.append([float(c) for c in row])
            except ValueError:
                for j, cell in enumerate(row):
                    try:
                        float(cell)
                    except ValueError:
                        raise DataError(f"{path}: line {line}, column '{header[j]}': {cell.strip()!r} is not a number") from None
    if not rows:
        raise DataError(f"{path}: no data rows below the header")
    values = np.asarray(rows, dtype=float)
    _check_finite(values, header, f"{path}", first_row=2, unit="line")
    return Dataset(tuple(header), values, str(path))


def _read_numpy(path: Path) -> Dataset:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: not a readable NumPy file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        a = np.atleast_2d(loaded.T).T if loaded.ndim == 1 else loaded
        if a.ndim != 2:
            raise DataError(f"{path}: expected a 2-D array (rows × columns), got shape {loaded.shape}")
        names = tuple(f"x{j + 1}" for j in range(a.shape[1] - 1)) + ("y",)
        arrays = a
    else:
        with loaded:
            keys = list(loaded.keys())
            if "X" in keys:
                X = np.asarray(loaded["X"])
                X = X[:, None] if X.ndim == 1 else X
                cols = [X[:, j] for j in range(X.shape[1])]
                names = tuple(f"x{j + 1}" for j in range(X.shape[1]))
                if "y" in keys:
                    cols.append(np.asarray(loaded["y"]).ravel())
                    names += ("y",)
            else:
                cols = [np.asarray(loaded[k]) for k in keys]
                names = tuple(keys)
        if any(c.ndim != 1 for c in cols) or len({c.shape[0] for c in cols}) > 1:
            raise DataError(f"{path}: the arrays must be 1-D columns of one length (ragged rows)")
        arrays = np.column_stack(cols) if cols else np.zeros((0, 0))
    try:
        values = np.asarray(arrays, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{path}: the arrays are not numeric") from None
    if values.shape[0] == 0:
        raise DataError(f"{path}: no rows")
    _check_finite(values, names, str(path))
    return Dataset(names, values, str(path))


def inline_data(columns: dict) -> Dataset:
    """Columns given in a YAML experiment or config, `data: {x: [1, 2, 3], y: [3, 5, 7]}`: checked like a file."""
    names = tuple(str(k) for k in columns)
    cols = [v if isinstance(v, (list, tuple)) else [v] for v in columns.values()]
    if not names:
        raise DataError("data: no columns")
    if len({len(c) for c in cols}) > 1:
        raise DataError(f"data: the columns have different lengths ({', '.join(str(len(c)) for c in cols)}) (ragged rows)")
    if not cols[0]:
        raise DataError("data: no rows")
    values = np.empty((len(cols[0]), len(cols)))
    for j, col in enumerate(cols):
        for i, cell in enumerate(col):
            if isinstance(cell, bool) or not isinstance(cell, (int, float)):
                raise DataError(f"data: row {i + 1}, column '{names[j]}': {cell!r} is not a number")
            values[i, j] = cell
    _check_finite(values, names, "data")
    return Dataset(names, values, "inline data")


def load_data(path: str | Path | dict) -> Dataset:
    """Read a CSV with a header row, a 2-D `.npy` (columns x1.., y) or an `.npz` of named columns (or X, y);
    a mapping of column names to lists is data given inline (YAML)."""
    if isinstance(path, dict):
        return inline_data(path)
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix in (".npy", ".npz"):
        return _read_numpy(path)
    try:
        return _read_csv(path)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text CSV file") from None


def parse_distribution(text: str) -> tuple[str, float, float]:
    """`normal:mean,sd` or `uniform:a,b`."""
    from gdcli.expr import constant_value

    kind, _, args = str(text).partition(":")
    kind = kind.strip()
    if kind not in ("normal", "uniform"):
        raise UsageError(f"--x-dist: expected normal:MEAN,SD or uniform:A,B; got {text!r}")
    parts = [p for p in args.split(",") if p.strip()]
    if len(parts) != 2:
        raise UsageError(f"--x-dist {kind} needs two numbers, e.g. {kind}:0,10")
    a, b = (constant_value(p, "--x-dist") for p in parts)
    if kind == "normal" and b < 0 or kind == "uniform" and b <= a:
        raise UsageError(f"--x-dist: bad parameters {a}, {b} for {kind}")
    return kind, a, b


def parse_noise(noise) -> tuple[str, float, float]:
    """`--noise`: a number or `normal:SD` (Gaussian, mean 0), or `uniform:A,B`; returns (kind, a, b), b the SD."""
    from gdcli.expr import constant_value

    if isinstance(noise, (int, float)) and not isinstance(noise, bool):
        kind, a, b = "normal", 0.0, float(noise)
    else:
        text = str(noise).strip()
        kind, sep, args = text.partition(":")
        kind = kind.strip()
        if not sep:
            kind, args = "normal", text
        if kind not in ("normal", "uniform"):
            raise UsageError(f"--noise: expected SD, normal:SD or uniform:A,B; got {text!r}")
        parts = [p for p in args.split(",") if p.strip()]
        if len(parts) != (1 if kind == "normal" else 2):
            example = "one number, e.g. normal:0.5" if kind == "normal" else "two numbers, e.g. uniform:-0.25,0.25"
            raise UsageError(f"--noise {kind} needs {example}")
        values = [constant_value(p, "--noise") for p in parts]
        a, b = (0.0, values[0]) if kind == "normal" else values
    if kind == "normal" and not (0 <= b < math.inf):
        raise UsageError("--noise must be >= 0 (the standard deviation of Gaussian noise)")
    if kind == "uniform" and not b > a:
        raise UsageError(f"--noise uniform:A,B needs A < B; got {a:g}, {b:g}")
    return kind, a, b


def generate_data(expression: str, n: int, noise, dist: str, seed: int, classes: int | None = None) -> Dataset:
    """Rows x ~ dist (one column per variable of `expression`) and y = expression(x) + noise.

    `noise` is an SD (Gaussian), `normal:SD` or `uniform:A,B` (seed 000 listing 3.3 adds U(−0.25, 0.25)).

    With `classes` K, y is instead the class 0..K-1 of that value among K equal-count bins (cut at its
    K-quantiles): a linear expression gives linearly separable classes, `x1*x2` on a centred box XOR-like ones.
    """
    from gdcli.expr import compile_expression

    if n < 1:
        raise UsageError("--n must be at least 1")
    noise_kind, na, nb = parse_noise(noise)
    expr = compile_expression(expression)
    if "y" in expr.variables:
        raise UsageError("--generate: 'y' names the target; write the function of the inputs only")
    kind, a, b = parse_distribution(dist)
    rng = np.random.default_rng(seed)
    k = max(1, len(expr.variables))
    X = rng.normal(a, b, size=(n, k)) if kind == "normal" else rng.uniform(a, b, size=(n, k))
    names = expr.variables or ("x",)
    truth = expr.f(X[:, : len(expr.variables)]) if expr.variables else np.full(n, float(expr.sym))
    y = truth + (nb * rng.standard_normal(n) if noise_kind == "normal" else rng.uniform(na, nb, n))
    added = f"{nb:g}·N(0,1)" if noise_kind == "normal" else f"U({na:g}, {nb:g})"
    if not np.all(np.isfinite(y)):
        raise DataError(f"--generate: {expression} is not finite on some generated inputs (check --x-dist)")
    if classes is not None:
        if classes < 2:
            raise UsageError("--classes must be at least 2")
        if classes > n:
            raise UsageError(f"--classes {classes}: more classes than rows ({n})")
        cuts = np.quantile(y, np.arange(1, classes) / classes)
        labels = np.searchsorted(cuts, y, side="right").astype(float)
        if np.unique(labels).size < classes:
            raise DataError(f"--generate: {expression} takes too few distinct values to make {classes} classes")
        return Dataset(tuple(names) + ("y",), np.column_stack([X, labels]),
                       f"generated: y = class of {expression} + {added} among {classes} quantile bins")
    return Dataset(tuple(names) + ("y",), np.column_stack([X, y]), f"generated: y = {expression} + {added}",
                   generator=expression, truth=truth)


def select(data: Dataset, x: str | list | None, y: str | None) -> tuple[tuple[str, ...], str]:
    """The feature columns and the target column: by default the last column is the target."""
    target = y if y is not None else data.columns[-1]
    if target not in data.columns:
        raise DataError(f"--y: no column named '{target}' (columns: {', '.join(data.columns)})")
    if x is None:
        features = tuple(c for c in data.columns if c != target)
    else:
        features = tuple(s.strip() for s in (x.split(",") if isinstance(x, str) else x) if str(s).strip())
        for c in features:
            if c not in data.columns:
                raise DataError(f"--x: no column named '{c}' (columns: {', '.join(data.columns)})")
    if target in features:
        raise UsageError(f"'{target}' is the target; it cannot also be a feature")
    return features, target

