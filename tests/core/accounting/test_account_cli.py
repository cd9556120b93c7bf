"""``dualcarbon account``: the documented interface (options, JSON shape, --lines formats, errors)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from dualcarbon.cli import app

runner = CliRunner()
CSV = """entity,period,category,item,quantity,unit,region,uncertainty_pct
E1,2022,combustion,天然气,100,万Nm3,,2
E1,2022,purchased_electricity,grid,1000,MWh,广东,1
E2,2022,direct_gas,SF6,2,kg,,
"""


@pytest.fixture()
def activity(tmp_path):
    p = tmp_path / "activity.csv"
    p.write_text(CSV, encoding="utf-8")
    return p


def test_json_shape(activity):
    out = runner.invoke(app, ["account", str(activity), "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["total_tco2e"] == pytest.approx(2162.188809 + 440.3 + 47, rel=1e-12)
    e1 = doc["entities"]["E1"]
    assert set(e1) >= {"total_tco2e", "by_scope", "by_gas"}
    assert e1["by_scope"] == pytest.approx({"scope1": 2162.188809, "scope2": 440.3}, rel=1e-12)
    assert doc["entities"]["E2"]["by_gas"] == pytest.approx({"SF6": 47.0})
    assert doc["gwp"] == "AR5" and "mee_nbs.2022.province_440000.co2@1" in doc["factors_used"]


def test_gwp_option(activity):
    doc = json.loads(runner.invoke(app, ["account", str(activity), "--json", "--gwp", "AR6"]).stdout)
    assert doc["entities"]["E2"]["by_gas"]["SF6"] == pytest.approx(50.4)


def test_factor_set_option(activity):
    doc = json.loads(
        runner.invoke(app, ["account", str(activity), "--json", "--factor-set", "cn-ets"]).stdout
    )
    assert doc["entities"]["E1"]["by_scope"]["scope2"] == pytest.approx(570.3)
    bad = runner.invoke(app, ["account", str(activity), "--factor-set", "nope"])
    assert bad.exit_code == 2 and "unknown factor set" in bad.output


@pytest.mark.parametrize("ext", ["csv", "parquet", "json"])
def test_lines_output(activity, tmp_path, ext):
    target = tmp_path / f"lines.{ext}"
    out = runner.invoke(app, ["account", str(activity), "--lines", str(target)])
    assert out.exit_code == 0, out.output
    if ext == "csv":
        df = pl.read_csv(target)
        factors = df["factors"][1].split(";")
    elif ext == "parquet":
        df = pl.read_parquet(target)
        factors = df["factors"][1].to_list()
    else:
        df = pl.DataFrame(json.loads(target.read_text(encoding="utf-8")))
        factors = df["factors"][1].to_list()
    assert df["row"].to_list() == [2, 3, 4]  # spreadsheet rows: the header is row 1
    assert df["tco2e"][1] == pytest.approx(440.3)
    assert "mee_nbs.2022.province_440000.co2@1" in factors
    assert df["uncertainty_pct"][1] == pytest.approx(1.0)


def test_monte_carlo_needs_seed(activity):
    out = runner.invoke(app, ["account", str(activity), "--monte-carlo", "100"])
    assert out.exit_code == 2 and "--seed" in out.output
    ok = runner.invoke(app, ["account", str(activity), "--monte-carlo", "200", "--seed", "1", "--json"])
    doc = json.loads(ok.stdout)
    assert doc["monte_carlo"]["iterations"] == 200 and "monte_carlo" in doc["entities"]["E1"]


def test_table_output(activity):
    out = runner.invoke(app, ["account", str(activity)], env={"COLUMNS": "120"})
    assert out.exit_code == 0
    assert "E1" in out.stdout and "2602.49" in out.stdout and "transcribed-unverified" in out.stdout


def test_every_bad_row_is_reported_with_file_row_column(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(CSV + "E3,2022,combustion,diesel,abc,t,,\nE4,20x,bogus,diesel,-1,t,,\n", encoding="utf-8")
    out = runner.invoke(app, ["account", str(p), "--json"])
    assert out.exit_code == 2
    assert out.stdout == ""  # no partial result
    err = out.stderr
    assert f"{p}, row 5, column 'quantity': 'abc' is not a number" in err
    assert f"{p}, row 6, column 'quantity'" in err
    assert f"{p}, row 6, column 'period'" in err
    assert "nothing was computed" in err


def test_record_option(activity, tmp_path):
    target = tmp_path / "rec.json"
    assert runner.invoke(app, ["account", str(activity), "--record", str(target)]).exit_code == 0
    rec = json.loads(target.read_text(encoding="utf-8"))
    assert rec["format"] == "dualcarbon.calculation-record/1" and rec["inputs"]


def test_missing_file_and_bad_extension(tmp_path):
    assert runner.invoke(app, ["account", str(tmp_path / "nope.csv")]).exit_code == 2
    p = tmp_path / "a.txt.bak"
    p.write_text("x", encoding="utf-8")
    assert runner.invoke(app, ["account", str(p)]).exit_code == 2


def test_factors_command_searches_the_database():
    out = runner.invoke(app, ["factors", "广东", "2022", "--json"])
    assert out.exit_code == 0, out.output
    docs = json.loads(out.stdout)
    assert [d["ref"] for d in docs] == ["mee_nbs.2022.province_440000.co2@1"]
    assert docs[0]["document_no"] == "生态环境部、国家统计局公告2024年第33号"
    table = runner.invoke(app, ["factors", "0.5703"], env={"COLUMNS": "160"})
    assert table.exit_code == 0


def test_semicolon_csv_is_explained(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text(
        "entity;period;category;item;quantity;unit\nE1;2022;combustion;diesel;1;t\n", encoding="utf-8"
    )
    out = runner.invoke(app, ["account", str(p)])
    assert out.exit_code == 2 and "comma-separated" in out.stderr


def test_excel_csv_with_bom_and_crlf(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes(
        "\ufeffentity,period,category,item,quantity,unit\r\nE1,2022,combustion,天然气,100,万Nm3\r\n".encode()
    )
    doc = json.loads(runner.invoke(app, ["account", str(p), "--json"]).stdout)
    assert doc["total_tco2e"] == pytest.approx(2162.188809, rel=1e-12)


def test_table_lists_the_largest_entities_when_there_are_many(tmp_path, monkeypatch):
    from dualcarbon.cli import account as account_cli

    monkeypatch.setattr(account_cli, "TABLE_ROWS", 1)
    p = tmp_path / "a.csv"
    p.write_text(CSV, encoding="utf-8")
    out = runner.invoke(app, ["account", str(p)], env={"COLUMNS": "120"})
    assert "showing the 1 largest of 2 entities" in out.stdout and "E1" in out.stdout
