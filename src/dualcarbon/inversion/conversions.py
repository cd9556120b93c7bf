"""Unit conversions between mixing ratio, mass concentration, column enhancement and mass.

Mass concentration and dry mole fraction (ideal gas; Seinfeld & Pandis 2016, sect. 1.5)::

    X [mol/mol] = c [kg/m3] / M_gas [kg/mol] * R T / p
    1 ppm = 1e-6 mol/mol;  1 ug/m3 of CO2 at 298.15 K and 101325 Pa = 5.559e-4 ppm

Column-averaged dry-air mole fraction (XCO2, XCH4) and mass column: the dry-air column above a
surface at pressure ``p_s`` is ``N_air = p_s / (g M_air)`` mol/m2 in hydrostatic balance (water
vapour neglected, ``g`` constant; the error is a few tenths of a percent), so an enhancement
``dX`` carries a mass column (Varon et al. 2018, eq. 1 and sect. 2)::

    dOmega [kg/m2] = dX [mol/mol] * p_s / (g M_air) * M_gas
    1 ppb of XCH4 at 101325 Pa = 5.72e-6 kg/m2;  1 ppm of XCO2 = 1.57e-2 kg/m2

Emission rates: ``1 t/yr = 1e6 g / SECONDS_PER_YEAR`` with a year of 365.25 days (Julian year),
so ``1 t/yr = 0.031688 g/s``.

Constants and their sources
---------------------------
======================  =================  ==============================================================
constant                value              source
======================  =================  ==============================================================
R                       8.314462618 J/mol/K  CODATA 2018 (exact, SI 2019)
g0                      9.80665 m/s2        standard acceleration of gravity (3rd CGPM, 1901)
p0                      101325 Pa           standard atmosphere
M(dry air)              28.9644 g/mol       U.S. Standard Atmosphere 1976 (NOAA/NASA/USAF), table 3
M(CO2)                  44.0095 g/mol       NIST Chemistry WebBook, SRD 69
M(CH4)                  16.0425 g/mol       NIST Chemistry WebBook, SRD 69
M(N2O)                  44.0128 g/mol       NIST Chemistry WebBook, SRD 69
M(CO)                   28.0101 g/mol       NIST Chemistry WebBook, SRD 69
======================  =================  ==============================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dualcarbon.errors import UnitError

__all__ = [
    "GAS_CONSTANT_J_MOL_K",
    "MOLAR_MASS_G_MOL",
    "MOLE_FRACTION_UNITS",
    "SECONDS_PER_YEAR",
    "STANDARD_GRAVITY_M_S2",
    "column_mass_kg_m2",
    "column_mixing_ratio",
    "dry_air_column_mol_m2",
    "emission_g_s",
    "emission_t_yr",
    "mass_concentration_ug_m3",
    "mixing_ratio",
]

GAS_CONSTANT_J_MOL_K = 8.314462618
STANDARD_GRAVITY_M_S2 = 9.80665
STANDARD_PRESSURE_PA = 101325.0
STANDARD_TEMPERATURE_K = 298.15
SECONDS_PER_YEAR = 365.25 * 86400.0

#: Molar masses (g/mol); see the module docstring for sources.
MOLAR_MASS_G_MOL: dict[str, float] = {
    "air": 28.9644,
    "CO2": 44.0095,
    "CH4": 16.0425,
    "N2O": 44.0128,
    "CO": 28.0101,
}

#: Mole-fraction units and their size in mol/mol.
MOLE_FRACTION_UNITS: dict[str, float] = {"mol/mol": 1.0, "ppm": 1e-6, "ppb": 1e-9}


def _molar_mass_kg_mol(gas: str) -> float:
    try:
        return MOLAR_MASS_G_MOL[gas] / 1000.0
    except KeyError:
        raise UnitError(
            f"no molar mass for gas {gas!r}; known: {', '.join(sorted(MOLAR_MASS_G_MOL))}",
            column="gas",
            value=gas,
        ) from None


def _fraction(unit: str) -> float:
    try:
        return MOLE_FRACTION_UNITS[unit]
    except KeyError:
        raise UnitError(
            f"unknown mole-fraction unit {unit!r}; use one of {', '.join(MOLE_FRACTION_UNITS)}",
            column="unit",
            value=unit,
        ) from None


def mixing_ratio(
    concentration_ug_m3: Any,
    *,
    gas: str = "CO2",
    unit: str = "ppm",
    temperature_k: Any = STANDARD_TEMPERATURE_K,
    pressure_pa: Any = STANDARD_PRESSURE_PA,
) -> Any:
    """Dry mole fraction (in ``unit``) of a mass concentration in µg/m³.

    Examples
    --------
    >>> round(float(mixing_ratio(1798.8, gas="CO2")), 4)   # ~1.8 mg/m3 of CO2 is 1 ppm at 25 C
    1.0
    """
    c_kg_m3 = np.asarray(concentration_ug_m3, dtype=np.float64) * 1e-9
    x = (
        c_kg_m3
        / _molar_mass_kg_mol(gas)
        * GAS_CONSTANT_J_MOL_K
        * np.asarray(temperature_k)
        / np.asarray(pressure_pa)
    )
    return x / _fraction(unit)


def mass_concentration_ug_m3(
    value: Any,
    *,
    gas: str = "CO2",
    unit: str = "ppm",
    temperature_k: Any = STANDARD_TEMPERATURE_K,
    pressure_pa: Any = STANDARD_PRESSURE_PA,
) -> Any:
    """Mass concentration (µg/m³) of a dry mole fraction given in ``unit``; inverse of :func:`mixing_ratio`."""
    x = np.asarray(value, dtype=np.float64) * _fraction(unit)
    c_kg_m3 = (
        x
        * _molar_mass_kg_mol(gas)
        * np.asarray(pressure_pa)
        / (GAS_CONSTANT_J_MOL_K * np.asarray(temperature_k))
    )
    return c_kg_m3 * 1e9


def dry_air_column_mol_m2(surface_pressure_pa: Any = STANDARD_PRESSURE_PA) -> Any:
    """Dry-air column ``p_s / (g M_air)`` in mol/m² (3.567e5 mol/m² at 101325 Pa)."""
    return np.asarray(surface_pressure_pa, dtype=np.float64) / (
        STANDARD_GRAVITY_M_S2 * MOLAR_MASS_G_MOL["air"] / 1000.0
    )


def column_mass_kg_m2(
    enhancement: Any, *, gas: str = "CO2", unit: str = "ppm", surface_pressure_pa: Any = STANDARD_PRESSURE_PA
) -> Any:
    """Mass column (kg/m²) of a column-averaged mole-fraction enhancement (XCO2, XCH4) in ``unit``.

    Examples
    --------
    >>> round(float(column_mass_kg_m2(1.0, gas="CH4", unit="ppb")) * 1e6, 2)   # kg/m2 per ppb, x 1e6
    5.72
    """
    x = np.asarray(enhancement, dtype=np.float64) * _fraction(unit)
    return x * dry_air_column_mol_m2(surface_pressure_pa) * _molar_mass_kg_mol(gas)


def column_mixing_ratio(
    mass_kg_m2: Any, *, gas: str = "CO2", unit: str = "ppm", surface_pressure_pa: Any = STANDARD_PRESSURE_PA
) -> Any:
    """Column-averaged mole-fraction enhancement (in ``unit``) of a mass column in kg/m²."""
    x = np.asarray(mass_kg_m2, dtype=np.float64) / (
        dry_air_column_mol_m2(surface_pressure_pa) * _molar_mass_kg_mol(gas)
    )
    return x / _fraction(unit)


def emission_g_s(emission_t_yr: Any) -> Any:
    """Mean emission rate in g/s of an annual total in t/yr (365.25-day year)."""
    return np.asarray(emission_t_yr, dtype=np.float64) * 1e6 / SECONDS_PER_YEAR


def emission_t_yr(emission_g_s: Any) -> Any:
    """Annual total in t/yr of a mean emission rate in g/s (365.25-day year)."""
    return np.asarray(emission_g_s, dtype=np.float64) * SECONDS_PER_YEAR / 1e6
