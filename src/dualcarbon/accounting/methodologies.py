"""The methodology registry: versioned ids, each pinning the defaults and rules it uses.

A methodology says which activity categories it accounts for, which equation form combustion
follows, which factor tables (by name: one per source document and vintage) supply its defaults, how
electricity factors are chosen, and its exact constants (44/12, 44/56, ...). Results record the
methodology reference (``"CN-MEE-POWER-2022rev@1"``) of every line.

The registry is filled once, at import, by :func:`register`, and is read-only afterwards
(:data:`METHODOLOGIES` is a mapping proxy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from dualcarbon.errors import DataNotFound

__all__ = [
    "CATEGORIES",
    "DEFAULT_METHODOLOGY",
    "FACTOR_SETS",
    "METHODOLOGIES",
    "SCOPE_OF_CATEGORY",
    "FactorSet",
    "Methodology",
    "get_methodology",
    "register",
]

CATEGORIES = (
    "combustion",
    "process",
    "purchased_electricity",
    "exported_electricity",
    "purchased_heat",
    "exported_heat",
    "recovered_co2",
    "direct_gas",
)
#: Scope of each category. GB/T 32150 nets exported energy and recovered CO2 against its scope.
SCOPE_OF_CATEGORY = {
    "combustion": "scope1",
    "process": "scope1",
    "direct_gas": "scope1",
    "recovered_co2": "scope1",
    "purchased_electricity": "scope2",
    "purchased_heat": "scope2",
    "exported_electricity": "scope2",
    "exported_heat": "scope2",
}
#: Categories whose emissions are subtracted (GB/T 32150-2015 entity total).
NEGATIVE_CATEGORIES = frozenset({"exported_electricity", "exported_heat", "recovered_co2"})

C_TO_CO2 = Fraction(44, 12)
CAO_TO_CO2 = Fraction(44, 56)
MGO_TO_CO2 = Fraction(44, 40)


@dataclass(frozen=True, slots=True)
class FactorSet:
    """A family of electricity factors chosen by region and data year (``--factor-set NAME``)."""

    name: str
    title: str
    tables_prefix: str
    levels: tuple[str, ...]  # region levels this set can resolve (national, grid, province, ...)
    national_level: str = "national"


FACTOR_SETS = MappingProxyType(
    {
        "mee-nbs": FactorSet(
            "mee-nbs",
            "MEE/NBS annual electricity CO2 factors (national, grid region, province)",
            "mee_nbs_electricity_",
            ("national", "grid", "province"),
        ),
        "mee-nbs-excl-market": FactorSet(
            "mee-nbs-excl-market",
            "MEE/NBS national factor excluding market-traded non-fossil electricity",
            "mee_nbs_electricity_",
            ("national_excl_market_nonfossil",),
            "national_excl_market_nonfossil",
        ),
        "mee-nbs-fossil": FactorSet(
            "mee-nbs-fossil",
            "MEE/NBS national factor of fossil-fuel electricity",
            "mee_nbs_electricity_",
            ("national_fossil",),
            "national_fossil",
        ),
        "cn-ets": FactorSet(
            "cn-ets",
            "National carbon-market grid factor (全国电网平均排放因子), by the data years each notice covers",
            "cn_ets_grid_",
            ("national",),
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Methodology:
    """One versioned methodology with its pinned defaults.

    Attributes
    ----------
    combustion : str
        ``"cn"``: E = FC x NCV x CC x OF x 44/12 (CO2 only; or FC x C_ar x OF x 44/12 with measured
        carbon per unit mass). ``"ipcc"``: E_gas = FC x NCV x EF_gas for CO2, CH4 and N2O (Tier 1
        factors assume full oxidation, so no OF is applied unless a carbon content is given).
    fuel_tables : tuple of str
        Factor tables searched, in order, for NCV, carbon content, oxidation rate and combustion
        factors. The first table holding a parameter for the fuel wins; tables are never merged.
    of_by_state : str
        A table whose oxidation rates are given per fuel state (``solid``/``liquid``/``gas``) and
        take precedence over per-fuel rates (the MEE power guideline).
    electricity_factor : str
        A pinned grid factor id (the MEE power guideline), or ``""`` to use a factor set.
    """

    id: str
    version: int
    title: str
    document: str
    categories: tuple[str, ...]
    combustion: str = "cn"
    fuel_tables: tuple[str, ...] = ()
    of_by_state: str = ""
    electricity_factor: str = ""
    default_factor_set: str = "mee-nbs"
    heat_factor: str = ""
    process_tables: tuple[str, ...] = ()
    density_tables: tuple[str, ...] = ("ndrc2015_other_industry",)
    scope2: str = "location"
    requires_row_factor: tuple[str, ...] = ()
    guideline_gwp: str = ""
    constants: dict[str, Fraction] = field(default_factory=lambda: {"C_to_CO2": C_TO_CO2})
    notes: str = ""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "version": self.version,
            "ref": self.ref,
            "title": self.title,
            "document": self.document,
            "categories": list(self.categories),
            "combustion": self.combustion,
            "fuel_tables": list(self.fuel_tables),
            "of_by_state": self.of_by_state,
            "electricity_factor": self.electricity_factor,
            "default_factor_set": self.default_factor_set,
            "heat_factor": self.heat_factor,
            "process_tables": list(self.process_tables),
            "density_tables": list(self.density_tables),
            "scope2": self.scope2,
            "guideline_gwp": self.guideline_gwp,
            "constants": {k: f"{v.numerator}/{v.denominator}" for k, v in self.constants.items()},
            "notes": self.notes,
        }


_REGISTRY: dict[str, Methodology] = {}
METHODOLOGIES = MappingProxyType(_REGISTRY)
DEFAULT_METHODOLOGY = "CN-GBT32150-2015"


def register(methodology: Methodology) -> Methodology:
    """Add a methodology to the registry (at import time only; ids are unique)."""
    if methodology.id in _REGISTRY:
        raise ValueError(f"methodology {methodology.id} is already registered")
    _REGISTRY[methodology.id] = methodology
    return methodology


_LOOKUP: dict[str, str] = {}


def get_methodology(name: str | None) -> Methodology:
    """Look a methodology up by id (case-insensitive; ``"@version"`` is checked if given)."""
    if name is None or str(name).strip() == "":
        return _REGISTRY[DEFAULT_METHODOLOGY]
    text = str(name).strip()
    mid, _, ver = text.partition("@")
    if not _LOOKUP:
        _LOOKUP.update({k.casefold(): k for k in _REGISTRY})
    key = _LOOKUP.get(mid.casefold())
    if key is None:
        raise DataNotFound(f"unknown methodology {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    m = _REGISTRY[key]
    if ver and ver != str(m.version):
        raise DataNotFound(f"methodology {m.id} has no version {ver} (current {m.version})")
    return m


_ALL = CATEGORIES
_NDRC_FUELS = ("ndrc2015_other_industry",)
_CN_NOTES = (
    "Fuel defaults come from the NDRC appendix table shipped as ndrc2015_other_industry (the per-guideline "
    "variants are still to be transcribed); coal NCVs are not shipped, so coal rows must give ncv."
)

register(
    Methodology(
        "CN-GBT32150-2015",
        1,
        "GB/T 32150-2015 工业企业温室气体排放核算和报告通则",
        "GB/T 32150-2015 (AQSIQ/SAC, 2015)",
        _ALL,
        "cn",
        _NDRC_FUELS,
        heat_factor="ndrc2015.other.purchased_heat.co2",
        process_tables=("ndrc2013_steel_process", "ndrc2013_aluminium_pfc"),
        guideline_gwp="SAR",
        notes="E = E_combustion + E_process + E_purchased_electricity + E_purchased_heat - E_exported_electricity "
        "- E_exported_heat - R_recovered. " + _CN_NOTES,
    )
)
register(
    Methodology(
        "CN-MEE-POWER-2022rev",
        1,
        "企业温室气体排放核算方法与报告指南 发电设施（2022年修订版）",
        "环办气候〔2022〕5号",
        ("combustion", "purchased_electricity"),
        "cn",
        ("mee_power_2022rev", "ndrc2015_other_industry"),
        of_by_state="mee_power_2022rev",
        electricity_factor="cn_ets.grid.2022_111.co2",
        notes="E = E_combustion + E_electricity. Coal: C_ar measured (carbon_content in tC/t) or NCV x 0.03356 tC/GJ. "
        "The guideline's own oil and gas defaults are not yet transcribed; the NDRC appendix table is used for them.",
    )
)
register(
    Methodology(
        "CN-MEE-POWER-2022-485",
        1,
        "企业温室气体排放核算与报告指南 发电设施 (2023-2025)",
        "环办气候函〔2022〕485号",
        ("combustion", "purchased_electricity"),
        "cn",
        ("mee_power_2022_485", "ndrc2015_other_industry"),
        of_by_state="mee_power_2022_485",
        electricity_factor="cn_ets.grid.2022_485.co2",
        notes="Amends the 2022 revision: unmeasured coal 0.03085 tC/GJ; grid factor 0.5703 tCO2/MWh.",
    )
)
for _sector, _title, _process in (
    ("CEMENT", "中国水泥生产企业温室气体排放核算方法与报告指南（试行）", ()),
    ("STEEL", "中国钢铁生产企业温室气体排放核算方法与报告指南（试行）", ("ndrc2013_steel_process",)),
    ("ALUMINIUM", "中国电解铝生产企业温室气体排放核算方法与报告指南（试行）", ("ndrc2013_aluminium_pfc",)),
    ("CHEMICAL", "中国化工生产企业温室气体排放核算方法与报告指南（试行）", ()),
):
    register(
        Methodology(
            f"CN-NDRC-{_sector}-2013",
            1,
            _title,
            "发改办气候〔2013〕2526号",
            _ALL,
            "cn",
            _NDRC_FUELS,
            heat_factor="ndrc2015.other.purchased_heat.co2",
            process_tables=_process,
            guideline_gwp="SAR",
            constants={"C_to_CO2": C_TO_CO2, "CaO_to_CO2": CAO_TO_CO2, "MgO_to_CO2": MGO_TO_CO2},
            notes={
                "CEMENT": "Clinker: E = Q x [(FR_CaO - FR_CaO,nc) x 44/56 + (FR_MgO - FR_MgO,nc) x 44/40]; give the "
                "per-tonne factor (dualcarbon.accounting.process.cement_clinker_factor) in the factor column. "
                "Non-fuel carbon of raw meal: carbon_content in tC/t. ",
                "STEEL": "Fluxes, electrodes and purchased carbon-bearing inputs add; carbon retained in products "
                "(items output:crude_steel, output:pig_iron) is subtracted. ",
                "ALUMINIUM": "PFC (CF4, C2F6) per tonne of aluminium from the guideline's defaults; anode CO2 by carbon "
                "content (tC/t). ",
                "CHEMICAL": "Carbon mass balance: inputs with carbon_content (tC/t) add, items prefixed output: "
                "subtract; CO2 recovered by volume uses 19.77 t/10^4 Nm3 and the purity column. ",
            }[_sector]
            + _CN_NOTES,
        )
    )
register(
    Methodology(
        "IPCC2006-T1",
        1,
        "2006 IPCC Guidelines, Tier 1",
        "IPCC 2006 Vol.2 Ch.2 Eq. 2.1; Vol.3",
        ("combustion", "process", "direct_gas"),
        "ipcc",
        ("ipcc2006_v2_t1_2_ncv", "ipcc2006_v2_t1_4_co2", "ipcc2006_v2_t2_2_ch4_n2o"),
        process_tables=("ipcc2006_v3_t4_15_pfc",),
        notes="Emissions_gas = Fuel consumed (TJ) x EF_gas (kg/TJ); Tier 1 factors assume complete oxidation.",
    )
)
register(
    Methodology(
        "IPCC2006-T2",
        1,
        "2006 IPCC Guidelines, Tier 2 (country-specific CO2 factors)",
        "IPCC 2006 Vol.2 Ch.2 Eq. 2.2",
        ("combustion", "process", "direct_gas"),
        "ipcc",
        ("ipcc2006_v2_t1_2_ncv", "ipcc2006_v2_t2_2_ch4_n2o"),
        process_tables=("ipcc2006_v3_t4_15_pfc",),
        requires_row_factor=("combustion",),
        notes="As Tier 1, but the CO2 factor is country- or plant-specific: each combustion row gives factor (or "
        "carbon_content); CH4 and N2O use the Tier 1 defaults.",
    )
)
register(
    Methodology(
        "GHGP-S2-LB",
        1,
        "GHG Protocol Scope 2 Guidance, location-based method",
        "WRI/WBCSD 2015, Ch.6",
        ("purchased_electricity", "purchased_heat"),
        "cn",
        heat_factor="ndrc2015.other.purchased_heat.co2",
        scope2="location",
        notes="Grid-average factors by region and data year; contractual instruments carry no weight.",
    )
)
register(
    Methodology(
        "GHGP-S2-MB",
        1,
        "GHG Protocol Scope 2 Guidance, market-based method",
        "WRI/WBCSD 2015, Ch.6-7",
        ("purchased_electricity", "purchased_heat"),
        "cn",
        heat_factor="ndrc2015.other.purchased_heat.co2",
        scope2="market",
        notes="Instruments (绿证/GEC, RECs, GOs, green power, PPAs, supplier rates) are capped at consumption per entity "
        "and period; the rest takes the residual-mix factor given in the factor column, or the grid average when none "
        "is given (flagged).",
    )
)
register(
    Methodology(
        "ISO14067-2018",
        1,
        "ISO 14067:2018 carbon footprint of products (allocation)",
        "ISO 14067:2018 §6.4.6",
        (),
        notes="Product footprints with mass or economic allocation: dualcarbon.accounting.product.",
    )
)
