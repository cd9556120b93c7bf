"""Reading activity lines from CSV, XLSX and JSON, and writing per-line results.

Row numbers
-----------
Errors name the row a person sees. For CSV and XLSX that is the spreadsheet row, **counting the header
as row 1** (the first data line is row 2; in XLSX, the worksheet's own row number). For JSON it is the
1-based position of the record in the array, reported as ``record N``.

Every reader returns a :class:`polars.DataFrame` with a ``_row`` column, ready for
:func:`dualcarbon.accounting.engine.account`.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from dualcarbon.accounting.errors import ActivityDataError, RowError
from dualcarbon.accounting.lines import NUMERIC_COLUMNS
from dualcarbon.errors import InputError

__all__ = ["read_lines", "write_lines"]

_ROW = "_row"


def read_lines(path: str | Path) -> tuple[pl.DataFrame, str]:
    """Read activity lines from ``path`` (``.csv``, ``.xlsx``, ``.json``). Returns (frame, row label)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such file: {p}", source=str(p))
    ext = p.suffix.lower()
    if ext in (".csv", ".txt"):
        return _read_csv(p), "row"
    if ext in (".xlsx", ".xlsm"):
        return _read_xlsx(p), "row"
    if ext == ".json":
        return _read_json(p), "record"
    raise InputError(f"unsupported file type {ext!r}; use .csv, .xlsx or .json", source=str(p))


def _header(p: Path) -> list[str]:
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text; save it as 'CSV UTF-8'", source=str(p), row=1) from None


def _read_csv(p: Path) -> pl.DataFrame:
    header = _header(p)
    if not header:
        raise ActivityDataError([RowError(str(p), 1, "entity", "the file is empty (no header row)")])
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        raise InputError(
            "the header has a single column: the file must be comma-separated (save it as 'CSV UTF-8')",
            source=str(p),
            row=1,
        )
    norm = [h.strip().lower() for h in header]
    dupes = sorted({h for h in norm if norm.count(h) > 1 and h})
    if dupes:
        raise ActivityDataError(
            [RowError(str(p), 1, d, "column appears more than once in the header") for d in dupes]
        )
    numeric = {h: pl.Float64 for h, n in zip(header, norm, strict=True) if n in NUMERIC_COLUMNS}
    text = {h: pl.String for h, n in zip(header, norm, strict=True) if n not in NUMERIC_COLUMNS}
    try:
        df = pl.read_csv(p, schema_overrides={**numeric, **text}, encoding="utf8", infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError):
        # a cell that is not a number: read everything as text so each bad cell is reported
        try:
            df = pl.read_csv(p, infer_schema=False, encoding="utf8")
        except pl.exceptions.ComputeError as exc:
            raise InputError(f"cannot read CSV: {exc}", source=str(p)) from None
    return df.with_row_index(_ROW, offset=2)


def _cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def _frame_from_rows(
    rows: list[tuple[int, list[Any]]], header: list[str], number: str = _ROW
) -> pl.DataFrame:
    cols: dict[str, list[str | None]] = {h: [] for h in header}
    nums = []
    for position, values in rows:
        nums.append(position)
        for i, h in enumerate(header):
            cols[h].append(_cell_text(values[i]) if i < len(values) else None)
    data = {h: pl.Series(h, v, dtype=pl.String) for h, v in cols.items()}
    return pl.DataFrame({number: pl.Series(number, nums, dtype=pl.UInt32), **data})


def _read_xlsx(p: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise InputError(f"cannot open workbook: {exc}", source=str(p)) from None
    try:
        ws = wb.worksheets[0]
        header: list[str] = []
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(values)
            if all(c is None or str(c).strip() == "" for c in cells):
                continue
            if not header:
                header = [str(c).strip() if c is not None else f"column{j + 1}" for j, c in enumerate(cells)]
                continue
            rows.append((number, cells))
    finally:
        wb.close()
    if not header:
        raise ActivityDataError(
            [RowError(str(p), 1, "entity", "the first worksheet is empty (no header row)")]
        )
    return _frame_from_rows(rows, header)


def _read_json(p: Path) -> pl.DataFrame:
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", source=str(p)) from None
    if isinstance(data, dict) and isinstance(data.get("lines"), list):
        data = data["lines"]
    if not isinstance(data, list):
        raise InputError('JSON input must be an array of records or {"lines": [...]}', source=str(p))
    errors = [
        RowError(str(p), i, "entity", "record is not a JSON object", "record")
        for i, rec in enumerate(data, start=1)
        if not isinstance(rec, dict)
    ]
    if errors:
        raise ActivityDataError(errors)
    header: list[str] = []
    for rec in data:
        for k in rec:
            if k not in header:
                header.append(k)
    rows = [(i, [rec.get(h) for h in header]) for i, rec in enumerate(data, start=1)]
    return _frame_from_rows(rows, header, "_record")


def write_lines(lines: pl.DataFrame, path: str | Path) -> None:
    """Write per-line results as CSV, Parquet or JSON, chosen by the extension of ``path``.

    CSV joins the ``factors`` list with ``;``; Parquet and JSON keep it a list.
    """
    p = Path(path)
    ext = p.suffix.lower()
    p.parent.mkdir(parents=True, exist_ok=True)
    if ext == ".csv":
        lines.with_columns(pl.col("factors").list.join(";")).write_csv(p)
    elif ext == ".parquet":
        lines.write_parquet(p)
    elif ext == ".json":
        p.write_text(json.dumps(lines.to_dicts(), ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        raise InputError(
            f"--lines: unsupported extension {ext!r}; use .csv, .parquet or .json", source=str(p)
        )
