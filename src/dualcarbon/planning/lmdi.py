"""Additive LMDI-I decomposition of a change in CO2 emissions (Kaya identity).

Method (Ang, B.W., 2005, "The LMDI approach to decomposition analysis: a practical guide",
*Energy Policy* 33(7), 867–871; research/planning.md §3.1):

* Kaya identity: ``C = P · (G/P) · (E/G) · (C/E)`` (population, GDP per person, energy intensity of
  GDP, carbon intensity of energy);
* logarithmic mean ``L(a, b) = (a − b) / (ln a − ln b)``, ``L(a, a) = a`` (Ang 2005, Table 1);
* additive effect of factor k (Ang 2005, Table 1, LMDI-I additive):
  ``ΔC_k = L(C_T, C_0) · ln(x_k,T / x_k,0)``; the effects add up exactly to ``C_T − C_0``;
* multiplicative form: ``D_k = exp(ΔC_k / L(C_T, C_0))`` with ``Π D_k = C_T / C_0``.

Zero values: Ang (2005) replaces a zero by a small positive δ (1e-10 to 1e-20) and notes that the
results converge as δ → 0; Ang & Liu (2007, "Handling zero values in the logarithmic mean Divisia
index decomposition approach", *Energy Policy* 35(1), 238–246, Table 1) give the limits, used here
exactly: when ``C_T = 0`` because one factor falls to zero, that factor's effect is ``−C_0`` and the
others' are 0 (``L(0, C_0) = 0``); symmetrically ``+C_T`` when one factor rises from zero; all
effects are 0 when both aggregates are 0. Two factors zero in one period is ambiguous and refused.

Worked example (research/planning.md §3.1, OWID basis, China 2005→2020): P +690.84, G/P +7,708.72,
E/G −2,868.53, C/E −507.44 Mt; Σ = ΔC = +5,023.59 Mt; L = 8,137.08 Mt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from dualcarbon.errors import InputError
from dualcarbon.planning.data import BASIS_OWID, owid_value

__all__ = [
    "KAYA_FACTORS",
    "Decomposition",
    "Effect",
    "decompose",
    "kaya",
    "kaya_owid",
    "logmean",
]

#: Factor keys of the Kaya identity, in order.
KAYA_FACTORS: tuple[str, ...] = ("population", "gdp_per_capita", "energy_intensity", "carbon_intensity")


def logmean(a: float, b: float) -> float:
    """Logarithmic mean ``L(a, b) = (a − b)/(ln a − ln b)``, ``L(a, a) = a``, ``L(a, 0) = 0`` (Ang 2005, Table 1)."""
    if a < 0 or b < 0:
        raise InputError("the logarithmic mean needs non-negative values", value=(a, b))
    if a == 0 or b == 0:
        return 0.0
    if a == b:
        return a
    d = math.log(a) - math.log(b)
    if d == 0.0:  # a and b differ by less than the resolution of log
        return (a + b) / 2.0
    return (a - b) / d


@dataclass(frozen=True, slots=True)
class Effect:
    """One factor's contribution: additive ``effect`` (units of C) and multiplicative ``ratio_effect``."""

    factor: str
    start: float
    end: float
    effect: float
    ratio_effect: float

    @property
    def ratio(self) -> float:
        return self.end / self.start if self.start else math.inf


@dataclass(frozen=True, slots=True)
class Decomposition:
    """Additive LMDI-I result: ``Σ effects == end − start`` (exact up to float rounding)."""

    start: float
    end: float
    weight: float  # L(C_T, C_0)
    effects: tuple[Effect, ...]
    year_from: int | None = None
    year_to: int | None = None
    region: str | None = None
    basis: str | None = None
    unit: str = ""

    @property
    def delta(self) -> float:
        return self.end - self.start

    @property
    def residual(self) -> float:
        return self.delta - sum(e.effect for e in self.effects)

    def effect(self, factor: str) -> float:
        for e in self.effects:
            if e.factor == factor:
                return e.effect
        raise KeyError(factor)

    def to_dict(self) -> dict[str, object]:
        return {
            "region": self.region,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "basis": self.basis,
            "unit": self.unit,
            "start": self.start,
            "end": self.end,
            "delta": self.delta,
            "weight": self.weight,
            "residual": self.residual,
            "method": "LMDI-I additive (Ang 2005)",
            "effects": [
                {
                    "factor": e.factor,
                    "start": e.start,
                    "end": e.end,
                    "ratio": e.ratio,
                    "effect": e.effect,
                    "ratio_effect": e.ratio_effect,
                }
                for e in self.effects
            ],
        }


def decompose(start: Mapping[str, float], end: Mapping[str, float], **meta: object) -> Decomposition:
    """Additive LMDI-I of the aggregate ``V = Π_k x_k`` between ``start`` and ``end`` factor values.

    Factors must be non-negative and the same keys in both; zeros take(the limits of Ang & Liu 2007). Returns the effects ``ΔV_k = L(V_T, V_0) · ln(x_k,T / x_k,0)`` (Ang 2005, Table 1).
    """
    if list(start) != list(end):
        raise InputError(f"the two periods name different factors: {list(start)} vs {list(end)}")
    if not start:
        raise InputError("no factors to decompose")
    for label, values in (("start", start), ("end", end)):
        for k, v in values.items():
            if not (isinstance(v, int | float) and math.isfinite(v)) or v < 0:
                raise InputError(
                    f"factor must be a finite non-negative number in the {label} period", column=k, value=v
                )
    zeros0 = [k for k, v in start.items() if v == 0]
    zerost = [k for k, v in end.items() if v == 0]
    for label, zs in (("start", zeros0), ("end", zerost)):
        if len(zs) > 1:
            raise InputError(
                f"more than one factor is zero in the {label} period ({', '.join(zs)}): the split of the "
                "change between them is not defined (Ang & Liu 2007)",
                column=zs[0],
            )
    v0 = math.prod(float(v) for v in start.values())
    vt = math.prod(float(v) for v in end.values())
    w = logmean(vt, v0)
    effects = []
    for k in start:
        a, b = float(start[k]), float(end[k])
        if a > 0 and b > 0:
            eff = w * (math.log(b) - math.log(a))
        elif a == 0 and b == 0:
            eff = 0.0
        elif b == 0:  # falls to zero: limit of L(C_T, C_0)·ln(δ/x_0) as δ → 0 is −C_0
            eff = -v0
        else:  # rises from zero: the limit is +C_T
            eff = vt
        ratio_effect = math.exp(eff / w) if w > 0 else (0.0 if eff < 0 else (math.inf if eff > 0 else 1.0))
        effects.append(Effect(factor=k, start=a, end=b, effect=eff, ratio_effect=ratio_effect))
    return Decomposition(
        start=v0,
        end=vt,
        weight=w,
        effects=tuple(effects),
        **meta,  # type: ignore[arg-type]
    )


def kaya(population: float, gdp: float, energy: float, co2: float) -> dict[str, float]:
    """Kaya factors ``P, G/P, E/G, C/E`` from totals; P, G and E must be positive."""
    for name, v in (("population", population), ("gdp", gdp), ("energy", energy)):
        if not v > 0:
            raise InputError("must be positive for the Kaya ratios", column=name, value=v)
    if co2 < 0:
        raise InputError("must not be negative", column="co2", value=co2)
    return {
        "population": population,
        "gdp_per_capita": gdp / population,
        "energy_intensity": energy / gdp,
        "carbon_intensity": co2 / energy,
    }


def kaya_owid(region: str, year_from: int, year_to: int) -> Decomposition:
    """LMDI-I of CO2 (Mt) for ``region`` between two years of the OWID extract (basis
    ``owid_gcb_maddison``: GCB CO2, Maddison GDP 2011 int-$, primary energy TWh). GDP ends in 2022."""
    if year_from == year_to:
        raise InputError("the two years must differ", column="year_to", value=year_to)
    factors = []
    for y in (year_from, year_to):
        factors.append(
            kaya(
                owid_value(region, y, "population"),
                owid_value(region, y, "gdp"),
                owid_value(region, y, "primary_energy_consumption"),
                owid_value(region, y, "co2"),
            )
        )
    d = decompose(
        factors[0],
        factors[1],
        year_from=year_from,
        year_to=year_to,
        region=region,
        basis=BASIS_OWID,
        unit="Mt CO2",
    )
    return d
