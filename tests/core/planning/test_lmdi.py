"""LMDI-I: the worked example of research/planning.md §3.1, a hand-computed case, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.errors import DataNotFound, InputError
from dualcarbon.planning.lmdi import decompose, kaya, kaya_owid, logmean


def test_worked_example_china_2005_2020_owid() -> None:
    d = kaya_owid("China", 2005, 2020)
    assert d.basis == "owid_gcb_maddison"
    assert d.weight == pytest.approx(8137.08, abs=0.01)
    # research/planning.md §3.1 table (rounded to 0.01 Mt; G/P is 7,708.715 → printed there as 7,708.72)
    assert d.effect("population") == pytest.approx(690.84, abs=0.01)
    assert d.effect("gdp_per_capita") == pytest.approx(7708.72, abs=0.011)
    assert d.effect("energy_intensity") == pytest.approx(-2868.53, abs=0.01)
    assert d.effect("carbon_intensity") == pytest.approx(-507.44, abs=0.01)
    assert d.delta == pytest.approx(5023.587, abs=1e-6)
    assert abs(d.residual) < 1e-6


def test_worked_example_china_2015_2022_owid() -> None:
    d = kaya_owid("China", 2015, 2022)
    expected = {
        "population": 218.1,
        "gdp_per_capita": 3886.6,
        "energy_intensity": -1598.8,
        "carbon_intensity": -1018.8,
    }
    for k, v in expected.items():
        assert d.effect(k) == pytest.approx(v, abs=0.06)  # §3.1 prints 0.1 Mt (218.047 → "218.1")
    assert d.delta == pytest.approx(1487.081, abs=1e-6)


def test_hand_computed_two_factors() -> None:
    # V = a·b: (2, 5) → (4, 5): V 10 → 20, L = 10/ln 2, effect_a = L·ln 2 = 10, effect_b = 0
    d = decompose({"a": 2.0, "b": 5.0}, {"a": 4.0, "b": 5.0})
    assert d.weight == pytest.approx(10 / math.log(2))
    assert d.effect("a") == pytest.approx(10.0)
    assert d.effect("b") == 0.0
    # (2, 5) → (4, 2.5): V unchanged, L(10, 10) = 10, effects ±10 ln 2
    d = decompose({"a": 2.0, "b": 5.0}, {"a": 4.0, "b": 2.5})
    assert d.weight == 10.0
    assert d.effect("a") == pytest.approx(10 * math.log(2))
    assert d.effect("b") == pytest.approx(-10 * math.log(2))
    assert d.effects[0].ratio_effect * d.effects[1].ratio_effect == pytest.approx(1.0)


def test_logmean() -> None:
    assert logmean(3.0, 3.0) == 3.0
    assert logmean(math.e, 1.0) == pytest.approx(math.e - 1)
    assert logmean(5.0, 0.0) == 0.0
    with pytest.raises(InputError):
        logmean(-1.0, 2.0)


def test_zero_value_limit() -> None:
    # carbon intensity falls to zero: the whole −C_0 goes to that factor (Ang & Liu 2007 limit)
    d = decompose({"p": 2.0, "c": 3.0}, {"p": 4.0, "c": 0.0})
    assert d.delta == -6.0
    assert d.effect("c") == -6.0
    assert d.effect("p") == 0.0
    assert sum(e.effect for e in d.effects) == pytest.approx(-6.0, abs=1e-12)
    assert decompose({"p": 2.0, "c": 0.0}, {"p": 4.0, "c": 3.0}).effect("c") == 12.0
    assert all(e.effect == 0 for e in decompose({"p": 2.0, "c": 0.0}, {"p": 4.0, "c": 0.0}).effects)
    with pytest.raises(InputError, match="more than one factor"):
        decompose({"p": 0.0, "c": 0.0}, {"p": 4.0, "c": 3.0})


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InputError, match="gdp"):
        kaya(100.0, 0.0, 5.0, 1.0)
    with pytest.raises(InputError, match="column 'gdp'"):
        kaya_owid("China", 2020, 2023)  # Maddison GDP ends in 2022
    with pytest.raises(DataNotFound, match="Mars"):
        kaya_owid("Mars", 2005, 2020)


pos = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(pos, pos), min_size=1, max_size=5))
def test_additivity_and_reversal(pairs: list[tuple[float, float]]) -> None:
    start = {f"x{i}": a for i, (a, _) in enumerate(pairs)}
    end = {f"x{i}": b for i, (_, b) in enumerate(pairs)}
    d = decompose(start, end)
    scale = max(abs(d.start), abs(d.end), 1.0)
    assert sum(e.effect for e in d.effects) == pytest.approx(d.delta, abs=1e-9 * scale)
    assert math.prod(e.ratio_effect for e in d.effects) == pytest.approx(d.end / d.start, rel=1e-9)
    back = decompose(end, start)
    for e, r in zip(d.effects, back.effects, strict=True):
        assert r.effect == pytest.approx(-e.effect, abs=1e-9 * scale)
