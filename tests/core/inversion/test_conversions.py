"""Unit conversions: known values worked by hand and round trips."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.errors import UnitError
from dualcarbon.inversion import (
    column_mass_kg_m2,
    column_mixing_ratio,
    emission_g_s,
    emission_t_yr,
    mass_concentration_ug_m3,
    mixing_ratio,
)
from dualcarbon.inversion.conversions import dry_air_column_mol_m2


def test_one_ppm_co2_at_25c_is_about_1_8_mg_m3() -> None:
    # 1e-6 mol/mol * p / (R T) * M = 1e-6 * 101325 / (8.314462618 * 298.15) * 44.0095 g/m3
    expected_ug = 1e-6 * 101325 / (8.314462618 * 298.15) * 44.0095 * 1e6
    assert float(mass_concentration_ug_m3(1.0, gas="CO2", unit="ppm")) == pytest.approx(
        expected_ug, rel=1e-12
    )
    assert expected_ug == pytest.approx(1798.8, abs=0.1)


def test_mixing_ratio_round_trip_and_temperature_dependence() -> None:
    c = np.array([10.0, 500.0, 2000.0])
    for gas in ("CO2", "CH4", "N2O", "CO"):
        for unit in ("ppm", "ppb", "mol/mol"):
            x = mixing_ratio(c, gas=gas, unit=unit, temperature_k=280.0, pressure_pa=90000.0)
            back = mass_concentration_ug_m3(x, gas=gas, unit=unit, temperature_k=280.0, pressure_pa=90000.0)
            np.testing.assert_allclose(back, c, rtol=1e-13)
    warm = mixing_ratio(100.0, temperature_k=310.0)
    cold = mixing_ratio(100.0, temperature_k=270.0)
    assert warm / cold == pytest.approx(310.0 / 270.0)


def test_column_conversions() -> None:
    n_air = 101325 / (9.80665 * 0.0289644)
    assert float(dry_air_column_mol_m2()) == pytest.approx(n_air, rel=1e-12)
    assert n_air == pytest.approx(3.567e5, rel=1e-3)
    # 1 ppb XCH4 -> 5.72e-6 kg/m2 (Varon et al. 2018 use the same relation)
    assert float(column_mass_kg_m2(1.0, gas="CH4", unit="ppb")) == pytest.approx(n_air * 1e-9 * 0.0160425)
    assert float(column_mass_kg_m2(1.0, gas="CH4", unit="ppb")) == pytest.approx(5.72e-6, rel=2e-3)
    omega = column_mass_kg_m2([0.5, 2.0], gas="CO2", unit="ppm", surface_pressure_pa=95000.0)
    np.testing.assert_allclose(
        column_mixing_ratio(omega, gas="CO2", unit="ppm", surface_pressure_pa=95000.0), [0.5, 2.0], rtol=1e-13
    )


def test_emission_rates() -> None:
    assert float(emission_g_s(1.0)) == pytest.approx(1e6 / (365.25 * 86400))
    assert float(emission_g_s(1.0)) == pytest.approx(0.031688, rel=1e-4)
    assert float(emission_t_yr(emission_g_s(123.4))) == pytest.approx(123.4)


def test_unknown_gas_or_unit() -> None:
    with pytest.raises(UnitError, match="SF6"):
        mixing_ratio(1.0, gas="SF6")
    with pytest.raises(UnitError, match="ppt"):
        column_mass_kg_m2(1.0, unit="ppt")
