"""Real data for `fit`: the built-in digits, MNIST-style IDX files, a stratified hold-out and feature scaling."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import numpy as np

from gdcli.engine.learn.data import Dataset
from gdcli.errors import DataError, UsageError

BUILTIN = ("digits",)
SCALES = ("none", "standard", "minmax")
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def digits() -> Dataset:
    """UCI optical digits (the copy scikit-learn ships; CC BY 4.0, see gdcli/data/README.md): 1797 × (64 + 1)."""
    from importlib.resources import files

    with gzip.open(files("gdcli").joinpath("data", "digits.csv.gz").open("rb"), "rt") as fh:
        values = np.loadtxt(fh, delimiter=",", dtype=float)
    names = tuple(f"p{j}" for j in range(64)) + ("digit",)
    return Dataset(names, values, "digits (UCI optical digits, 1797 8×8 images, CC BY 4.0)")


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (MNIST's format), gzipped or not: magic 0 0 TYPE NDIM, NDIM big-endian uint32 sizes, data."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable gzip file ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES or not 1 <= raw[3] <= 4:
        raise DataError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'none'}; "
                        "expected 0000 TYPE NDIM, e.g. 00000803 for images)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes; {ndim} sizes need {header})")
    dims = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    if any(n == 0 for n in dims):
        raise DataError(f"{path}: IDX sizes {dims} hold no data")
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path}: IDX sizes {'×'.join(map(str, dims))} need {expected} data bytes; "
                        f"the file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def idx_data(images: str | Path, labels: str | Path) -> Dataset:
    """Images (N × rows × cols, or N × d) and labels (N) as columns p0.. and `label`."""
    X = read_idx(images)
    y = read_idx(labels)
    if X.ndim < 2:
        raise DataError(f"{images}: an image file needs at least 2 dimensions (N × pixels); got {X.ndim}")
    if y.ndim != 1:
        raise DataError(f"{labels}: a label file has 1 dimension; got {y.ndim}")
    if y.shape[0] != X.shape[0]:
        raise DataError(f"{labels}: {y.shape[0]} labels for {X.shape[0]} images in {images}")
    X = X.reshape(X.shape[0], -1).astype(float)
    values = np.column_stack([X, y.astype(float)])
    if not np.all(np.isfinite(values)):
        raise DataError(f"{images}: contains values that are not finite numbers")
    names = tuple(f"p{j}" for j in range(X.shape[1])) + ("label",)
    return Dataset(names, values, f"{images} + {labels} (IDX, {X.shape[0]} images of {X.shape[1]} pixels)")


def keep_classes(data: Dataset, target: str, text: str | list) -> Dataset:
    """`--subset 0,1`: only the rows whose target is one of these values (a binary task from digits, say)."""
    from gdcli.expr import constant_value

    items = text if isinstance(text, (list, tuple)) else str(text).split(",")
    values = [float(v) if isinstance(v, (int, float)) else constant_value(str(v), "--subset") for v in items
              if str(v).strip()]
    if len(set(values)) < 2:
        raise UsageError(f"--subset needs at least two distinct label values; got {text!r}")
    y = data.column(target)
    for v in values:
        if not np.any(y == v):
            raise DataError(f"--subset: no row of '{target}' has the value {v:g}")
    rows = np.isin(y, values)
    return replace(data, values=data.values[rows], truth=None if data.truth is None else data.truth[rows],
                   source=f"{data.source}, {target} in {{{', '.join(f'{v:g}' for v in values)}}}")


def stratified_split(data: Dataset, target: str, fraction: float, seed: int,
                     stratify: bool = True) -> tuple[Dataset, Dataset]:
    """A seeded hold-out of `fraction` of the rows; per class (round(fraction·n_c), at least 1 each side) when
    stratified."""
    if not 0 < fraction < 1:
        raise UsageError(f"--test-split must be between 0 and 1 (exclusive); got {fraction:g}")
    rng = np.random.default_rng(seed)
    y = data.column(target)
    if stratify:
        test = []
        for c in np.unique(y):
            rows = np.flatnonzero(y == c)
            if rows.size < 2:
                raise DataError(f"--test-split: class {c:g} of '{target}' has {rows.size} example; a stratified "
                                "split needs at least 2 per class (one to train on, one to test)")
            k = min(max(1, int(round(fraction * rows.size))), rows.size - 1)
            test.append(rng.permutation(rows)[:k])
        test_rows = np.sort(np.concatenate(test))
    else:
        k = int(round(fraction * data.rows))
        if not 1 <= k < data.rows:
            raise DataError(f"--test-split {fraction:g} of {data.rows} rows leaves one side empty")
        test_rows = np.sort(rng.permutation(data.rows)[:k])
    keep = np.ones(data.rows, dtype=bool)
    keep[test_rows] = False
    return (replace(data, values=data.values[keep], truth=None if data.truth is None else data.truth[keep]),
            replace(data, values=data.values[test_rows], source=data.source + " [test]",
                    truth=None if data.truth is None else data.truth[test_rows]))


def scaler(train: Dataset, features, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(shift, divisor) per feature from the training rows only: standard (mean, sd) or minmax (min, max − min).
    A constant column keeps divisor 1 (it stays constant, at 0)."""
    if kind not in SCALES:
        raise UsageError(f"--scale must be one of {', '.join(SCALES)}; got '{kind}'")
    if kind == "none":
        return None
    X = np.column_stack([train.column(f) for f in features])
    if kind == "standard":  # in units of the largest entry, so that 1e300 neither overflows nor 1e-300 underflows
        big = np.max(np.abs(X), axis=0)
        big = np.where(big > 0, big, 1.0)
        shift, div = X.mean(0), (X / big).std(0) * big
    else:
        shift, div = X.min(0), X.max(0) - X.min(0)
    div = np.where(div > 0, div, 1.0)
    return shift, div


def apply_scale(data: Dataset, features, transform) -> Dataset:
    if transform is None:
        return data
    shift, div = transform
    values = data.values.copy()
    idx = [data.columns.index(f) for f in features]
    values[:, idx] = (values[:, idx] - shift) / div
    return replace(data, values=values)
