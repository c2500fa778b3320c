"""The sample CSV: `t_s,ax_g,ay_g,az_g[,gx_dps,gy_dps,gz_dps]`, one row per sample."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import FormatError
from ..samples import SampleBlock
from .recording import TruncatedFileWarning

ACC_COLUMNS = ("ax_g", "ay_g", "az_g")
GYRO_COLUMNS = ("gx_dps", "gy_dps", "gz_dps")


def is_csv_path(path: str | Path) -> bool:
    return str(path).lower().endswith(".csv")


def read_samples_csv(path: str | Path) -> SampleBlock:
    """All samples of a CSV, times shifted so the first sample is at 0 s."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    except UnicodeDecodeError:
        raise FormatError(path, "not UTF-8 text") from None
    lines = text.split("\n")
    if not lines[0].strip():
        raise FormatError(path, "empty file, expected a header row", line=1)
    columns = [c.strip() for c in lines[0].strip().split(",")]
    missing = [c for c in ("t_s",) + ACC_COLUMNS if c not in columns]
    if missing:
        raise FormatError(path, f"missing column(s) {', '.join(missing)} "
                          f"(header is {','.join(columns)})", line=1, field=missing[0])
    gyro_present = [c for c in GYRO_COLUMNS if c in columns]
    if gyro_present and len(gyro_present) != 3:
        absent = [c for c in GYRO_COLUMNS if c not in columns]
        raise FormatError(path, "gyroscope columns come as all three or none", line=1,
                          field=absent[0])
    wanted = ("t_s",) + ACC_COLUMNS + (GYRO_COLUMNS if gyro_present else ())
    index = [columns.index(c) for c in wanted]

    body = lines[1:]
    if body and body[-1] == "":
        body.pop()                     # the file's final newline
    elif body and body[-1].count(",") != len(columns) - 1:
        warnings.warn(f"{path}, line {len(lines)}: file ends mid-line (cut off?); "
                      f"read up to the last whole line", TruncatedFileWarning, stacklevel=2)
        body.pop()
    if not body:
        raise FormatError(path, "no samples after the header", line=2)
    table = _parse_rows(path, body, len(columns))
    table = table[:, index]
    t = table[:, 0]
    bad = np.flatnonzero(~np.isfinite(table).all(axis=1))
    if len(bad):
        col = wanted[int(np.flatnonzero(~np.isfinite(table[bad[0]]))[0])]
        raise FormatError(path, "not a finite number", line=int(bad[0]) + 2, field=col)
    backwards = np.flatnonzero(np.diff(t) < 0)
    if len(backwards):
        raise FormatError(path, "time goes backwards", line=int(backwards[0]) + 3, field="t_s")
    gyro = table[:, 4:7] if gyro_present else np.full((len(t), 3), np.nan)
    return SampleBlock(t - t[0], np.ascontiguousarray(table[:, 1:4]), np.ascontiguousarray(gyro))


def _parse_rows(path: Path, rows: list[str], width: int) -> np.ndarray:
    try:
        table = np.loadtxt(rows, delimiter=",", dtype=float, ndmin=2)
        if table.shape[1] == width:
            return table
    except ValueError:
        pass
    # Slow path only to say exactly which line is wrong.
    for number, row in enumerate(rows, start=2):
        cells = row.split(",")
        if len(cells) != width:
            raise FormatError(path, f"expected {width} values, found {len(cells)}", line=number)
        for cell in cells:
            try:
                float(cell)
            except ValueError:
                raise FormatError(path, f"{cell.strip()!r} is not a number", line=number) from None
    raise FormatError(path, "unreadable rows")


def write_samples_csv(path: str | Path, block: SampleBlock) -> None:
    path = Path(path)
    with_gyro = len(block) > 0 and not np.isnan(block.gyro_dps).any()
    header = ",".join(("t_s",) + ACC_COLUMNS + (GYRO_COLUMNS if with_gyro else ()))
    columns = [block.t_s[:, None], block.acc_g] + ([block.gyro_dps] if with_gyro else [])
    table = np.hstack(columns)
    # Enough digits that a write-then-read round trip is exact to float64.
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.17g")
