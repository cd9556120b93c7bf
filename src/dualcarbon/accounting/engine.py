"""The accounting engine: activity lines -> per-line, per-entity, per-scope and per-gas emissions.

:func:`account` is the one entry point (the CLI and the web platform call it). It is vectorised with
Polars: rows are validated column by column; the distinct *keys* (the columns that decide the
arithmetic) are found by a per-row 64-bit hash (verified with a second seed) and resolved once each by
:class:`~dualcarbon.accounting.resolve.Resolver`; the per-key coefficients are joined back on the key
and every output (per scope, per gas, per category, activity variance) is summed per entity in one
group-by. Nothing loops over rows in Python.

Line schema (the interchange format, see docs/accounting.md)::

    entity, period, category, item, quantity, unit              required
    ncv, ncv_unit, carbon_content, carbon_content_unit,
    oxidation_rate, factor, factor_unit,
    region, methodology, uncertainty_pct                        optional
    purity, counterparty                                        optional (dualcarbon extensions)

Scope convention: scope 1 = combustion + process + direct_gas - recovered_co2; scope 2 = purchased
electricity and heat - exported electricity and heat (GB/T 32150-2015 reports the net; the gross
lines stay visible per line and per category).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from dualcarbon.accounting.aggregate import Plan, line_frame, market_based, sum_per_entity
from dualcarbon.accounting.aggregate import monte_carlo as monte_carlo_samples
from dualcarbon.accounting.errors import ActivityDataError, RowError
from dualcarbon.accounting.factors import FactorDatabase, default_database
from dualcarbon.accounting.gwp import MEMO_GASES
from dualcarbon.accounting.lines import (
    NUMERIC_COLUMNS,
    PERIOD_RE,
    REQUIRED_COLUMNS,
    ROW,
    TEXT_COLUMNS,
    blank_entity_errors,
    encode_keys,
    key_problems,
    prepare_frame,
    prepare_lines,
    row_errors,
)
from dualcarbon.accounting.methodologies import DEFAULT_METHODOLOGY, get_methodology
from dualcarbon.accounting.resolve import OVERRIDE_COLUMNS, KeyResolution, LineKey, Resolver
from dualcarbon.errors import InputError

__all__ = [
    "NUMERIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "TEXT_COLUMNS",
    "AccountingResult",
    "account",
    "prepare_lines",
]

_ELECTRICITY = ("purchased_electricity", "exported_electricity")


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------
@dataclass
class AccountingResult:
    """What :func:`account` returns.

    Attributes
    ----------
    total_tco2e : float
        Sum over every entity (unrounded; round only when reporting, see
        :func:`dualcarbon.accounting.report.round_for_report`).
    entity_frame : polars.DataFrame
        One row per entity: ``entity``, ``total_tco2e``, ``scope1_tco2e``, ``scope2_tco2e``,
        ``scope2_location_based``, ``scope2_market_based``, ``uncertainty_pct`` (Approach 1),
        ``uncertainty_complete``, ``lines``.
    gas_frame : polars.DataFrame
        ``entity``, ``gas``, ``t`` (tonnes of the gas), ``tco2e`` (0 for memo items such as
        ``CO2_biogenic``).
    category_frame : polars.DataFrame
        ``entity``, ``category``, ``tco2e`` (gross lines stay visible: exports are negative here).
    lines : polars.DataFrame or None
        Per input line (when ``keep_lines``): ``row``, ``entity``, ``period``, ``category``, ``item``,
        ``quantity``, ``unit``, ``counterparty``, ``tco2e``, ``factors``, ``methodology``,
        ``uncertainty_pct``, ``uncertainty_complete``, ``flags``.
    keys : dict[int, KeyResolution]
        The resolution of each distinct key, with its trace (the intermediate values).
    record : CalculationRecord
        Everything needed to re-run the calculation with the same factor versions.
    """

    total_tco2e: float
    gwp: str
    entity_frame: pl.DataFrame
    gas_frame: pl.DataFrame
    category_frame: pl.DataFrame
    lines: pl.DataFrame | None
    keys: dict[int, KeyResolution]
    record: Any
    factor_statuses: dict[str, int] = field(default_factory=dict)
    monte_carlo: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @cached_property
    def entities(self) -> dict[str, dict[str, Any]]:
        """Per entity: ``total_tco2e``, ``by_scope``, ``by_gas`` (tCO2e), ``by_gas_t`` (t of gas, memo
        items included), ``by_category``, ``scope2_location_based``, ``scope2_market_based``,
        ``uncertainty_pct``, ``uncertainty_complete`` (and ``monte_carlo`` when requested)."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.entity_frame.iter_rows(named=True):
            out[row["entity"]] = {
                "total_tco2e": row["total_tco2e"],
                "by_scope": {"scope1": row["scope1_tco2e"], "scope2": row["scope2_tco2e"]},
                "by_gas": {},
                "by_gas_t": {},
                "by_category": {},
                "scope2_location_based": row["scope2_location_based"],
                "scope2_market_based": row["scope2_market_based"],
                "uncertainty_pct": row["uncertainty_pct"],
                "uncertainty_complete": row["uncertainty_complete"],
            }
        for e, gas, t, v in self.gas_frame.iter_rows():
            out[e]["by_gas_t"][gas] = t
            if gas not in MEMO_GASES:
                out[e]["by_gas"][gas] = v
        for e, c, v in self.category_frame.iter_rows():
            out[e]["by_category"][c] = v
        if self.monte_carlo:
            for e, summary in self.monte_carlo["entities"].items():
                out[e]["monte_carlo"] = summary
        return out

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document (stable: see docs/accounting.md)."""
        out: dict[str, Any] = {
            "total_tco2e": self.total_tco2e,
            "gwp": self.gwp,
            "entities": self.entities,
            "factors_used": sorted(self.record.factor_refs),
            "factor_statuses": self.factor_statuses,
            "methodologies": sorted(self.record.methodology_refs),
            "notes": self.notes,
        }
        if self.monte_carlo is not None:
            out["monte_carlo"] = {k: v for k, v in self.monte_carlo.items() if k != "entities"}
        return out


# ---------------------------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------------------------
def account(
    lines: pl.DataFrame | Iterable[Mapping[str, Any]],
    *,
    gwp: str = "AR5",
    factor_set: str | None = None,
    vintage: str = "exact",
    db: FactorDatabase | None = None,
    monte_carlo: int = 0,
    seed: int | None = None,
    source: str = "<input>",
    keep_lines: bool = True,
    pins: Mapping[str, int] | None = None,
    categories: bool = True,
) -> AccountingResult:
    """Account activity lines: per-line, per-entity, per-scope and per-gas emissions with uncertainty.

    Parameters
    ----------
    lines : polars.DataFrame or iterable of mappings
        Activity lines in the interchange schema (module docstring). A ``_row`` column, if present,
        is the row number reported in errors (spreadsheet rows, header = row 1).
    gwp : {"SAR", "AR4", "AR5", "AR6"}
        GWP100 set for CO2e.
    factor_set : str, optional
        Electricity factor family for rows without a factor (``mee-nbs``, ``mee-nbs-excl-market``,
        ``mee-nbs-fossil``, ``cn-ets``). ``None``: each methodology's own choice (the MEE power
        guideline pins its grid factor; the others use ``mee-nbs`` by region and data year).
    vintage : {"exact", "latest"}
        Whether an electricity factor must be published for the period's own year.
    db : FactorDatabase, optional
        Defaults to the shipped tables.
    monte_carlo, seed : int
        Approach 2 iterations (0 = off) and the random seed (required with iterations).
    source : str
        The file name used in error messages.
    keep_lines : bool
        Build the per-line result table (costs time and memory on very large inputs).
    pins : mapping, optional
        Factor id -> version to use (re-running a record); default: the newest versions.
    categories : bool
        Also total per entity and category (``category_frame``, ``by_category``); off saves one sum
        per category on very large inputs.

    Raises
    ------
    ActivityDataError
        Any line that cannot be computed; ``errors`` names every bad row, column and reason. No
        partial result is returned.
    """
    from dualcarbon.accounting.records import CalculationRecord

    if monte_carlo < 0:
        raise InputError("Monte Carlo iterations must not be negative", column="monte_carlo")
    if monte_carlo and seed is None:
        raise InputError("Monte Carlo needs a seed (--seed) so that results are reproducible", column="seed")
    db = db if db is not None else default_database()
    resolver = Resolver(db, gwp=gwp, factor_set=factor_set, vintage=vintage, pins=dict(pins or {}))
    df, label, errors = prepare_frame(lines, source=source)
    if df.height == 0:
        raise ActivityDataError([RowError(source, 1, "entity", "the input has no activity lines", "row")])
    errors += row_errors(df, source, label)

    # -- distinct keys, resolved once each ---------------------------------------------------------
    has_cols = [c for c in OVERRIDE_COLUMNS if df[c].null_count() != df.height]
    df, key_cols = encode_keys(df, has_cols)
    first_rows = df["_k"].arg_unique()  # one representative row per key
    uniq = df[first_rows].select(
        ["_k", *key_cols, *[pl.col(c).is_not_null().alias(f"_has_{c}") for c in has_cols]]
    )
    # deterministic key ids (the order of distinct keys does not depend on the order of the rows)
    uniq = uniq.sort(
        [*[pl.col(c).cast(pl.String) for c in key_cols], *[f"_has_{c}" for c in has_cols]], nulls_last=True
    )
    ids: dict[LineKey, int] = {}
    by_kid: dict[int, KeyResolution] = {}
    k_to_kid: dict[int, int] = {}
    bad_k: dict[int, list[tuple[str, str]]] = {}
    for row in uniq.iter_rows(named=True):
        problems = key_problems(row)
        if not problems:
            lk = _line_key(row)
            kid = ids.get(lk)
            if kid is None:
                kid = ids[lk] = len(ids)
                by_kid[kid] = resolver.resolve(lk)
            if not by_kid[kid].ok:
                problems = [(by_kid[kid].error_column, by_kid[kid].error)]
            k_to_kid[row["_k"]] = kid
        if problems:
            bad_k[row["_k"]] = problems
    if bad_k:
        bad = df.filter(pl.col("_k").is_in(list(bad_k))).select(ROW, "_k")
        errors += [RowError(source, r, col, why, label) for r, k in bad.iter_rows() for col, why in bad_k[k]]
    if errors:
        seen: set[tuple[int, str]] = set()
        unique_errors = []
        for e in errors:
            if (e.row, e.column) not in seen:
                seen.add((e.row, e.column))
                unique_errors.append(e)
        raise ActivityDataError(unique_errors)

    n_u = df["uncertainty_pct"].null_count()
    plan = Plan(
        by_kid,
        categories=categories,
        uncertainty_given="none" if n_u == df.height else ("all" if n_u == 0 else "some"),
    )
    attrs = plan.attribute_table(k_to_kid)
    lazy = df.lazy().join(attrs.lazy(), on="_k", how="left")
    if plan.has_mb:
        lazy = market_based(lazy, by_kid)
    lazy = lazy.with_columns(plan.row_outputs()).with_columns(plan.row_total())
    w = None
    if keep_lines or monte_carlo:
        w = lazy.collect()
        lazy = w.lazy()
    g = sum_per_entity(df, lazy, plan.aggregations())
    blank = blank_entity_errors(df, g["entity"].to_list(), source, label)
    if blank:
        raise ActivityDataError(blank)
    entity_frame, gas_frame, category_frame = plan.entity_frames(g)
    total = float(entity_frame["total_tco2e"].sum())

    statuses: dict[str, int] = {}
    for rec in resolver.used.values():
        statuses[rec.status] = statuses.get(rec.status, 0) + 1
    notes = []
    if statuses.get("transcribed-unverified"):
        notes.append(
            f"{statuses['transcribed-unverified']} factor(s) used are transcribed-unverified: not yet checked "
            "against the official document (see factors_used and the factor database)"
        )
    for r in by_kid.values():
        for f in r.flags:
            if f not in notes:
                notes.append(f)
    too_wide = entity_frame.filter(pl.col("uncertainty_pct") > 60.0).height
    if too_wide:
        # IPCC 2006 Vol.1 Ch.3: Approach 1 needs CV below about 0.3 (95 % half-width below about 60 %)
        notes.append(
            f"{too_wide} entit{'y has' if too_wide == 1 else 'ies have'} an Approach 1 uncertainty above 60 %, "
            "where Approach 1 is not valid: use --monte-carlo"
        )

    mc = monte_carlo_samples(w, plan, monte_carlo, int(seed or 0)) if w is not None and monte_carlo else None
    per_line = line_frame(w, plan) if w is not None and keep_lines else None
    record = CalculationRecord.build(
        inputs=df.drop("_k"),
        source=source,
        options={
            "gwp": resolver.gwp,
            "factor_set": factor_set,
            "vintage": vintage,
            "monte_carlo": monte_carlo,
            "seed": seed,
            "default_methodology": get_methodology(None).ref,
        },
        resolutions=by_kid,
        used=resolver.used,
        total_tco2e=total,
        entity_totals=dict(entity_frame.select("entity", "total_tco2e").iter_rows()),
    )
    return AccountingResult(
        total_tco2e=total,
        gwp=resolver.gwp,
        entity_frame=entity_frame,
        gas_frame=gas_frame,
        category_frame=category_frame,
        lines=per_line,
        keys=by_kid,
        record=record,
        factor_statuses=statuses,
        monte_carlo=mc,
        notes=notes,
    )


def _line_key(row: Mapping[str, Any]) -> LineKey:
    def t(c: str) -> str:
        v = row.get(c)
        return "" if v is None else str(v).strip()

    has = {c: bool(row.get(f"_has_{c}")) for c in OVERRIDE_COLUMNS}
    category = t("category")
    return LineKey(
        category=category,
        item=t("item"),
        unit=t("unit"),
        region=t("region") if category in _ELECTRICITY else "",
        methodology=t("methodology") or DEFAULT_METHODOLOGY,
        year=int(PERIOD_RE.match(t("period")).group(1)),  # type: ignore[union-attr]
        ncv_unit=t("ncv_unit") if has["ncv"] else "",
        carbon_content_unit=t("carbon_content_unit") if has["carbon_content"] else "",
        factor_unit=t("factor_unit") if has["factor"] else "",
        has_ncv=has["ncv"],
        has_carbon_content=has["carbon_content"],
        has_oxidation_rate=has["oxidation_rate"],
        has_factor=has["factor"],
        has_purity=has["purity"],
    )
