"""``dualcarbon plan track|lmdi|macc`` with typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dualcarbon.cli import app

runner = CliRunner()

MEASURES = """name,cost_per_t,potential_t
industrial motor upgrade,-144.2275,1500
EV fleet substitution,-86.6173,3000
cement waste-heat recovery,-49.8371,30000
rooftop PV,16.3501,9000
coal-plant CCUS retrofit,453.7044,1000000
"""


def test_track_json_values() -> None:
    res = runner.invoke(app, ["plan", "track", "--as-of", "2022", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    co2 = next(d for d in data if d["target"]["key"] == "fyp14_co2_intensity")
    assert co2["achieved_pct"] == pytest.approx(-4.5696)
    assert co2["required_annual_rate_pct"] == pytest.approx(-4.93, abs=0.005)
    assert co2["certainty"] == "secondary_reprint"


def test_track_table() -> None:
    res = runner.invoke(app, ["plan", "track"])
    assert res.exit_code == 0, res.output
    assert "UNCERT" in res.stdout  # the certainty column (may wrap in a narrow terminal)
    assert "energy_intensity_cumulative_change_2021_2024_pct = -11.6" in res.stdout


def test_lmdi_json_and_table() -> None:
    res = runner.invoke(app, ["plan", "lmdi", "--from", "2005", "--to", "2020", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    effects = {e["factor"]: e["effect"] for e in d["effects"]}
    assert effects["population"] == pytest.approx(690.84, abs=0.01)
    assert d["basis"] == "owid_gcb_maddison"
    res = runner.invoke(app, ["plan", "lmdi", "--from", "2015", "--to", "2020", "--region", "India"])
    assert res.exit_code == 0, res.output
    assert "energy_intensity" in res.stdout


def test_lmdi_bad_year_exit_2() -> None:
    res = runner.invoke(app, ["plan", "lmdi", "--from", "2020", "--to", "2023"])
    assert res.exit_code == 2
    assert "gdp" in res.output


def test_macc(tmp_path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(MEASURES, encoding="utf-8")
    res = runner.invoke(app, ["plan", "macc", str(f), "--target", "40000", "--json", "--method", "lp"])
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)["portfolio"]
    assert p["total_cost"] == pytest.approx(-1_881_381, abs=2)
    assert p["marginal_cost_per_t"] == pytest.approx(16.35, abs=0.005)
    res = runner.invoke(app, ["plan", "macc", str(f), "--target", "40000"])
    assert res.exit_code == 0 and "rooftop PV" in res.stdout


def test_macc_errors(tmp_path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(MEASURES, encoding="utf-8")
    res = runner.invoke(app, ["plan", "macc", str(f), "--target", "2000000"])
    assert res.exit_code == 2 and "956,500.00" in res.output
    f.write_text("name,cost_per_t,potential_t\nA,x,1\n", encoding="utf-8")
    res = runner.invoke(app, ["plan", "macc", str(f), "--target", "1"])
    assert res.exit_code == 2 and "row 2" in res.output and "cost_per_t" in res.output


def test_macc_lp_json_stdout_is_pure_json(tmp_path) -> None:
    """HiGHS prints a banner on fd 1 when the process creates its first solver: not into --json."""
    import subprocess
    import sys

    f = tmp_path / "m.csv"
    f.write_text(MEASURES, encoding="utf-8")
    code = "from dualcarbon.cli import main; main()"
    out = subprocess.run(
        [sys.executable, "-c", code, "plan", "macc", str(f), "--target", "40000", "--method", "lp", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["portfolio"]["marginal_cost_per_t"] == pytest.approx(16.35, abs=0.005)


def test_report_markdown_json_csv(tmp_path) -> None:
    res = runner.invoke(app, ["plan", "report", "--year", "2022"])
    assert res.exit_code == 0, res.output
    assert "Cumulative change 2020→2022: -4.57 %" in res.stdout
    assert "```csv" in res.stdout
    res = runner.invoke(app, ["plan", "report", "--year", "2023", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["year"] == 2023 and data["certainty"] == "UNCERTAIN"
    assert [t["traffic_light"] for t in data["targets"]] == ["off_track", "at_risk"]
    assert data["targets"][0]["achieved_pct"] == pytest.approx(-4.5696)
    out = tmp_path / "report.csv"
    res = runner.invoke(app, ["plan", "report", "--year", "2023", "--format", "csv", "--output", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("model,scenario,region,variable,unit,year,value\n")
    assert "Tracking|fyp14_co2_intensity|Required yearly rate,%/yr,2023,-7.303454" in text


def test_report_with_measures(tmp_path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(MEASURES, encoding="utf-8")
    res = runner.invoke(
        app, ["plan", "report", "--year", "2023", "--format", "json", "--measures", str(f), "--gap", "40000"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["macc"]["portfolio"]["total_cost"] == pytest.approx(-1_881_381, abs=1)


def test_report_bad_input_exit_2() -> None:
    res = runner.invoke(app, ["plan", "report", "--year", "2026"])
    assert res.exit_code == 2
    assert "year" in res.output
    res = runner.invoke(app, ["plan", "report", "--year", "2023", "--format", "pdf"])
    assert res.exit_code == 2 and "--format" in res.output
