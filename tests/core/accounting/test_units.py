"""Units: the closed table, exact conversions and round trips (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.accounting.units import _TABLE, conversion_factor, parse_ratio, parse_unit
from dualcarbon.errors import UnitError

SPELLINGS = sorted(_TABLE)


@pytest.mark.parametrize(
    ("text", "dimension", "scale"),
    [
        ("t", "mass", Fraction(1)),
        ("kg", "mass", Fraction(1, 1000)),
        ("万吨", "mass", Fraction(10_000)),
        ("10^4 Nm3", "gas_volume", Fraction(10_000)),
        ("万Nm3", "gas_volume", Fraction(10_000)),
        ("1e4 Nm³", "gas_volume", Fraction(10_000)),
        ("Nm3", "gas_volume", Fraction(1)),
        ("L", "volume", Fraction(1, 1000)),
        ("m3", "volume", Fraction(1)),
        ("MWh", "energy", Fraction(36, 10)),
        ("kWh", "energy", Fraction(36, 10_000)),
        ("万kWh", "energy", Fraction(36)),
        ("千瓦时", "energy", Fraction(36, 10_000)),
        ("TJ", "energy", Fraction(1000)),
        ("GJ", "energy", Fraction(1)),
        ("tce", "energy_tce", Fraction(1)),
        ("万吨标准煤", "energy_tce", Fraction(10_000)),
        ("%", "fraction", Fraction(1, 100)),
    ],
)
def test_parse_unit(text, dimension, scale):
    u = parse_unit(text)
    assert (u.dimension, u.scale) == (dimension, scale)


def test_substances_after_mass_units():
    assert parse_unit("tCO2").substance == "CO2"
    assert parse_unit("kg CF4").substance == "CF4"
    assert parse_unit("tC").substance == "C"
    assert parse_unit("kgHFC134a").substance == "HFC-134a"
    assert parse_unit("tCO2e").substance == "CO2e"


def test_ratios():
    r = parse_ratio("kgCO2/kWh")
    assert r.scale == Fraction(1, 1000) / Fraction(36, 10_000)  # t per GJ
    assert parse_ratio("tCO2/MWh").scale == Fraction(10, 36)
    assert parse_ratio("TJ/Gg").scale == 1  # GJ per t
    assert parse_ratio("GJ/10^4 Nm3").denominator.scale == 10_000
    assert parse_ratio("1").numerator.dimension == "fraction"


@pytest.mark.parametrize("bad", ["furlongs", "t/", "kWh/hour", "", "10^4 bananas", "kgXYZ"])
def test_unknown_units_raise(bad):
    with pytest.raises(UnitError):
        parse_ratio(bad) if "/" in bad else parse_unit(bad)


def test_conversion_needs_same_dimension():
    with pytest.raises(UnitError, match="cannot convert"):
        conversion_factor("t", "MWh")


same_dimension_pairs = st.sampled_from(SPELLINGS).flatmap(
    lambda a: st.tuples(st.just(a), st.sampled_from([b for b in SPELLINGS if _TABLE[b][0] == _TABLE[a][0]]))
)


@given(same_dimension_pairs, st.fractions(min_value=0, max_value=10**9, max_denominator=10**6))
def test_round_trip_is_exact(pair, x):
    a, b = pair
    there = x * conversion_factor(a, b)
    assert there * conversion_factor(b, a) == x


@given(same_dimension_pairs, st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_round_trip_in_floats_is_close(pair, x):
    a, b = pair
    back = x * float(conversion_factor(a, b)) * float(conversion_factor(b, a))
    assert back == pytest.approx(x, rel=1e-14, abs=1e-300)


@given(st.sampled_from(SPELLINGS))
def test_parse_is_cached_and_stable(text):
    assert parse_unit(text) is parse_unit(text)
