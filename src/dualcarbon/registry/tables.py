"""Reading an uploaded table (CSV or XLSX) into rows numbered as the user sees them.

Row numbers are those of the spreadsheet: the header is row 1, the first data row is row 2, so
an error message can say "row 7, column 'uscc'" and the user finds it at once. Blank rows are
skipped but keep their numbers. CSV may be UTF-8 (with or without BOM) or GB18030 (what Excel
writes on Chinese Windows).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from dualcarbon.registry.errors import InvalidTable

__all__ = ["TableRow", "table_format", "table_rows", "table_write_csv", "table_write_xlsx"]


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data row: its spreadsheet row number and its cells by (lower-cased, stripped) header."""

    number: int
    cells: dict[str, str]


def table_format(data: bytes, filename: str = "") -> str:
    """``"xlsx"`` or ``"csv"``, from the name's extension or, failing that, the content."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith(".xls"):
        raise InvalidTable(
            "old .xls workbooks are not read; save the sheet as .xlsx or .csv", source=filename
        )
    return "xlsx" if data[:4] == b"PK\x03\x04" else "csv"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes, filename: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidTable("the CSV file is neither UTF-8 nor GB18030 text", source=filename)


def _rows_from_matrix(matrix: list[list[str]], filename: str) -> tuple[list[str], list[TableRow]]:
    if not matrix or not any(matrix[0]):
        raise InvalidTable("the first row must hold the column names", source=filename, row=1)
    header = [h.strip().lower() for h in matrix[0]]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise InvalidTable(f"column {h!r} appears twice in the header", source=filename, row=1, column=h)
        seen.add(h)
    rows = []
    for number, raw in enumerate(matrix[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(header) and any(c.strip() for c in raw[len(header) :]):
            raise InvalidTable(
                f"this row has {len(raw)} cells but the header names only {len(header)} columns",
                source=filename,
                row=number,
            )
        cells = {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(header) if h}
        rows.append(TableRow(number=number, cells=cells))
    return [h for h in header if h], rows


def table_rows(data: bytes, filename: str = "") -> tuple[list[str], list[TableRow]]:
    """Read a CSV or XLSX upload (first sheet) into its header and data rows.

    Raises
    ------
    InvalidTable
        An unreadable file, a missing header, a duplicated column name, or a row wider than the header.
    """
    fmt = table_format(data, filename)
    if fmt == "csv":
        text = _decode(data, filename)
        matrix = [list(r) for r in csv.reader(io.StringIO(text))]
        return _rows_from_matrix(matrix, filename)
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidTable(f"not a readable .xlsx workbook ({exc})", source=filename) from exc
    try:
        sheet = workbook.worksheets[0]
        matrix = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _rows_from_matrix(matrix, filename)


def table_write_csv(header: list[str], rows: list[list[object]]) -> bytes:
    """CSV bytes (UTF-8 with BOM, so Excel shows Chinese correctly)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def table_write_xlsx(header: list[str], rows: list[list[object]], *, sheet: str = "data") -> bytes:
    """XLSX bytes with one sheet; every cell written as text so codes keep their leading zeros."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    ws = workbook.create_sheet(title=sheet[:31])
    ws.append(header)
    for row in rows:
        ws.append(["" if v is None else str(v) for v in row])
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
