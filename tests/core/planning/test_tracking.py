"""Target tracking: values from research/planning.md §3.3."""

from __future__ import annotations

import pytest

from dualcarbon.errors import InputError
from dualcarbon.planning.data import Observation, official_observations, worst_certainty
from dualcarbon.planning.tracking import (
    TARGETS,
    chained_change,
    on_track_pace,
    required_annual_rate,
    select_rates,
    track,
)

CO2 = TARGETS[0]
ENERGY = TARGETS[1]


def test_worked_example_fyp14_co2_intensity_as_of_2022() -> None:
    r = track(CO2, as_of=2022)
    assert [ob.year for ob in r.used] == [2021, 2022]
    assert r.achieved == pytest.approx(-0.045696, abs=1e-9)  # 0.962 × 0.992 − 1 = −4.57 %
    assert r.required_rate == pytest.approx(-0.0493, abs=5e-5)  # −4.93 %/yr over 2023–2025
    assert r.pace == pytest.approx(-0.0763, abs=5e-5)  # geometric on-track pace by 2022
    assert r.on_track is False
    assert r.years_left == 3
    assert set(r.statuses) == {"communique preliminary"}


def test_certainty_is_the_weakest_input() -> None:
    r = track(CO2, as_of=2022)
    flags = {ob.certainty for ob in r.used}
    assert flags == {"secondary_reprint", "news_report"}
    assert r.certainty == worst_certainty(flags) == "secondary_reprint"


def test_full_series_carries_uncertain_2023_and_lists_missing_years() -> None:
    r = track(CO2)
    assert r.last_year == 2023
    assert r.certainty == "UNCERTAIN"  # 2023 'remained flat' is a journalistic characterisation
    assert r.missing_years == (2024, 2025)  # 2024 has only a target, never used as outturn
    assert r.achieved == pytest.approx(0.962 * 0.992 - 1, abs=1e-12)
    assert r.required_rate == pytest.approx((0.82 / (0.962 * 0.992)) ** 0.5 - 1, abs=1e-12)


def test_energy_intensity_chain_stops_at_first_gap_and_shows_ndrc_statement() -> None:
    r = track(ENERGY)
    assert [ob.value for ob in r.used] == [-2.7, -0.1]
    assert r.missing_years == (2023, 2024, 2025)
    assert r.achieved == pytest.approx(0.973 * 0.999 - 1, abs=1e-12)
    assert [s.value for s in r.statements] == [-11.6]  # other vintage: shown, never chained


def test_superseded_vintage_is_not_used() -> None:
    rates = select_rates(official_observations(), "energy_intensity_change_pct")
    assert rates[2006].value == -2.74 and rates[2007].value == -5.04 and rates[2008].value == -5.20


def test_other_basis_is_refused() -> None:
    ob = Observation(
        2021, "co2_intensity_change_pct", -1.0, "%", "x", "news_report", "", "", basis="owid_gcb_maddison"
    )
    with pytest.raises(InputError, match="nbs_official"):
        select_rates([ob], "co2_intensity_change_pct")


def test_formulas() -> None:
    assert chained_change([-3.8, -0.8]) == pytest.approx(-0.045696)
    assert on_track_pace(-0.18, 5, 5) == pytest.approx(-0.18)
    # "more than 65 % below 2005 by 2030" from I_2020 = 0.515 I_2005: −3.79 %/yr (§3.3)
    assert required_annual_rate(-0.65, -0.485, 10) == pytest.approx(-0.0379, abs=5e-5)
    with pytest.raises(InputError):
        required_annual_rate(-0.18, -0.1, 0)


def test_to_dict_has_certainty_and_observations() -> None:
    d = track(CO2, as_of=2022).to_dict()
    assert d["achieved_pct"] == pytest.approx(-4.5696)
    assert d["certainty"] == "secondary_reprint"
    assert d["basis"] == "nbs_official"
    assert [o["year"] for o in d["observations"]] == [2021, 2022]
