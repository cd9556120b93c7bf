"""Annual assessment report (research/planning.md §3.4): values agree with the tracking tests."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from dualcarbon.errors import InputError
from dualcarbon.planning import data as planning_data
from dualcarbon.planning.data import BASIS_OFFICIAL, BASIS_OWID, official_observations
from dualcarbon.planning.macc import Measure
from dualcarbon.planning.report import (
    IAMC_COLUMNS,
    assessment,
    plan_average_rate,
    render_markdown,
    traffic_light,
)
from dualcarbon.planning.tracking import TARGETS, track

CO2, ENERGY = TARGETS


def _section(a, key):
    return next(s for s in a.sections if s.target.key == key)


def test_2022_worked_example_matches_tracking() -> None:
    a = assessment(2022)
    s = _section(a, "fyp14_co2_intensity")
    assert s.tracking.achieved == pytest.approx(-0.045696, abs=1e-9)  # −4.57 % by 2022
    assert s.tracking.required_rate == pytest.approx(-0.0493, abs=5e-5)
    assert s.plan_rate == pytest.approx(0.82**0.2 - 1, abs=1e-12)  # −3.89 %/yr
    assert s.ratio == pytest.approx(((0.82 / (0.962 * 0.992)) ** (1 / 3) - 1) / (0.82**0.2 - 1), abs=1e-12)
    assert s.ratio == pytest.approx(1.2670, abs=5e-5)
    assert s.light == "at_risk"
    assert s.tracking.used[-1].year == 2022 and s.tracking.used[-1].status == "communique preliminary"
    assert a.certainty == "secondary_reprint"


def test_2023_lights_certainty_and_missing_energy_outturn() -> None:
    a = assessment(2023)
    co2 = _section(a, "fyp14_co2_intensity")
    assert co2.tracking.last_year == 2023
    assert co2.tracking.required_rate == pytest.approx(-0.0730, abs=5e-5)
    assert co2.ratio == pytest.approx(1.8769, abs=5e-5)
    assert co2.light == "off_track"
    assert co2.tracking.certainty == "UNCERTAIN"
    en = _section(a, "fyp14_energy_intensity")
    assert en.tracking.last_year == 2022 and en.tracking.missing_years == (2023,)
    assert en.ratio == pytest.approx(1.3340, abs=5e-5)
    assert en.light == "at_risk"
    assert a.certainty == "UNCERTAIN"  # weakest over the targets


def test_traffic_light_thresholds() -> None:
    r = track(CO2, as_of=2022)
    plan = plan_average_rate(CO2)

    def light(required, **kw):
        return traffic_light(dataclasses.replace(r, required_rate=required, **kw))[0]

    assert light(plan * 1.0) == "on_track"  # ρ = 1.0 is on track
    assert light(plan * 0.5) == "on_track"
    assert light(0.01) == "on_track"  # target already exceeded: ρ < 0
    assert light(plan * 1.0001) == "at_risk"
    assert light(plan * 1.5) == "at_risk"  # ρ = 1.5 still amber
    assert light(plan * 1.5001) == "off_track"
    assert light(None, achieved=-0.19, years_left=0) == "on_track"  # end of plan: judged on R
    assert light(None, achieved=-0.10, years_left=0) == "off_track"
    assert traffic_light(dataclasses.replace(r, last_year=None, used=()))[0] == "unknown"


def test_lmdi_section_is_owid_and_falls_back_to_latest_pair() -> None:
    a = assessment(2023)
    assert a.lmdi is not None and a.lmdi.basis == BASIS_OWID
    assert (a.lmdi.year_from, a.lmdi.year_to) == (2021, 2022)  # OWID GDP ends in 2022
    assert "not the official basis" in a.lmdi_note and "2023" in a.lmdi_note
    assert sum(e.effect for e in a.lmdi.effects) == pytest.approx(a.lmdi.delta, abs=1e-9)
    assert a.lmdi.effect("gdp_per_capita") == pytest.approx(347.00, abs=0.005)
    a21 = assessment(2021)
    assert (a21.lmdi.year_from, a21.lmdi.year_to) == (2020, 2021)


def test_owid_basis_never_enters_official_numbers(monkeypatch) -> None:
    orig = assessment(2023)
    before = orig.to_json()["targets"]
    rows = planning_data.owid_rows()
    scaled = tuple({**r, "co2": str(float(r["co2"]) * 2) if r["co2"] else ""} for r in rows)
    monkeypatch.setattr(planning_data, "owid_rows", lambda: scaled)
    a = assessment(2023)
    assert a.lmdi.end == pytest.approx(2 * orig.lmdi.end)  # the OWID section did change
    assert a.to_json()["targets"] == before  # ... the official sections did not
    for s in a.sections:
        assert s.tracking.basis == BASIS_OFFICIAL
        assert {ob.basis for ob in s.tracking.used} == {BASIS_OFFICIAL}
    for row in a.to_rows():
        if row["variable"].startswith("Tracking|"):
            assert row["scenario"] == BASIS_OFFICIAL
        if row["variable"].startswith(("LMDI|", "Emissions|")):
            assert row["scenario"] == BASIS_OWID
    assert assessment(2023, with_lmdi=False).to_json()["targets"] == before


def test_determinism_and_data_block() -> None:
    a, b = assessment(2023), assessment(2023)
    assert json.dumps(a.to_json(), sort_keys=True) == json.dumps(b.to_json(), sort_keys=True)
    assert render_markdown(a) == render_markdown(b)
    assert a.to_csv() == b.to_csv()
    rows = list(csv.DictReader(io.StringIO(a.to_csv())))
    assert tuple(rows[0]) == IAMC_COLUMNS
    cum = next(r for r in rows if r["variable"] == "Tracking|fyp14_co2_intensity|Cumulative change")
    assert (cum["year"], float(cum["value"])) == ("2023", pytest.approx(-4.5696))
    js = json.loads(json.dumps(a.to_json()))
    co2 = js["targets"][0]
    assert co2["traffic_light"] == "off_track" and co2["latest"]["year"] == 2023
    assert co2["achieved_pct"] == pytest.approx(-4.5696)
    assert js["thresholds"]["on_track_max_ratio"] == 1.0 and js["thresholds"]["at_risk_max_ratio"] == 1.5
    assert js["lmdi"]["basis"] == BASIS_OWID


def test_markdown_content() -> None:
    md = render_markdown(assessment(2022))
    assert "Cumulative change 2020→2022: -4.57 %" in md
    assert "-4.93 %/yr" in md
    assert "at risk (amber)" in md
    assert "OWID basis, not official" in md
    assert "thresholds chosen by dualcarbon, not an official rule" in md
    assert "```csv\nmodel,scenario,region,variable,unit,year,value\n" in md


def test_macc_cheapest_path() -> None:
    ms = [
        Measure("industrial motor upgrade", -144.2275, 1500),
        Measure("EV fleet substitution", -86.6173, 3000),
        Measure("cement waste-heat recovery", -49.8371, 30000),
        Measure("rooftop PV", 16.3501, 9000),
        Measure("coal-plant CCUS retrofit", 453.7044, 1000000),
    ]
    a = assessment(2023, measures=ms, gap_t=40000)
    assert a.portfolio is not None
    assert a.portfolio.total_cost == pytest.approx(-1_881_381, abs=1)
    assert a.portfolio.marginal_cost == pytest.approx(16.35, abs=0.005)
    assert a.to_json()["macc"]["gap_t"] == 40000
    assert "Cheapest path to close the gap" in render_markdown(a)
    assert any(r["scenario"] == "user_measures" for r in a.to_rows())


@pytest.mark.parametrize("year", [2020, 2026, 1999])
def test_bad_year_names_field(year) -> None:
    with pytest.raises(InputError) as ei:
        assessment(year)
    assert ei.value.column == "year"


def test_bad_macc_input() -> None:
    with pytest.raises(InputError) as ei:
        assessment(2023, measures=[Measure("a", 1.0, 10)], gap_t=-5)
    assert ei.value.column == "gap_t"
    with pytest.raises(InputError):
        assessment(2023, gap_t=10)


def test_observations_argument_is_used() -> None:
    obs = [
        o
        for o in official_observations()
        if not (o.indicator == "co2_intensity_change_pct" and o.year == 2022)
    ]
    s = _section(assessment(2023, observations=obs), "fyp14_co2_intensity")
    assert s.tracking.last_year == 2021 and s.tracking.missing_years == (2022, 2023)
