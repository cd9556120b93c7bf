"""The XLSX report opens with openpyxl and holds the totals; the printable page rounds half-up."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dualcarbon_web.inventories.services import inventory_calculate


def test_xlsx_report_contains_totals_lines_factors_and_trace(demo, worked, login, token_client):
    run = inventory_calculate(user=demo.enterprise1, inventory=worked)
    resp = login(demo.enterprise1).get(f"/accounting/runs/{run.pk}/report.xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in resp["Content-Disposition"] and "2022" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["汇总", "逐行结果", "排放因子", "计算过程", "不确定性"]
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(values_only=True) if row[0]}
    assert summary["排放总量 Total (tCO2e)"] == pytest.approx(run.total_tco2e, rel=1e-15)
    assert summary["范围一 Scope 1 (tCO2e)"] == pytest.approx(run.scope1_tco2e)
    assert summary["范围二 Scope 2 (tCO2e)"] == pytest.approx(440.3)
    assert summary["统一社会信用代码 USCC"] == worked.organization.uscc
    lines = list(wb["逐行结果"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in lines] == [1, 2]
    assert sum(r[8] for r in lines) == pytest.approx(run.total_tco2e)
    assert "ndrc2015.other.natural_gas.ncv@1" in lines[0][9] and "389.31" in lines[0][11]
    refs = [r[0] for r in wb["排放因子"].iter_rows(min_row=2, values_only=True)]
    assert "mee_nbs.2022.province_440000.co2@1" in refs
    api = token_client(demo.regulator).get(f"/api/v1/inventories/runs/{run.pk}/report.xlsx")
    assert api.status_code == 200 and load_workbook(io.BytesIO(api.content))["汇总"]["B1"].value


def test_printable_page_has_print_css_and_rounded_totals(demo, worked, login):
    run = inventory_calculate(user=demo.enterprise1, inventory=worked)
    html = login(demo.enterprise1).get(f"/accounting/runs/{run.pk}/print/").content.decode()
    assert "inventories/inventories.css" in html and 'data-testid="print-page"' in html
    assert ">2602.49<" in html  # 2602.488809 rounded half-up
    css = login(demo.enterprise1).get("/static/inventories/inventories.css")
    assert b"@media print" in b"".join(css.streaming_content if css.streaming else [css.content])
