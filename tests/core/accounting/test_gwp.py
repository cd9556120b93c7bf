"""GWP100 sets and gas names."""

from __future__ import annotations

import pytest

from dualcarbon.accounting.gwp import GWP_SETS, canonical_gas, gwp_record, gwp_weight
from dualcarbon.errors import DataNotFound, InputError


@pytest.mark.parametrize(
    ("gwp_set", "gas", "value"),
    [
        ("SAR", "CH4", 21),
        ("SAR", "N2O", 310),
        ("SAR", "SF6", 23900),
        ("AR4", "CH4", 25),
        ("AR4", "N2O", 298),
        ("AR4", "HFC-134a", 1430),
        ("AR4", "NF3", 17200),
        ("AR5", "CH4", 28),
        ("AR5", "N2O", 265),
        ("AR5", "SF6", 23500),
        ("AR5", "CF4", 6630),
        ("AR6", "CH4", 27.9),
        ("AR6", "N2O", 273),
        ("AR6", "SF6", 25200),
        ("AR6", "C2F6", 12400),
        ("AR6", "CH4_fossil", 29.8),
        ("AR6", "CH4_nonfossil", 27.0),
        ("AR6", "HFC-23", 14600),
    ],
)
def test_values(gwp_set, gas, value, shipped_db):
    assert gwp_record(gwp_set, gas, shipped_db).float_value == value


def test_unverified_ar6_methane_split_is_marked(shipped_db):
    assert gwp_record("AR6", "CH4_fossil", shipped_db).status == "transcribed-unverified"
    assert gwp_record("AR6", "CH4", shipped_db).status == "official"


def test_fossil_methane_falls_back_to_the_single_value_before_ar6(shipped_db):
    assert gwp_record("AR5", "CH4_fossil", shipped_db).ref == "gwp.ar5.ch4@1"


def test_memo_and_co2e(shipped_db):
    assert gwp_weight("AR5", "CO2_biogenic", shipped_db) == (0.0, None)
    assert gwp_weight("AR5", "CO2e", shipped_db) == (1.0, None)


def test_missing_value_raises(shipped_db):
    with pytest.raises(DataNotFound, match="NF3"):
        gwp_record("SAR", "NF3", shipped_db)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("hfc134a", "HFC-134a"),
        ("HFC 32", "HFC-32"),
        ("甲烷", "CH4"),
        ("sf6", "SF6"),
        ("PFC-14", "CF4"),
        ("ch4-fossil", "CH4_fossil"),
    ],
)
def test_canonical_gas(raw, canonical):
    assert canonical_gas(raw) == canonical


def test_unknown_gas_and_set():
    with pytest.raises(InputError):
        canonical_gas("unobtainium")
    with pytest.raises(InputError, match="GWP set"):
        gwp_record("AR7", "CH4", None)  # type: ignore[arg-type]
    assert GWP_SETS == ("SAR", "AR4", "AR5", "AR6")
