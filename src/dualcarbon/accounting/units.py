"""Units of activity data and factors: a closed table, parsed once per distinct spelling.

Accounting needs a small, fixed set of units (mass, liquid volume, gas volume at standard
conditions, energy, tonnes of standard coal equivalent) and ratios of them (``GJ/t``,
``tC/GJ``, ``kgCO2/kWh``). A closed table keeps parsing fast and unambiguous: every spelling maps to
one :class:`Unit` with an exact :class:`~fractions.Fraction` scale to the base unit of its
dimension. :func:`parse_unit` and :func:`parse_ratio` are cached, so a file with ten million rows
and five distinct unit spellings parses five strings.

Dimensions and their base units:

=============  ======  ====================================================================
dimension      base    spellings (examples)
=============  ======  ====================================================================
mass           t       g, kg, t, kt, Gg, Mt, 10^4 t, 吨, 千克, 公斤, 万吨
volume         m3      L, kL, m3, 10^4 m3, 升, 立方米  (liquids; *not* gas at standard conditions)
gas_volume     Nm3     Nm3, 10^4 Nm3, 10^8 Nm3, 万Nm3, 标准立方米, 万标准立方米
energy         GJ      J, kJ, MJ, GJ, TJ, PJ, kWh, MWh, GWh, TWh, 10^4 kWh, 千瓦时, 兆瓦时, 万千瓦时
energy_tce     tce     kgce, tce, 10^4 tce, 吨标准煤, 万吨标准煤  (converted to GJ with a factor record)
fraction       1       1, fraction, %
=============  ======  ====================================================================

``tce`` is a dimension of its own because its size in GJ is a published constant
(GB/T 2589-2020), which lives in the factor database with its provenance, not in code.
Substances are written after a mass unit (``tCO2``, ``kg CF4``, ``tC``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from dualcarbon.errors import UnitError

__all__ = [
    "DIMENSIONS",
    "Ratio",
    "Unit",
    "conversion_factor",
    "parse_ratio",
    "parse_unit",
]

DIMENSIONS = ("mass", "volume", "gas_volume", "energy", "energy_tce", "fraction")

_F = Fraction
_TABLE: dict[str, tuple[str, str, Fraction]] = {}


def _add(dimension: str, canonical: str, scale: Fraction, *spellings: str) -> None:
    for spelling in (canonical, *spellings):
        _TABLE[spelling] = (dimension, canonical, scale)


# mass (base t)
_add("mass", "g", _F(1, 1_000_000), "gram", "克")
_add("mass", "kg", _F(1, 1000), "kilogram", "千克", "公斤")
_add("mass", "t", _F(1), "tonne", "tonnes", "ton", "tons", "Mg", "吨")
_add("mass", "kt", _F(1000), "kilotonne", "千吨")
_add("mass", "10^4 t", _F(10_000), "万吨")
_add("mass", "Gg", _F(1000))
_add("mass", "Mt", _F(1_000_000), "megatonne", "Tg", "百万吨")
# liquid volume (base m3)
_add("volume", "L", _F(1, 1000), "l", "litre", "liter", "升")
_add("volume", "kL", _F(1), "kl")
_add("volume", "m3", _F(1), "立方米")
_add("volume", "10^4 m3", _F(10_000), "万立方米")
# gas volume at standard conditions (base Nm3)
_add("gas_volume", "Nm3", _F(1), "标准立方米", "标方")
_add("gas_volume", "10^4 Nm3", _F(10_000), "万标准立方米", "万标方")
_add("gas_volume", "10^8 Nm3", _F(100_000_000), "亿标准立方米")
# energy (base GJ)
_add("energy", "J", _F(1, 10**9))
_add("energy", "kJ", _F(1, 10**6), "千焦")
_add("energy", "MJ", _F(1, 1000), "兆焦")
_add("energy", "GJ", _F(1), "吉焦")
_add("energy", "TJ", _F(1000), "太焦")
_add("energy", "PJ", _F(10**6))
_add("energy", "kWh", _F(36, 10_000), "千瓦时", "度")  # 1 kWh = 3.6 MJ exactly
_add("energy", "10^4 kWh", _F(36), "万千瓦时", "万度")
_add("energy", "MWh", _F(36, 10), "兆瓦时")
_add("energy", "GWh", _F(3600), "吉瓦时")
_add("energy", "TWh", _F(3_600_000), "太瓦时")
# tonnes of standard coal equivalent (base tce)
_add("energy_tce", "kgce", _F(1, 1000), "千克标准煤")
_add("energy_tce", "tce", _F(1), "吨标准煤", "标准煤")
_add("energy_tce", "10^4 tce", _F(10_000), "万吨标准煤", "万tce")
# dimensionless
_add("fraction", "1", _F(1), "fraction", "-")
_add("fraction", "%", _F(1, 100), "percent", "pct")

_CASEFOLD = {k.casefold(): k for k in _TABLE}
# substances that may follow a mass unit: carbon, CO2-equivalent and the gases with GWP values
_SUBSTANCE_RE = re.compile(
    r"^(C|CO2e|CO2|CO2_biogenic|CH4(_fossil|_nonfossil)?|N2O|SF6|NF3|HFC-?\d+[a-z]?|CF4|C2F6)$", re.I
)
_MASS_PREFIXES = sorted(
    (k for k, v in _TABLE.items() if v[0] == "mass" and k.isascii()), key=len, reverse=True
)


@dataclass(frozen=True, slots=True)
class Unit:
    """A parsed unit: its dimension, canonical spelling, exact scale to the dimension's base unit,
    and for masses the substance counted (``"CO2"``, ``"C"``, ...; ``None`` when not stated)."""

    dimension: str
    name: str
    scale: Fraction
    substance: str | None = None

    def __str__(self) -> str:
        return f"{self.name}{self.substance or ''}"


@dataclass(frozen=True, slots=True)
class Ratio:
    """A parsed ratio unit ``numerator/denominator`` such as ``GJ/t`` or ``kgCO2/kWh``."""

    numerator: Unit
    denominator: Unit

    @property
    def scale(self) -> Fraction:
        """Exact factor to base-unit-per-base-unit (e.g. ``kgCO2/kWh`` -> ``t/GJ``)."""
        return self.numerator.scale / self.denominator.scale

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def _normalise(text: str) -> str:
    s = str(text).strip()
    s = s.replace("³", "3").replace("⁴", "4").replace("⁸", "8").replace("₂", "2").replace("₄", "4")
    s = s.replace("·", "").replace("×", "x").replace("（", "(").replace("）", ")")
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"^(1e4|1E4|10\*\*4|10\^4|10 \^ 4|x?10\^4)\s*", "10^4 ", s)
    s = re.sub(r"^(1e8|1E8|10\*\*8|10\^8)\s*", "10^8 ", s)
    s = re.sub(r"^万\s*(?=[A-Za-z])", "10^4 ", s)
    s = re.sub(r"^亿\s*(?=[A-Za-z])", "10^8 ", s)
    return s


def _lookup(s: str) -> tuple[str, str, Fraction] | None:
    if s in _TABLE:
        return _TABLE[s]
    compact = s.replace(" ", "")
    for cand in (compact, s.replace("10^4", "10^4 ").replace("  ", " ")):
        if cand in _TABLE:
            return _TABLE[cand]
    key = _CASEFOLD.get(s.casefold()) or _CASEFOLD.get(compact.casefold())
    return _TABLE[key] if key else None


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> Unit:
    """Parse one unit spelling (``"10^4 Nm3"``, ``"万吨"``, ``"kgCO2"``, ``"MWh"``).

    Raises
    ------
    UnitError
        The spelling is not in the closed table; the message lists the accepted dimensions.
    """
    if text is None:
        raise UnitError("a unit is required")
    s = _normalise(text)
    hit = _lookup(s)
    if hit is not None:
        dim, name, scale = hit
        return Unit(dim, name, scale)
    compact = s.replace(" ", "")
    for prefix in _MASS_PREFIXES:
        bare = prefix.replace(" ", "")
        if compact.startswith(bare) and len(compact) > len(bare):
            rest = compact[len(bare) :]
            if _SUBSTANCE_RE.match(rest):
                dim, name, scale = _TABLE[prefix]
                return Unit(dim, name, scale, _canonical_substance(rest))
    raise UnitError(
        f"unknown unit {text!r}; use a mass (t, kg, 万吨), liquid volume (L, m3), gas volume at standard "
        "conditions (Nm3, 10^4 Nm3), energy (GJ, TJ, MWh, kWh) or tce/kgce",
        value=text,
    )


def _canonical_substance(text: str) -> str:
    t = text.strip()
    upper = t.upper()
    if upper.startswith("HFC"):
        return "HFC-" + t[3:].lstrip("-").lower()
    for name in ("CO2_biogenic", "CH4_fossil", "CH4_nonfossil", "CO2e"):
        if upper == name.upper():
            return name
    return upper


@lru_cache(maxsize=4096)
def parse_ratio(text: str) -> Ratio:
    """Parse a ratio unit such as ``"GJ/t"``, ``"tC/TJ"``, ``"kgCO2/kWh"`` or ``"GJ/10^4 Nm3"``.

    A plain ``"1"`` (or ``"%"``) parses as a dimensionless ratio ``1/1`` (``%/1``).
    """
    if text is None or str(text).strip() == "":
        raise UnitError("a unit is required")
    s = _normalise(text)
    if "/" not in s:
        unit = parse_unit(s)
        if unit.dimension != "fraction":
            raise UnitError(
                f"{text!r} is not a ratio; write it as numerator/denominator, e.g. GJ/t", value=text
            )
        return Ratio(unit, parse_unit("1"))
    num, _, den = s.partition("/")
    try:
        return Ratio(parse_unit(num.strip()), parse_unit(den.strip()))
    except UnitError as exc:
        raise UnitError(f"cannot parse unit {text!r}: {exc.reason}", value=text) from None


def conversion_factor(source: str, target: str) -> Fraction:
    """Exact factor that converts a magnitude in ``source`` units to ``target`` units.

    Both must have the same dimension (``conversion_factor("kWh", "MWh") == Fraction(1, 1000)``).
    """
    a, b = parse_unit(source), parse_unit(target)
    if a.dimension != b.dimension:
        raise UnitError(
            f"cannot convert {source!r} ({a.dimension}) to {target!r} ({b.dimension})", value=source
        )
    return a.scale / b.scale
