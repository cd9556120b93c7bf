"""Factor resolution: one distinct line *key* -> exact per-unit coefficients, factor ids and a trace.

The engine never resolves factors row by row. It collects the distinct combinations of the columns
that decide the arithmetic (category, item, unit, region, methodology, data year, the override
units, and which override columns are filled) and calls :func:`resolve_key` once for each. The
answer is a :class:`KeyResolution`: for each gas the line emits, an exact coefficient (tonnes of gas
per unit of ``quantity``) and the row columns that still multiply in (``ncv``, ``carbon_content``,
``oxidation_rate``, ``factor``, ``purity`` when the row overrides a default).

Equations (all products, computed in :class:`~fractions.Fraction`, converted to float once):

* combustion, Chinese guidelines (``cn``): ``E_CO2 = FC x NCV x CC x OF x 44/12``, or with carbon
  measured per unit mass ``E_CO2 = FC x C_ar x OF x 44/12``;
  with a CO2 factor per energy or per unit of fuel: ``E_CO2 = FC x [NCV] x EF``.
* combustion, IPCC (``ipcc``): ``E_gas = FC x NCV x EF_gas`` for CO2, CH4, N2O (Vol.2 Ch.2 Eq. 2.1).
* electricity and heat: ``E = AD x EF``; exported energy and recovered CO2 are subtracted.
* process: ``E = AD x EF`` (or ``AD x C x 44/12`` for a carbon mass balance; items ``output:...``
  are subtracted).
* recovered CO2 by volume: ``R = Q x PUR x 19.77`` (t per 10^4 Nm3).
* direct gas: the mass of the gas; CO2e = mass x GWP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from dualcarbon.accounting import vocabulary
from dualcarbon.accounting.factors import FactorDatabase, FactorRecord
from dualcarbon.accounting.gwp import canonical_gas, gwp_weight
from dualcarbon.accounting.methodologies import (
    FACTOR_SETS,
    NEGATIVE_CATEGORIES,
    SCOPE_OF_CATEGORY,
    Methodology,
    get_methodology,
)
from dualcarbon.accounting.units import Ratio, Unit, parse_ratio, parse_unit
from dualcarbon.errors import DataNotFound, DualCarbonError, InputError

__all__ = [
    "INSTRUMENT_ITEMS",
    "OVERRIDE_COLUMNS",
    "KeyResolution",
    "LineKey",
    "Resolver",
    "Slot",
]

OVERRIDE_COLUMNS = ("ncv", "carbon_content", "oxidation_rate", "factor", "purity")
_ALLOWED_OVERRIDES = {
    "combustion": {"ncv", "carbon_content", "oxidation_rate", "factor"},
    "process": {"factor", "carbon_content"},
    "purchased_electricity": {"factor"},
    "exported_electricity": {"factor"},
    "purchased_heat": {"factor"},
    "exported_heat": {"factor"},
    "recovered_co2": {"purity"},
    "direct_gas": set(),
}
#: Contractual instruments (GHG Protocol Scope 2 market-based); value: default factor (None = row must give one)
INSTRUMENT_ITEMS: dict[str, Fraction | None] = {
    "green_certificate": Fraction(0),
    "绿证": Fraction(0),
    "gec": Fraction(0),
    "rec": Fraction(0),
    "i-rec": Fraction(0),
    "go": Fraction(0),
    "green_power": Fraction(0),
    "绿电": Fraction(0),
    "ppa": None,
    "supplier_specific": None,
}
_C_TO_CO2 = Fraction(44, 12)
COAL_ITEMS = frozenset(
    {"coal", "anthracite", "bituminous_coal", "coking_coal", "sub_bituminous_coal", "lignite"}
)


class LineKey(NamedTuple):
    """The columns that decide a line's arithmetic (everything but entity, period and magnitudes)."""

    category: str
    item: str
    unit: str
    region: str
    methodology: str
    year: int
    ncv_unit: str
    carbon_content_unit: str
    factor_unit: str
    has_ncv: bool
    has_carbon_content: bool
    has_oxidation_rate: bool
    has_factor: bool
    has_purity: bool


@dataclass(slots=True)
class Slot:
    """One gas a line emits: tonnes of ``gas`` per unit of quantity = ``coef`` x the row's ``uses`` columns."""

    gas: str
    coef: Fraction
    uses: tuple[str, ...] = ()
    factors: tuple[FactorRecord, ...] = ()
    gwp: float = 1.0
    gwp_ref: str = ""


@dataclass(slots=True)
class KeyResolution:
    """Everything the engine needs for the lines sharing one :class:`LineKey`."""

    key: LineKey
    methodology: str = ""
    scope: str = ""
    slots: list[Slot] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    error_column: str = ""
    error: str = ""
    mb_role: str = ""  # "consumption" | "instrument" under GHGP-S2-MB
    location_coef: float | None = None  # grid-average tCO2 per unit (market-based lines)
    location_ref: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def refs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for s in self.slots:
            for f in s.factors:
                seen.setdefault(f.ref, None)
            if s.gwp_ref:
                seen.setdefault(s.gwp_ref, None)
        if self.location_ref:
            seen.setdefault(self.location_ref, None)
        return tuple(seen)

    @property
    def statuses(self) -> set[str]:
        return {f.status for s in self.slots for f in s.factors}

    def tco2e_per_unit(self) -> float:
        return sum(float(s.coef) * s.gwp for s in self.slots)


class _Fail(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _fmt(x: Fraction) -> str:
    return f"{float(x):.10g}"


class Resolver:
    """Resolves line keys against one factor database, GWP set, factor set and vintage rule.

    Parameters
    ----------
    pins : mapping of factor id -> version, optional
        Use exactly these versions (re-running a calculation record) instead of the newest.
    vintage : ``"exact"`` or ``"latest"``
        ``exact``: an electricity factor must be published for the period's year. ``latest``: use the
        latest data year not after the period's year, and flag it on the line.
    """

    def __init__(
        self,
        db: FactorDatabase,
        *,
        gwp: str = "AR5",
        factor_set: str | None = None,
        vintage: str = "exact",
        pins: dict[str, int] | None = None,
    ) -> None:
        if factor_set is not None and factor_set not in FACTOR_SETS:
            raise InputError(
                f"unknown factor set {factor_set!r}; choose one of {', '.join(FACTOR_SETS)}", value=factor_set
            )
        if vintage not in ("exact", "latest"):
            raise InputError(f"vintage must be 'exact' or 'latest', not {vintage!r}", value=vintage)
        gwp_weight(gwp, "CO2", db)  # validates the set name
        self.db = db
        self.gwp = gwp.upper()
        self.factor_set = factor_set
        self.vintage = vintage
        self.pins = dict(pins or {})
        self.used: dict[str, FactorRecord] = {}

    # -- factor access ---------------------------------------------------------------------------
    def _pin(self, rec: FactorRecord) -> FactorRecord:
        v = self.pins.get(rec.id)
        if v is not None and v != rec.version:
            rec = self.db.get(f"{rec.id}@{v}")
        self.used[rec.ref] = rec
        return rec

    def _table_param(
        self, tables: tuple[str, ...], family: str, item: str, gas: str | None = None
    ) -> FactorRecord | None:
        for table in tables:
            hits = [
                r for r in self.db.find(family=family, item=item, table=table) if gas is None or r.gas == gas
            ]
            if len(hits) > 1:
                raise _Fail("item", f"ambiguous: {len(hits)} {family} records for {item!r} in table {table}")
            if hits:
                return self._pin(hits[0])
        return None

    def _by_id(self, fid: str) -> FactorRecord:
        return self._pin(self.db.get(fid))

    # -- public ----------------------------------------------------------------------------------
    def resolve(self, key: LineKey) -> KeyResolution:
        """Resolve one key; problems are returned in ``error``/``error_column``, never raised."""
        res = KeyResolution(key)
        try:
            self._resolve(key, res)
        except _Fail as exc:
            res.error_column, res.error = exc.column, exc.reason
        except InputError as exc:
            res.error_column, res.error = exc.column or "unit", exc.reason
        except DualCarbonError as exc:
            res.error_column, res.error = "item", str(exc)
        return res

    def _resolve(self, key: LineKey, res: KeyResolution) -> None:
        try:
            m = get_methodology(key.methodology or None)
        except DataNotFound as exc:
            raise _Fail("methodology", str(exc)) from None
        res.methodology = m.ref
        if key.category not in m.categories:
            raise _Fail(
                "category",
                f"category {key.category!r} is not accounted by methodology {m.id} "
                f"(it covers: {', '.join(m.categories) or 'no line categories'})",
            )
        given = {
            c
            for c, has in zip(
                OVERRIDE_COLUMNS,
                (key.has_ncv, key.has_carbon_content, key.has_oxidation_rate, key.has_factor, key.has_purity),
                strict=True,
            )
            if has
        }
        for col in sorted(given - _ALLOWED_OVERRIDES[key.category]):
            raise _Fail(col, f"column {col} does not apply to category {key.category}; leave it empty")
        try:
            unit = parse_unit(key.unit)
        except InputError as exc:
            raise _Fail("unit", exc.reason) from None
        res.scope = SCOPE_OF_CATEGORY[key.category]
        sign = Fraction(-1) if key.category in NEGATIVE_CATEGORIES else Fraction(1)
        handler = {
            "combustion": self._combustion,
            "process": self._process,
            "purchased_electricity": self._electricity,
            "exported_electricity": self._electricity,
            "purchased_heat": self._heat,
            "exported_heat": self._heat,
            "recovered_co2": self._recovered,
            "direct_gas": self._direct_gas,
        }[key.category]
        handler(key, m, unit, sign, res)
        res.trace = list(dict.fromkeys(res.trace))
        for s in res.slots:
            weight, rec = gwp_weight(self.gwp, s.gas, self.db)
            s.gwp = weight
            if rec is not None:
                rec = self._pin(rec)
                s.gwp = rec.float_value
                s.gwp_ref = rec.ref
            res.trace.append(
                f"{s.gas}: {_fmt(s.coef)} t per {key.unit} x GWP {self.gwp} {s.gwp:g}"
                + (f" [{s.gwp_ref}]" if s.gwp_ref else "")
            )

    # -- shared pieces ---------------------------------------------------------------------------
    def _ratio(self, text: str, column: str) -> Ratio:
        if not text:
            raise _Fail(column + "_unit", f"{column} is given without {column}_unit")
        try:
            return parse_ratio(text)
        except InputError as exc:
            raise _Fail(column + "_unit", exc.reason) from None

    def _energy_per_unit(
        self, key: LineKey, m: Methodology, unit: Unit, fuel_item: str, res: KeyResolution, need_for: str
    ) -> tuple[Fraction, tuple[str, ...], tuple[FactorRecord, ...]]:
        """GJ per unit of quantity: (exact factor, row columns used, records used)."""
        if unit.dimension == "energy":
            if key.has_ncv:
                raise _Fail("ncv", "ncv is not used when quantity is already an energy; leave it empty")
            res.trace.append(f"quantity in {unit.name}: {_fmt(unit.scale)} GJ per {key.unit}")
            return unit.scale, (), ()
        if unit.dimension == "energy_tce":
            if key.has_ncv:
                raise _Fail(
                    "ncv", "ncv is not used when quantity is in standard coal equivalent; leave it empty"
                )
            rec = self._by_id("gbt2589.2020.tce.energy")
            gj = unit.scale * rec.exact
            res.trace.append(f"{key.unit} -> GJ: {_fmt(unit.scale)} tce x {rec.value} GJ/tce [{rec.ref}]")
            return gj, (), (rec,)
        if key.has_ncv:
            ratio = self._ratio(key.ncv_unit, "ncv")
            self._check_energy_ratio(ratio, "ncv_unit")
            conv = self._per_quantity(ratio.denominator, unit, fuel_item, m, "ncv_unit", res)
            res.trace.append(
                f"NCV from row ({key.ncv_unit}) x {_fmt(ratio.numerator.scale * conv[0])} -> GJ per {key.unit}"
            )
            return ratio.numerator.scale * conv[0], ("ncv",), conv[1]
        rec = self._table_param(m.fuel_tables, "ncv", fuel_item)
        if rec is None:
            raise _Fail(
                "ncv",
                f"{need_for} needs the fuel's NCV and methodology {m.id} has no default NCV for "
                f"{fuel_item!r} (tables: {', '.join(m.fuel_tables) or 'none'}); give ncv and ncv_unit",
            )
        ratio = parse_ratio(rec.unit)
        conv = self._per_quantity(ratio.denominator, unit, fuel_item, m, "unit", res)
        gj = rec.exact * ratio.numerator.scale * conv[0]
        res.trace.append(f"NCV {rec.value} {rec.unit} [{rec.ref}] -> {_fmt(gj)} GJ per {key.unit}")
        return gj, (), (rec, *conv[1])

    @staticmethod
    def _check_energy_ratio(ratio: Ratio, column: str) -> None:
        if ratio.numerator.dimension != "energy":
            raise _Fail(column, f"{ratio} is not an energy per quantity (e.g. GJ/t, GJ/10^4 Nm3, TJ/Gg)")

    def _per_quantity(
        self, den: Unit, unit: Unit, fuel_item: str, m: Methodology, column: str, res: KeyResolution
    ) -> tuple[Fraction, tuple[FactorRecord, ...]]:
        """How many ``den`` units one ``unit`` of quantity is (using a density where needed)."""
        if den.dimension == unit.dimension:
            return unit.scale / den.scale, ()
        pair = {den.dimension, unit.dimension}
        if pair <= {"mass", "volume", "gas_volume"}:
            rec = self._table_param(m.density_tables, "density", fuel_item)
            if rec is None:
                raise _Fail(
                    column,
                    f"quantity in {unit.name} but the factor is per {den.name}: no density for "
                    f"{fuel_item!r} in the factor database; convert the quantity or give a value per {unit.name}",
                )
            d = parse_ratio(rec.unit)  # mass per volume
            if d.numerator.dimension != "mass" or d.denominator.dimension not in pair:
                raise _Fail(
                    column, f"density {rec.ref} ({rec.unit}) does not connect {unit.name} and {den.name}"
                )
            t_per_vol_base = rec.exact * d.numerator.scale / d.denominator.scale  # t per base volume unit
            if unit.dimension == "mass":  # quantity mass -> volume
                per = unit.scale / t_per_vol_base / den.scale
            else:
                per = unit.scale * t_per_vol_base / den.scale
            res.trace.append(f"density {rec.value} {rec.unit} [{rec.ref}]")
            return per, (rec,)
        raise _Fail(
            column,
            f"cannot relate quantity unit {unit.name} ({unit.dimension}) to a value per {den.name} ({den.dimension})",
        )

    def _emission_factor_slot(
        self,
        key: LineKey,
        m: Methodology,
        unit: Unit,
        fuel_item: str,
        res: KeyResolution,
        sign: Fraction,
        default_gas: str = "CO2",
    ) -> Slot:
        """A slot from the row's ``factor``/``factor_unit`` (per energy, or per unit of quantity)."""
        ratio = self._ratio(key.factor_unit, "factor")
        if ratio.numerator.dimension != "mass":
            raise _Fail(
                "factor_unit",
                f"{key.factor_unit!r}: a factor must be a mass of gas per quantity, e.g. tCO2/t, kgCO2/kWh, kg/TJ",
            )
        gas = ratio.numerator.substance or default_gas
        if gas == "C":
            raise _Fail("factor_unit", "a carbon mass (tC/...) belongs in carbon_content, not factor")
        try:
            gas = canonical_gas(gas)
        except InputError as exc:
            raise _Fail("factor_unit", exc.reason) from None
        scale = ratio.numerator.scale / ratio.denominator.scale
        den = ratio.denominator
        if den.dimension == "energy":
            gj, uses, recs = self._energy_per_unit(key, m, unit, fuel_item, res, "a factor per energy")
            coef = sign * scale * gj
            res.trace.append(f"{gas} factor from row ({key.factor_unit})")
            return Slot(gas, coef, (*uses, "factor"), recs)
        if den.dimension == "energy_tce" and unit.dimension != "energy_tce":
            gj, uses, recs = self._energy_per_unit(key, m, unit, fuel_item, res, "a factor per tce")
            tce = self._by_id("gbt2589.2020.tce.energy")
            return Slot(gas, sign * scale * gj / tce.exact, (*uses, "factor"), (*recs, tce))
        if key.has_ncv:
            raise _Fail("ncv", "ncv is not used with a factor per unit of quantity; leave it empty")
        per, recs = self._per_quantity(den, unit, fuel_item, m, "factor_unit", res)
        res.trace.append(f"{gas} factor from row ({key.factor_unit}); {_fmt(per)} {den.name} per {key.unit}")
        return Slot(gas, sign * ratio.numerator.scale * per, ("factor",), recs)

    def _carbon_content(
        self, key: LineKey, m: Methodology, unit: Unit, fuel_item: str, res: KeyResolution
    ) -> tuple[Fraction, tuple[str, ...], tuple[FactorRecord, ...], str]:
        """Tonnes of carbon per unit of quantity from the row's carbon_content (per energy or per mass)."""
        ratio = self._ratio(key.carbon_content_unit, "carbon_content")
        if ratio.numerator.dimension == "fraction" and ratio.denominator.dimension == "fraction":
            # a mass fraction such as 55 % (elemental carbon as received)
            per, recs = self._per_quantity(parse_unit("t"), unit, fuel_item, m, "carbon_content_unit", res)
            res.trace.append(f"carbon content from row as a mass fraction ({key.carbon_content_unit})")
            return ratio.numerator.scale * per, ("carbon_content",), recs, "mass"
        if ratio.numerator.dimension != "mass" or (ratio.numerator.substance not in (None, "C")):
            raise _Fail(
                "carbon_content_unit",
                f"{key.carbon_content_unit!r} is not a carbon content; use tC/GJ, tC/TJ, tC/t or %",
            )
        scale = ratio.numerator.scale / ratio.denominator.scale
        if ratio.denominator.dimension == "energy":
            gj, uses, recs = self._energy_per_unit(
                key, m, unit, fuel_item, res, "a carbon content per energy"
            )
            res.trace.append(f"carbon content from row ({key.carbon_content_unit}) per unit heat")
            return scale * gj, (*uses, "carbon_content"), recs, "heat"
        if key.has_ncv:
            raise _Fail("ncv", "ncv is not used with a carbon content per unit mass (C_ar); leave it empty")
        per, recs = self._per_quantity(ratio.denominator, unit, fuel_item, m, "carbon_content_unit", res)
        res.trace.append(f"carbon content from row ({key.carbon_content_unit}) per unit of fuel (C_ar)")
        return ratio.numerator.scale * per, ("carbon_content",), recs, "mass"

    # -- categories ------------------------------------------------------------------------------
    def _combustion(
        self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution
    ) -> None:
        fuel = vocabulary.fuel(key.item)
        item = fuel.item if fuel else vocabulary.canonical_fuel(key.item)
        if unit.dimension == "fraction":
            raise _Fail("unit", f"{key.unit!r} is not a quantity of fuel")
        if m.combustion == "ipcc":
            self._combustion_ipcc(key, m, unit, sign, res, item)
            return
        if key.has_factor:
            if key.has_carbon_content or key.has_oxidation_rate:
                col = "carbon_content" if key.has_carbon_content else "oxidation_rate"
                raise _Fail(
                    col,
                    f"{col} cannot be combined with factor: a CO2 factor already includes carbon content and oxidation",
                )
            res.slots.append(self._emission_factor_slot(key, m, unit, item, res, sign))
            return
        # carbon per unit of quantity
        if key.has_carbon_content:
            c, uses, recs, _basis = self._carbon_content(key, m, unit, item, res)
        else:
            # a guideline's generic coal default (MEE power: unmeasured coal) wins within its own table
            items = (item, "coal") if item in COAL_ITEMS else (item,)
            rec = None
            for table in m.fuel_tables:
                for candidate in items:
                    rec = self._table_param((table,), "carbon_content", candidate)
                    if rec is not None:
                        break
                if rec is not None:
                    break
            if rec is None:
                raise _Fail(
                    "carbon_content",
                    f"methodology {m.id} has no default carbon content for {key.item!r} "
                    f"(tables: {', '.join(m.fuel_tables)}); give carbon_content and carbon_content_unit",
                )
            gj, uses, recs0 = self._energy_per_unit(
                key, m, unit, item, res, "a default carbon content per unit heat"
            )
            r = parse_ratio(rec.unit)
            c = rec.exact * r.numerator.scale / r.denominator.scale * gj
            recs = (*recs0, rec)
            res.trace.append(f"carbon content {rec.value} {rec.unit} [{rec.ref}]")
        # oxidation rate
        if key.has_oxidation_rate:
            of_uses: tuple[str, ...] = ("oxidation_rate",)
            of = Fraction(1)
            res.trace.append("oxidation rate from row")
        else:
            rec = None
            if m.of_by_state and fuel is not None:
                rec = self._table_param((m.of_by_state,), "oxidation_rate", fuel.state)
            if rec is None:
                rec = self._table_param(m.fuel_tables, "oxidation_rate", item)
            if rec is None:
                raise _Fail(
                    "oxidation_rate",
                    f"methodology {m.id} has no default oxidation rate for {key.item!r}; give oxidation_rate",
                )
            of, of_uses = rec.exact, ()
            recs = (*recs, rec)
            res.trace.append(f"oxidation rate {rec.value} [{rec.ref}]")
        coef = sign * c * of * m.constants.get("C_to_CO2", _C_TO_CO2)
        res.trace.append("x 44/12 (exact)")
        res.slots.append(Slot("CO2", coef, (*uses, *of_uses), recs))

    def _combustion_ipcc(
        self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution, item: str
    ) -> None:
        if key.has_oxidation_rate and not key.has_carbon_content:
            raise _Fail(
                "oxidation_rate",
                "under IPCC, oxidation_rate applies only with carbon_content "
                "(Tier 1 factors already assume complete oxidation)",
            )
        if key.has_factor and key.has_carbon_content:
            raise _Fail("carbon_content", "give either factor or carbon_content, not both")
        if key.has_factor:
            co2 = self._emission_factor_slot(key, m, unit, item, res, sign)
        elif key.has_carbon_content:
            c, uses, recs, _ = self._carbon_content(key, m, unit, item, res)
            co2 = Slot(
                "CO2",
                sign * c * _C_TO_CO2,
                (*uses, *(("oxidation_rate",) if key.has_oxidation_rate else ())),
                recs,
            )
        elif "combustion" in m.requires_row_factor:
            raise _Fail(
                "factor",
                f"methodology {m.id} needs a country- or plant-specific CO2 factor: give factor "
                "(e.g. kgCO2/TJ) or carbon_content",
            )
        else:
            rec = self._table_param(m.fuel_tables, "co2_ef_energy", item)
            if rec is None:
                raise _Fail(
                    "item",
                    f"no IPCC default CO2 factor for fuel {key.item!r} (tables: {', '.join(m.fuel_tables)}); "
                    "give factor and factor_unit",
                )
            gj, uses, recs = self._energy_per_unit(key, m, unit, item, res, "the IPCC default CO2 factor")
            r = parse_ratio(rec.unit)
            co2 = Slot(
                rec.gas or "CO2",
                sign * rec.exact * r.numerator.scale / r.denominator.scale * gj,
                uses,
                (*recs, rec),
            )
            res.trace.append(f"CO2 factor {rec.value} {rec.unit} [{rec.ref}]")
        res.slots.append(co2)
        for family, gas in (("ch4_ef_energy", "CH4"), ("n2o_ef_energy", "N2O")):
            rec = self._table_param(m.fuel_tables, family, item, gas)
            if rec is None:
                raise _Fail(
                    "item",
                    f"no IPCC default {gas} factor for fuel {key.item!r}; use a known fuel name "
                    "or account this fuel under a Chinese guideline",
                )
            gj, uses, recs = self._energy_per_unit(key, m, unit, item, res, f"the IPCC default {gas} factor")
            r = parse_ratio(rec.unit)
            res.slots.append(
                Slot(gas, sign * rec.exact * r.numerator.scale / r.denominator.scale * gj, uses, (*recs, rec))
            )
            res.trace.append(f"{gas} factor {rec.value} {rec.unit} [{rec.ref}]")

    def _process(self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution) -> None:
        item = key.item.strip()
        if item.lower().startswith("output:"):
            sign = -sign
            res.trace.append("output (carbon leaving the boundary): subtracted")
        if key.has_factor and key.has_carbon_content:
            raise _Fail("carbon_content", "give either factor or carbon_content, not both")
        if key.has_factor:
            res.slots.append(self._emission_factor_slot(key, m, unit, item, res, sign))
            return
        if key.has_carbon_content:
            c, uses, recs, _ = self._carbon_content(key, m, unit, item, res)
            res.slots.append(Slot("CO2", sign * c * _C_TO_CO2, uses, recs))
            res.trace.append("carbon mass balance: x 44/12 (exact)")
            return
        norm = item.lower().replace(" ", "_")
        for table in m.process_tables:
            hits = self.db.find(family="process", item=norm, table=table)
            if hits:
                for rec in hits:
                    rec = self._pin(rec)
                    r = parse_ratio(rec.unit)
                    per, recs = self._per_quantity(r.denominator, unit, norm, m, "unit", res)
                    res.slots.append(
                        Slot(rec.gas or "CO2", sign * rec.exact * r.numerator.scale * per, (), (*recs, rec))
                    )
                    res.trace.append(f"{rec.gas} process factor {rec.value} {rec.unit} [{rec.ref}]")
                return
        raise _Fail(
            "factor",
            f"no default process factor for item {item!r} under {m.id} "
            f"(tables: {', '.join(m.process_tables) or 'none'}); give factor and factor_unit (e.g. tCO2/t)",
        )

    def _electricity(
        self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution
    ) -> None:
        if unit.dimension != "energy":
            raise _Fail("unit", f"electricity must be an energy (kWh, MWh, 万kWh), not {key.unit!r}")
        item = key.item.strip().lower().replace(" ", "_")
        instrument = item in INSTRUMENT_ITEMS
        market = m.scope2 == "market" and key.category == "purchased_electricity"
        if instrument and not market:
            res.slots.append(Slot("CO2", Fraction(0)))
            res.flags.append(f"contractual instrument {key.item!r}: no weight under {m.id} (location-based)")
            return
        if instrument:
            res.mb_role = "instrument"
            if key.has_factor:
                res.slots.append(self._emission_factor_slot(key, m, unit, item, res, sign))
            else:
                default = INSTRUMENT_ITEMS[item]
                if default is None:
                    raise _Fail(
                        "factor", f"instrument {key.item!r} needs its contractual factor in the factor column"
                    )
                res.slots.append(Slot("CO2", default))
                res.trace.append(f"instrument {key.item!r}: 0 tCO2/MWh (renewable attribute)")
            return
        if market:
            res.mb_role = "consumption"
            grid = None
            try:
                grid = self._grid_factor(key, m, res)
                g_ratio = parse_ratio(grid.unit)
                res.location_coef = float(
                    grid.exact * g_ratio.numerator.scale / g_ratio.denominator.scale * unit.scale
                )
                res.location_ref = grid.ref
            except _Fail as exc:
                if not key.has_factor:
                    raise
                res.flags.append(f"location-based value unavailable: {exc.reason}")
            if key.has_factor:
                res.slots.append(self._emission_factor_slot(key, m, unit, item, res, sign))
                res.trace.append("market-based: residual-mix factor from row")
                return
            assert grid is not None
            res.flags.append(
                "no residual-mix factor given: grid average used (GHG Protocol Scope 2 Guidance, Table 6.3)"
            )
        if key.has_factor:
            res.slots.append(self._emission_factor_slot(key, m, unit, item, res, sign))
            return
        rec = self._grid_factor(key, m, res)
        r = parse_ratio(rec.unit)
        res.slots.append(
            Slot("CO2", sign * rec.exact * r.numerator.scale / r.denominator.scale * unit.scale, (), (rec,))
        )
        res.trace.append(
            f"grid factor {rec.value} {rec.unit} [{rec.ref}] ({rec.provenance.document_no or rec.provenance.title})"
        )

    def _grid_factor(self, key: LineKey, m: Methodology, res: KeyResolution | None = None) -> FactorRecord:
        if m.electricity_factor and self.factor_set is None:
            rec = self._by_id(m.electricity_factor)
            if res is not None and not rec.applies_to(key.year):
                res.flags.append(
                    f"{m.id} pins grid factor {rec.ref} ({rec.value} {rec.unit}), documented for data years "
                    f"{rec.valid_from}-{rec.valid_to}; the period's year is {key.year}"
                )
            return rec
        fs = FACTOR_SETS[self.factor_set or m.default_factor_set]
        try:
            reg = vocabulary.region(key.region)
        except InputError as exc:
            raise _Fail("region", exc.reason) from None
        if fs.levels == (fs.national_level,) and reg.level != "national":
            if res is not None:
                res.flags.append(f"factor set {fs.name} is national: region {key.region!r} is not used")
            level, code = fs.national_level, "CN"
        elif reg.level == "national":
            level, code = fs.national_level, "CN"
        else:
            level, code = reg.level, reg.code
        if level not in fs.levels:
            raise _Fail("region", f"factor set {fs.name} has no {level} factors")
        cands = [
            r
            for r in self.db.find(family="grid_electricity", region=code, level=level)
            if r.provenance.table.startswith(fs.tables_prefix)
        ]
        exact = [r for r in cands if r.applies_to(key.year)]
        where = f"{reg.name_zh} ({code})" if code != "CN" else "national"
        if len(exact) > 1:
            raise _Fail("region", f"ambiguous: {len(exact)} {fs.name} factors for {where} in {key.year}")
        if exact:
            return self._pin(exact[0])
        years = sorted({r.valid_to or r.data_year or 0 for r in cands})
        if self.vintage == "latest":
            older = [r for r in cands if (r.valid_to or r.data_year or 0) < key.year]
            if older:
                best = max(older, key=lambda r: r.valid_to or r.data_year or 0)
                if res is not None:
                    res.flags.append(
                        f"--vintage latest: {fs.name} factor of data year {best.data_year} ({best.ref}) used for "
                        f"{where} in {key.year}, for which none is published"
                    )
                return self._pin(best)
        avail = ", ".join(str(y) for y in years) or "none"
        raise _Fail(
            "region" if not years else "period",
            f"no {fs.name} electricity factor for {where} and data year {key.year} (available: {avail}); "
            "give factor and factor_unit, choose another --factor-set or region, or allow --vintage latest",
        )

    def _heat(self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution) -> None:
        if unit.dimension != "energy":
            raise _Fail(
                "unit",
                f"heat must be an energy (GJ, TJ, MWh), not {key.unit!r}; convert steam with "
                "dualcarbon.accounting.process.steam_heat_gj",
            )
        if key.has_factor:
            res.slots.append(self._emission_factor_slot(key, m, unit, key.item, res, sign))
            return
        if not m.heat_factor:
            raise _Fail(
                "factor", f"methodology {m.id} has no default heat factor; give factor and factor_unit"
            )
        rec = self._by_id(m.heat_factor)
        r = parse_ratio(rec.unit)
        res.slots.append(
            Slot("CO2", sign * rec.exact * r.numerator.scale / r.denominator.scale * unit.scale, (), (rec,))
        )
        res.trace.append(f"heat factor {rec.value} {rec.unit} [{rec.ref}]")

    def _recovered(
        self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution
    ) -> None:
        if unit.dimension == "mass":
            if key.has_purity:
                raise _Fail(
                    "purity", "purity applies to a volume of recovered gas; a mass is taken as pure CO2"
                )
            res.slots.append(Slot("CO2", sign * unit.scale))
            res.trace.append(f"recovered CO2 mass: {_fmt(unit.scale)} t per {key.unit}")
            return
        if unit.dimension != "gas_volume":
            raise _Fail(
                "unit", f"recovered CO2 must be a mass (t) or a gas volume (10^4 Nm3), not {key.unit!r}"
            )
        if not key.has_purity:
            raise _Fail(
                "purity",
                "a volume of recovered gas needs its CO2 purity (volume fraction, 0-1) in the purity column",
            )
        per, recs = self._per_quantity(parse_unit("t"), unit, "co2", m, "unit", res)
        res.slots.append(Slot("CO2", sign * per, ("purity",), recs))
        res.trace.append("R = Q x PUR x density")

    def _direct_gas(
        self, key: LineKey, m: Methodology, unit: Unit, sign: Fraction, res: KeyResolution
    ) -> None:
        try:
            gas = canonical_gas(key.item)
        except InputError as exc:
            raise _Fail("item", exc.reason) from None
        if unit.dimension != "mass":
            raise _Fail("unit", f"direct_gas quantity is the mass of the gas (t, kg), not {key.unit!r}")
        if unit.substance and unit.substance not in (gas, "C"):
            raise _Fail("unit", f"unit {key.unit!r} counts {unit.substance}, but item is {gas}")
        res.slots.append(Slot(gas, sign * unit.scale))
        res.trace.append(f"{gas} mass: {_fmt(unit.scale)} t per {key.unit}")
