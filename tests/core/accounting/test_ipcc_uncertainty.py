"""IPCC 2006 default factors with their 95 % ranges (Vol.2 Tables 1.2, 1.4, 2.2) and what they do to
Approach 1 (Vol.1 Ch.3 Eq. 3.1/3.2) and Approach 2 (Monte Carlo) on default-factor results.

The bounds are transcribed facts (see the provenance sidecars): every shipped row keeps its version 1
(no uncertainty) and a row with bounds gets a version 2 with the same value, the bounds and
``supersedes="<id>@1"``.
"""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.accounting import account
from dualcarbon.accounting.records import rerun

FOLDER = files("dualcarbon.data") / "factors"
TABLES = ("ipcc2006_v2_t1_2_ncv", "ipcc2006_v2_t1_4_co2", "ipcc2006_v2_t2_2_ch4_n2o")

NG = {
    "ncv": "ipcc2006.v2.t1.2.natural_gas.ncv",
    "co2": "ipcc2006.v2.t1.4.natural_gas.co2",
    "ch4": "ipcc2006.v2.t2.2.natural_gas.ch4",
    "n2o": "ipcc2006.v2.t2.2.natural_gas.n2o",
}


def _rows(table):
    return list(csv.DictReader((FOLDER / f"{table}.csv").read_text(encoding="utf-8").splitlines()))


def _natural_gas(quantity=1000, uncertainty_pct=2.0, **extra):
    return [
        {
            "entity": "A",
            "period": "2022",
            "category": "combustion",
            "item": "natural_gas",
            "quantity": quantity,
            "unit": "t",
            "methodology": "IPCC2006-T1",
            "uncertainty_pct": uncertainty_pct,
            **extra,
        }
    ]


@pytest.mark.parametrize(
    ("ref", "low", "high", "low_pct", "high_pct"),
    [
        # Table 1.4 natural gas 56100 (54300-58300) kg/TJ: two transcriptions agree
        ("ipcc2006.v2.t1.4.natural_gas.co2@2", "54300", "58300", -3.208556, 3.921569),
        # Table 1.2 natural gas 48.0 (46.5-50.4) TJ/Gg: two transcriptions agree
        ("ipcc2006.v2.t1.2.natural_gas.ncv@2", "46.5", "50.4", -3.125, 5.0),
        # Table 1.4 gas/diesel oil 74100 (72600-74800) kg/TJ: two transcriptions agree
        ("ipcc2006.v2.t1.4.diesel.co2@2", "72600", "74800", -2.024291, 0.944669),
        # Table 1.2 lignite 11.9 (5.5-21.6) TJ/Gg: one transcription only
        ("ipcc2006.v2.t1.2.lignite.ncv@2", "5.5", "21.6", -53.781513, 81.512605),
        # Table 2.2 natural gas CH4 1 (0.3-3) kg/TJ: one transcription only
        ("ipcc2006.v2.t2.2.natural_gas.ch4@2", "0.3", "3", -70.0, 200.0),
        # Table 2.2 wood N2O 4 (1.5-15) kg/TJ: one transcription only
        ("ipcc2006.v2.t2.2.wood.n2o@2", "1.5", "15", -62.5, 275.0),
    ],
)
def test_transcribed_bounds(shipped_db, ref, low, high, low_pct, high_pct):
    rec = shipped_db.get(ref)
    assert rec.uncertainty is not None
    assert (rec.uncertainty.distribution, rec.uncertainty.low_pct, rec.uncertainty.high_pct) == (
        "lognormal",
        low_pct,
        high_pct,
    )
    # the percentages give back the published bounds (to 1e-8 of the bound: 6 decimals of a percent)
    value = Fraction(rec.value)
    for bound, pct in ((low, low_pct), (high, high_pct)):
        assert abs(value * (1 + Fraction(str(pct)) / 100) - Fraction(bound)) <= Fraction(bound) / 10**8
    assert f"95 % interval {low} to {high} {rec.unit}" in rec.note
    assert rec.status == "transcribed-unverified"


def test_version_1_is_kept_and_version_2_is_the_default(shipped_db):
    for fid in NG.values():
        v1, v2 = shipped_db.versions(fid)
        assert (v1.version, v1.uncertainty, v1.supersedes) == (1, None, "")
        assert (v2.version, v2.supersedes, v2.value) == (2, f"{fid}@1", v1.value)
        assert shipped_db.get(fid) is v2


@pytest.mark.parametrize("table", TABLES)
def test_every_bounded_row_says_how_well_it_is_sourced(table):
    """Each version-2 row repeats version 1's value, says whether two transcriptions agree or only
    one gives the bounds, and matches the row lists of the provenance sidecar."""
    rows = _rows(table)
    v1 = {r["id"]: r for r in rows if r["version"] == "1"}
    v2 = [r for r in rows if r["version"] == "2"]
    assert v2, table
    two, one = set(), set()
    for r in v2:
        base = v1[r["id"]]
        assert r["supersedes"] == f"{r['id']}@1"
        assert r["value"] == base["value"] and r["unit"] == base["unit"]
        assert r["status"] == "transcribed-unverified"
        assert r["uncertainty_distribution"] == "lognormal"
        assert float(r["uncertainty_low_pct"]) < 0 < float(r["uncertainty_high_pct"])
        if "bounds agree in two public transcriptions" in r["note"]:
            two.add(r["item"])
        else:
            assert "bounds from one public transcription only" in r["note"], r["id"]
            one.add(r["item"])
    assert all(not r["uncertainty_distribution"] for r in v1.values())
    listed = json.loads((FOLDER / f"{table}.provenance.json").read_text(encoding="utf-8"))["uncertainty"][
        "rows"
    ]
    assert two == set(listed["two_transcriptions"])
    assert one == {item for items in listed["one_transcription"].values() for item in items}
    assert not ({r["item"] for r in v2} & set(listed["no_bounds"]))


def test_natural_gas_line_approach1_by_hand():
    """1000 t of natural gas, IPCC Tier 1, AR5, activity data +/-2 %.

    Half-widths U = (high - low) / 2 of the 95 % ranges (percent of the default):
      NCV 48.0 (46.5-50.4) TJ/Gg:        (5 + 3.125) / 2             = 4.0625
      CO2 56100 (54300-58300) kg/TJ:      (3.921569 + 3.208556) / 2   = 3.5650625
      CH4 1 (0.3-3), N2O 0.1 (0.03-0.3):  (200 + 70) / 2              = 135
    tCO2e per t: CO2 0.048 TJ x 56.1 t/TJ = 2.6928; CH4 0.048 x 0.001 x 28 = 0.001344;
    N2O 0.048 x 0.0001 x 265 = 0.001272; sum 2.695416.
    The NCV multiplies all three gases (Eq. 3.1 once); the three EFs are added by Eq. 3.2:
      U_EF = sqrt((2.6928 x 3.5650625)^2 + (0.001344 x 135)^2 + (0.001272 x 135)^2) / 2.695416
      U    = sqrt(2^2 + 4.0625^2 + U_EF^2)                                     (Eq. 3.1)
    """
    u_ncv = (5 + 3.125) / 2
    u_co2 = (3.921569 + 3.208556) / 2
    u_ch4 = u_n2o = (200 + 70) / 2
    w = {"CO2": 0.048 * 56.1, "CH4": 0.048 * 0.001 * 28, "N2O": 0.048 * 0.0001 * 265}
    u_ef = math.sqrt((w["CO2"] * u_co2) ** 2 + (w["CH4"] * u_ch4) ** 2 + (w["N2O"] * u_n2o) ** 2) / sum(
        w.values()
    )
    expected = math.sqrt(2**2 + u_ncv**2 + u_ef**2)
    assert expected == pytest.approx(5.76173, abs=1e-5)

    res = account(_natural_gas(), gwp="AR5")
    e = res.entities["A"]
    assert e["total_tco2e"] == pytest.approx(1000 * sum(w.values()), rel=1e-12)
    assert e["uncertainty_pct"] == pytest.approx(expected, rel=1e-9)
    assert e["uncertainty_complete"] is True
    assert res.lines["uncertainty_pct"][0] == pytest.approx(expected, rel=1e-9)
    assert res.lines["uncertainty_complete"][0] is True
    assert {f"{fid}@2" for fid in NG.values()} <= set(res.record.factor_refs)
    assert not any("Approach 1 is not valid" in n for n in res.notes)
    # CO2 dominates: the plain Eq. 3.1 over AD x NCV x EF(CO2) is within 0.01 percentage points
    assert e["uncertainty_pct"] == pytest.approx(math.sqrt(2**2 + u_ncv**2 + u_co2**2), abs=0.01)


def test_without_activity_uncertainty_the_result_is_partial_again():
    res = account(_natural_gas(uncertainty_pct=None))
    assert res.entities["A"]["uncertainty_complete"] is False


def test_records_pinned_to_version_1_rerun_unchanged(shipped_db):
    """A calculation stored before the bounds existed pinned version 1: it re-runs to the same numbers
    (no uncertainty, partial), while a new calculation uses version 2 with the same total."""
    pins = dict.fromkeys(NG.values(), 1)
    old = account(_natural_gas(), db=shipped_db, pins=pins)
    assert {f"{fid}@1" for fid in NG.values()} <= set(old.record.factor_refs)
    assert old.entities["A"]["uncertainty_complete"] is False
    assert old.entities["A"]["uncertainty_pct"] == pytest.approx(2.0, rel=1e-12)  # activity only
    again = rerun(old.record, shipped_db)
    assert again.record.factor_refs == old.record.factor_refs
    assert again.entities["A"]["uncertainty_pct"] == old.entities["A"]["uncertainty_pct"]
    new = account(_natural_gas(), db=shipped_db)
    assert new.total_tco2e == old.total_tco2e
    assert new.entities["A"]["uncertainty_complete"] is True


def test_monte_carlo_on_default_factors():
    rows = _natural_gas()
    a = account(rows, monte_carlo=20000, seed=7)
    b = account(rows, monte_carlo=20000, seed=7)
    assert a.monte_carlo == b.monte_carlo
    mc = a.entities["A"]["monte_carlo"]
    total = a.total_tco2e
    assert mc["p2_5"] < total < mc["p97_5"]
    # the lognormals fitted to the asymmetric ranges are not centred on the defaults (their medians are
    # 1.0029 x the CO2 factor and 1.0085 x the NCV), so the mean sits about 1 % above the default total
    assert mc["mean"] == pytest.approx(total, rel=0.03)
    assert mc["uncertainty_pct"] == pytest.approx(a.entities["A"]["uncertainty_pct"], rel=0.15)


def test_wood_is_dominated_by_wide_ch4_n2o_ranges():
    """Biogenic CO2 weighs 0, so a wood line's CO2e is CH4 and N2O, whose Table 2.2 ranges span a factor
    of ten: Approach 1 is then outside its validity range and the result says so."""
    res = account(
        [
            {
                "entity": "A",
                "period": "2022",
                "category": "combustion",
                "item": "wood",
                "quantity": 100,
                "unit": "t",
                "methodology": "IPCC2006-T1",
                "uncertainty_pct": 5,
            }
        ]
    )
    assert res.entities["A"]["uncertainty_complete"] is True
    assert res.entities["A"]["uncertainty_pct"] > 60
    assert any("Approach 1 is not valid" in n for n in res.notes)


@settings(max_examples=25, deadline=None)
@given(
    quantity=st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False),
    u_ad=st.floats(min_value=0.0, max_value=50.0, allow_nan=False, allow_infinity=False),
)
def test_activity_and_factor_uncertainty_combine_by_eq_3_1(quantity, u_ad):
    """For any quantity and activity uncertainty: U^2 = U_AD^2 + U_factors^2 (Eq. 3.1), where U_factors
    is the same for every quantity, and the result is complete."""
    factors_only = account(_natural_gas(quantity=1, uncertainty_pct=0.0)).entities["A"]["uncertainty_pct"]
    e = account(_natural_gas(quantity=quantity, uncertainty_pct=u_ad)).entities["A"]
    assert e["uncertainty_pct"] == pytest.approx(math.sqrt(u_ad**2 + factors_only**2), rel=1e-9)
    assert e["uncertainty_pct"] >= max(u_ad, factors_only) - 1e-9
    assert e["uncertainty_complete"] is True
