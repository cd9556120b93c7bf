"""Process-emission helpers whose results go into a line's ``factor`` or ``quantity`` column.

All arithmetic is exact (:class:`~fractions.Fraction` from the decimal text of each input); convert to
float only when the value leaves this module.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from dualcarbon.accounting.methodologies import CAO_TO_CO2, MGO_TO_CO2
from dualcarbon.errors import InputError

__all__ = [
    "carbon_as_received",
    "cement_clinker_factor",
    "hot_water_heat_gj",
    "recovered_co2_t",
    "steam_heat_gj",
]

Number = int | float | str | Decimal | Fraction


def _exact(x: Number, name: str) -> Fraction:
    try:
        return x if isinstance(x, Fraction) else Fraction(Decimal(str(x)))
    except Exception:
        raise InputError(f"{name} {x!r} is not a number", column=name) from None


def _fraction(x: Number, name: str) -> Fraction:
    v = _exact(x, name)
    if not 0 <= v <= 1:
        raise InputError(f"{name} must be a mass fraction between 0 and 1, not {x!r}", column=name)
    return v


def cement_clinker_factor(
    cao: Number, mgo: Number, cao_noncarbonate: Number = 0, mgo_noncarbonate: Number = 0
) -> Fraction:
    """tCO2 per tonne of clinker from carbonate decomposition.

    ``EF_cl = (FR_CaO - FR_CaO,nc) x 44/56 + (FR_MgO - FR_MgO,nc) x 44/40`` (NDRC cement guideline,
    2013; research note §1.5). Fractions are mass fractions (0.65 for 65 %). Multiply by
    ``Q_cl + Q_ckd + Q_bpd`` (clinker plus kiln-head and bypass dust) for the emission.
    """
    c, m = _fraction(cao, "cao"), _fraction(mgo, "mgo")
    cnc, mnc = (
        _fraction(cao_noncarbonate, "cao_noncarbonate"),
        _fraction(mgo_noncarbonate, "mgo_noncarbonate"),
    )
    if cnc > c or mnc > m:
        raise InputError("the non-carbonate oxide fraction cannot exceed the total oxide fraction")
    return (c - cnc) * CAO_TO_CO2 + (m - mnc) * MGO_TO_CO2


def steam_heat_gj(mass_t: Number, enthalpy_kj_per_kg: Number) -> Fraction:
    """Heat in steam, GJ: ``AD = Ma x (En - 83.74) x 10^-3`` (NDRC guidelines; 83.74 kJ/kg is water at 20 °C).

    ``mass_t`` in tonnes, ``enthalpy_kj_per_kg`` the steam's specific enthalpy.
    """
    ma, en = _exact(mass_t, "mass_t"), _exact(enthalpy_kj_per_kg, "enthalpy_kj_per_kg")
    if ma < 0:
        raise InputError("steam mass must not be negative", column="mass_t")
    return ma * (en - Fraction("83.74")) / 1000


def hot_water_heat_gj(mass_t: Number, temperature_c: Number) -> Fraction:
    """Heat in hot water, GJ: ``AD = Ma x (T - 20) x 4.1868 x 10^-3`` (NDRC guidelines)."""
    ma, t = _exact(mass_t, "mass_t"), _exact(temperature_c, "temperature_c")
    if ma < 0:
        raise InputError("water mass must not be negative", column="mass_t")
    return ma * (t - 20) * Fraction("4.1868") / 1000


def recovered_co2_t(
    volume_1e4_nm3: Number, purity: Number, density_t_per_1e4_nm3: Number = "19.77"
) -> Fraction:
    """Recovered CO2, t: ``R = Q x PUR x 19.77`` (Q in 10^4 Nm3; 1.977 kg/Nm3 at standard conditions)."""
    return (
        _exact(volume_1e4_nm3, "volume")
        * _fraction(purity, "purity")
        * _exact(density_t_per_1e4_nm3, "density")
    )


def carbon_as_received(
    carbon_air_dried_pct: Number, moisture_as_received_pct: Number, moisture_air_dried_pct: Number
) -> Fraction:
    """Coal carbon on the as-received basis, %: ``C_ar = C_ad x (100 - M_ar) / (100 - M_ad)``.

    MEE power-generation guideline (2022 revision): element carbon measured on an air-dried sample
    is converted to the as-received basis before ``E = FC x C_ar x OF x 44/12``.
    """
    c = _exact(carbon_air_dried_pct, "carbon_air_dried_pct")
    m_ar = _exact(moisture_as_received_pct, "moisture_as_received_pct")
    m_ad = _exact(moisture_air_dried_pct, "moisture_air_dried_pct")
    for name, v in (("moisture_as_received_pct", m_ar), ("moisture_air_dried_pct", m_ad)):
        if not 0 <= v < 100:
            raise InputError(f"{name} must be a percentage in [0, 100), not {v}", column=name)
    return c * (100 - m_ar) / (100 - m_ad)
