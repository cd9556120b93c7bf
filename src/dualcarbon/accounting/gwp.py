"""GWP100 sets (SAR, AR4, AR5, AR6) as factor records, and gas-name normalisation.

The values live in the factor database (tables ``gwp_ipcc_sar`` ... ``gwp_ipcc_ar6``), so a CO2e
result pins the GWP record it used (``gwp.ar5.ch4@1``) like any other factor.

Conventions
-----------
* ``CH4_fossil`` and ``CH4_nonfossil`` have their own values only in AR6 (Table 7.15); in SAR, AR4
  and AR5 they resolve to the single CH4 value, and the record used says so.
* CH4 from fuel combustion is counted as plain ``CH4``: the combustion CO2 factor already counts all
  of the fuel's carbon, so the fossil-CH4 value (which adds the CO2 of its oxidation) would count that
  carbon twice.
* ``CO2_biogenic`` is a memo item: it is reported by gas but weighted 0 in CO2e totals
  (IPCC 2006 Vol.2 Ch.1).
* ``CO2e`` marks a quantity already expressed in CO2-equivalent; it is weighted 1 and the line says so.
"""

from __future__ import annotations

import re

from dualcarbon.accounting.factors import FactorDatabase, FactorRecord
from dualcarbon.errors import DataNotFound, InputError

__all__ = ["GWP_SETS", "MEMO_GASES", "canonical_gas", "gwp_record", "gwp_weight"]

GWP_SETS = ("SAR", "AR4", "AR5", "AR6")
MEMO_GASES = frozenset({"CO2_biogenic"})
_GAS_RE = re.compile(r"[\s_\-]")
_ALIASES = {
    "CO2": "CO2",
    "二氧化碳": "CO2",
    "CH4": "CH4",
    "甲烷": "CH4",
    "CH4FOSSIL": "CH4_fossil",
    "FOSSILCH4": "CH4_fossil",
    "CH4NONFOSSIL": "CH4_nonfossil",
    "CH4BIOGENIC": "CH4_nonfossil",
    "NONFOSSILCH4": "CH4_nonfossil",
    "N2O": "N2O",
    "氧化亚氮": "N2O",
    "SF6": "SF6",
    "六氟化硫": "SF6",
    "NF3": "NF3",
    "三氟化氮": "NF3",
    "CF4": "CF4",
    "PFC14": "CF4",
    "四氟化碳": "CF4",
    "C2F6": "C2F6",
    "PFC116": "C2F6",
    "六氟乙烷": "C2F6",
    "CO2BIOGENIC": "CO2_biogenic",
    "BIOGENICCO2": "CO2_biogenic",
    "CO2E": "CO2e",
}


def canonical_gas(name: str) -> str:
    """Normalise a gas name (``"hfc134a"`` -> ``"HFC-134a"``, ``"甲烷"`` -> ``"CH4"``).

    Raises :class:`~dualcarbon.errors.InputError` for a name that is not a known gas.
    """
    raw = str(name).strip()
    key = _GAS_RE.sub("", raw).upper()
    if key in _ALIASES:
        return _ALIASES[key]
    m = re.fullmatch(r"(HFC|R)(\d+[A-Z]?)", key)
    if m:
        return "HFC-" + m.group(2).lower()
    raise InputError(f"unknown gas {name!r}; use CO2, CH4, N2O, SF6, NF3, HFC-xx, CF4 or C2F6", value=name)


def _set_key(gwp_set: str) -> str:
    key = str(gwp_set).strip().upper()
    if key not in GWP_SETS:
        raise InputError(f"unknown GWP set {gwp_set!r}; choose one of {', '.join(GWP_SETS)}", value=gwp_set)
    return key.lower()


def gwp_record(gwp_set: str, gas: str, db: FactorDatabase) -> FactorRecord | None:
    """The GWP100 record for ``gas`` in ``gwp_set`` (``None`` for ``CO2e`` and memo gases).

    Raises
    ------
    DataNotFound
        The set has no value for the gas (e.g. NF3 in SAR).
    """
    gas = canonical_gas(gas)
    if gas == "CO2e" or gas in MEMO_GASES:
        return None
    key = _set_key(gwp_set)
    slug = gas.lower().replace("-", "")
    for candidate in (slug, "ch4" if gas.startswith("CH4_") else None):
        if candidate is None:
            continue
        try:
            return db.get(f"gwp.{key}.{candidate}")
        except DataNotFound:
            continue
    raise DataNotFound(f"GWP set {gwp_set} has no GWP100 value for {gas}; choose another set with --gwp")


def gwp_weight(gwp_set: str, gas: str, db: FactorDatabase) -> tuple[float, FactorRecord | None]:
    """(weight, record): the CO2e multiplier of one tonne of ``gas`` and the record it came from."""
    gas = canonical_gas(gas)
    if gas in MEMO_GASES:
        return 0.0, None
    rec = gwp_record(gwp_set, gas, db)
    return (1.0, None) if rec is None else (rec.float_value, rec)
