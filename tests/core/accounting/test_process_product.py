"""Process helpers and ISO 14067 allocation, against hand-derived values (exact fractions)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dualcarbon.accounting import CoProduct, product_footprints
from dualcarbon.accounting.process import (
    carbon_as_received,
    cement_clinker_factor,
    hot_water_heat_gj,
    recovered_co2_t,
    steam_heat_gj,
)
from dualcarbon.accounting.report import round_for_report
from dualcarbon.errors import InputError


def test_cement_clinker_factor():
    # NDRC cement guideline: (0.65 - 0.01) x 44/56 + (0.02 - 0) x 44/40 = 88/175 + 11/500 = 1837/3500
    assert cement_clinker_factor("0.65", "0.02", "0.01", "0") == Fraction(1837, 3500)
    with pytest.raises(InputError):
        cement_clinker_factor(0.5, 0.02, 0.6)
    with pytest.raises(InputError):
        cement_clinker_factor(1.2, 0.0)


def test_steam_and_hot_water():
    # steam: 100 t x (2800 - 83.74) kJ/kg / 1000 = 271.626 GJ
    assert steam_heat_gj(100, 2800) == Fraction("271.626")
    # hot water: 100 t x (80 - 20) x 4.1868 / 1000 = 25.1208 GJ
    assert hot_water_heat_gj(100, 80) == Fraction("25.1208")


def test_recovered_co2():
    # 10 x 10^4 Nm3 x 0.95 x 19.77 = 187.815 t
    assert recovered_co2_t(10, "0.95") == Fraction("187.815")


def test_carbon_as_received():
    # MEE power guideline: C_ar = C_ad x (100 - M_ar) / (100 - M_ad); 60 % x 90/98 = 2700/49 %
    assert carbon_as_received(60, 10, 2) == Fraction(2700, 49)
    with pytest.raises(InputError):
        carbon_as_received(60, 100, 2)


def test_mass_and_economic_allocation():
    products = [CoProduct("A", 600, "t", price=100), CoProduct("B", 400, "t", price=400)]
    mass = {p.name: p for p in product_footprints(1000, products, method="mass")}
    assert mass["A"].share == Fraction(3, 5) and mass["A"].allocated_tco2e == pytest.approx(600)
    assert mass["B"].tco2e_per_unit == pytest.approx(1.0)
    econ = {p.name: p for p in product_footprints(1000, products, method="economic")}
    # values 60 000 and 160 000: shares 3/11 and 8/11
    assert econ["A"].share == Fraction(3, 11) and econ["B"].share == Fraction(8, 11)
    assert econ["A"].tco2e_per_unit == pytest.approx(1000 * 3 / 11 / 600, rel=1e-15)
    assert sum(p.allocated_tco2e for p in econ.values()) == pytest.approx(1000, rel=1e-15)


def test_allocation_errors():
    with pytest.raises(InputError):
        product_footprints(1, [CoProduct("A", 1, "MWh")], method="mass")
    with pytest.raises(InputError):
        product_footprints(1, [CoProduct("A", 1)], method="economic")
    with pytest.raises(InputError):
        product_footprints(1, [CoProduct("A", 1)], method="energy")


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.675, "2.68"), (2.665, "2.67"), (-0.005, "-0.01"), (2162.1888089999998, "2162.19"), (None, "")],
)
def test_reporting_rounds_half_up(value, text):
    assert round_for_report(value) == text
