"""Roll-ups: facility -> enterprise -> park -> city/province -> industry, with internal transfers
eliminated; additivity as a hypothesis property."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.accounting import ActivityDataError, account, ranking, rollup
from dualcarbon.errors import InputError

HIERARCHY = {
    "plant": {"enterprise": "GenCo", "park": "P1", "city": "苏州", "province": "江苏", "industry": "D44"},
    "mill": {"enterprise": "SteelCo", "park": "P1", "city": "苏州", "province": "江苏", "industry": "C31"},
    "shop": {"enterprise": "SteelCo", "park": "P2", "city": "无锡", "province": "江苏", "industry": "C31"},
}


def _lines():
    rows = [
        # the captive plant burns gas and sells 1000 MWh to the mill in the same park
        {
            "entity": "plant",
            "category": "combustion",
            "item": "natural_gas",
            "quantity": 100,
            "unit": "10^4 Nm3",
        },
        {
            "entity": "plant",
            "category": "exported_electricity",
            "item": "grid",
            "quantity": 1000,
            "unit": "MWh",
            "region": "江苏",
            "counterparty": "mill",
        },
        {
            "entity": "mill",
            "category": "purchased_electricity",
            "item": "grid",
            "quantity": 1000,
            "unit": "MWh",
            "region": "江苏",
            "counterparty": "plant",
        },
        {"entity": "mill", "category": "process", "item": "limestone", "quantity": 100, "unit": "t"},
        # the shop (another park) buys from the grid and from the plant across the park boundary
        {
            "entity": "shop",
            "category": "purchased_electricity",
            "item": "grid",
            "quantity": 500,
            "unit": "MWh",
            "region": "江苏",
        },
    ]
    return account([{**r, "period": "2022"} for r in rows]).lines


def test_internal_transfer_is_eliminated_inside_the_park():
    lines = _lines()
    park = {r["unit"]: r for r in rollup(lines, HIERARCHY, "park").iter_rows(named=True)}
    gas = 2162.188809
    # the plant's export (-597.8) and the mill's purchase (+597.8) are both internal to P1
    assert park["P1"]["total_tco2e"] == pytest.approx(gas + 44, rel=1e-12)
    assert park["P1"]["eliminated_tco2e"] == pytest.approx(0.0, abs=1e-9)
    assert park["P1"]["scope2_tco2e"] == pytest.approx(0.0, abs=1e-9)
    assert park["P2"]["total_tco2e"] == pytest.approx(500 * 0.5978, rel=1e-12)


def test_transfer_between_enterprises_is_kept_at_enterprise_level():
    ent = {r["unit"]: r for r in rollup(_lines(), HIERARCHY, "enterprise").iter_rows(named=True)}
    assert ent["GenCo"]["total_tco2e"] == pytest.approx(2162.188809 - 597.8, rel=1e-12)
    assert ent["SteelCo"]["total_tco2e"] == pytest.approx(597.8 + 44 + 298.9, rel=1e-12)
    assert ent["SteelCo"]["eliminated_tco2e"] == 0


def test_province_and_ranking():
    prov = rollup(_lines(), HIERARCHY, "province")
    assert prov["unit"].to_list() == ["江苏"]
    assert prov["total_tco2e"][0] == pytest.approx(2162.188809 + 44 + 298.9, rel=1e-12)
    ranked = ranking(rollup(_lines(), HIERARCHY, "facility"), top=2)
    assert ranked["rank"].to_list() == [1, 2] and ranked["unit"][0] == "plant"


def test_errors():
    lines = _lines()
    with pytest.raises(InputError, match="unknown level"):
        rollup(lines, HIERARCHY, "galaxy")
    with pytest.raises(InputError, match="hierarchy"):
        rollup(lines, None, "park")
    with pytest.raises(ActivityDataError):
        rollup(lines, {"plant": HIERARCHY["plant"]}, "park")


# -- additivity (hypothesis) ------------------------------------------------------------------------
entities = [f"e{i}" for i in range(6)]
line = st.fixed_dictionaries(
    {
        "entity": st.sampled_from(entities),
        "category": st.sampled_from(
            ["purchased_electricity", "exported_electricity", "combustion", "process"]
        ),
        "tco2e": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
        "counterparty": st.one_of(st.none(), st.sampled_from(entities)),
    }
)
hierarchy = st.fixed_dictionaries(
    {
        e: st.fixed_dictionaries(
            {
                "enterprise": st.sampled_from("ABC"),
                "park": st.sampled_from("PQ"),
                "city": st.sampled_from("XY"),
                "province": st.just("Z"),
                "industry": st.sampled_from("IJ"),
            }
        )
        for e in entities
    }
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(line, min_size=1, max_size=30),
    hierarchy,
    st.sampled_from(["facility", "enterprise", "park", "city", "province", "industry"]),
)
def test_rollup_is_additive(rows, h, level):
    lines = pl.DataFrame(
        rows,
        schema={"entity": pl.String, "category": pl.String, "tco2e": pl.Float64, "counterparty": pl.String},
    )
    out = rollup(lines, h, level)
    facility_total = sum(r["tco2e"] for r in rows)
    assert (out["total_tco2e"].sum() + out["eliminated_tco2e"].sum()) == pytest.approx(
        facility_total, abs=1e-6
    )
    assert out["entities"].sum() == len({r["entity"] for r in rows})
    if all(r["counterparty"] is None for r in rows):
        assert out["total_tco2e"].sum() == pytest.approx(facility_total, abs=1e-6)
