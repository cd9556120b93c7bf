"""Reading CSV/XLSX uploads with spreadsheet row numbers."""

from __future__ import annotations

import pytest

from dualcarbon.registry.errors import InvalidTable
from dualcarbon.registry.tables import table_format, table_rows, table_write_csv, table_write_xlsx


def test_csv_round_trip_keeps_row_numbers() -> None:
    data = table_write_csv(["USCC", "name"], [["91440300192181490G", "万科"], ["", ""], ["x", "y"]])
    header, rows = table_rows(data, "a.csv")
    assert header == ["uscc", "name"]
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].cells == {"uscc": "91440300192181490G", "name": "万科"}


def test_xlsx_round_trip_keeps_text() -> None:
    data = table_write_xlsx(["code", "name"], [["010100", "零"], ["440800", "湛江"]])
    assert table_format(data) == "xlsx"
    _header, rows = table_rows(data, "a.xlsx")
    assert rows[0].cells["code"] == "010100" and rows[1].number == 3


def test_gb18030_csv() -> None:
    header, rows = table_rows("名称,代码\n湛江,440800\n".encode("gb18030"), "a.csv")
    assert header == ["名称", "代码"] and rows[0].cells["代码"] == "440800"


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (b"", "a.csv", "column names"),
        (b"a,a\n1,2\n", "a.csv", "twice"),
        (b"a,b\n1,2,3\n", "a.csv", "row 2"),
        (b"PK\x03\x04garbage", "a.xlsx", "not a readable"),
        (b"x", "a.xls", ".xls"),
    ],
)
def test_bad_tables(data: bytes, name: str, fragment: str) -> None:
    with pytest.raises(InvalidTable, match=fragment):
        table_rows(data, name)
