"""The accounting engine: activity lines -> per-line, per-entity, per-scope and per-gas emissions.

:func:`account` is the one entry point (the CLI and the web platform call it). It is vectorised with
Polars: rows are validated column by column, the distinct *keys* (the columns that decide the
arithmetic) are resolved once each by :class:`~dualcarbon.accounting.resolve.Resolver`, joined back
onto the rows as a small integer, and summed per entity, period and key; per-gas and per-scope totals
are then computed on the aggregated table. Nothing loops over rows in Python.

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

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from dualcarbon.accounting.errors import ActivityDataError, RowError
from dualcarbon.accounting.factors import FactorDatabase, default_database
from dualcarbon.accounting.gwp import MEMO_GASES
from dualcarbon.accounting.methodologies import CATEGORIES, DEFAULT_METHODOLOGY, get_methodology
from dualcarbon.accounting.resolve import OVERRIDE_COLUMNS, KeyResolution, LineKey, Resolver
from dualcarbon.accounting.uncertainty import Z95, key_uncertainty, relative_samples
from dualcarbon.accounting.units import parse_unit
from dualcarbon.errors import InputError

__all__ = [
    "NUMERIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "TEXT_COLUMNS",
    "AccountingResult",
    "account",
    "prepare_lines",
]

REQUIRED_COLUMNS = ("entity", "period", "category", "item", "quantity", "unit")
TEXT_COLUMNS = (
    "entity",
    "period",
    "category",
    "item",
    "unit",
    "ncv_unit",
    "carbon_content_unit",
    "factor_unit",
    "region",
    "methodology",
    "counterparty",
)
NUMERIC_COLUMNS = (
    "quantity",
    "ncv",
    "carbon_content",
    "oxidation_rate",
    "factor",
    "purity",
    "uncertainty_pct",
)
_KEY_TEXT = (
    "category",
    "item",
    "unit",
    "region",
    "methodology",
    "period",
    "ncv_unit",
    "carbon_content_unit",
    "factor_unit",
)
_ROW = "_row"
_ELECTRICITY = ("purchased_electricity", "exported_electricity")
_ENGINE = os.environ.get("DUALCARBON_POLARS_ENGINE", "auto")


# ---------------------------------------------------------------------------------------------
# input preparation and validation
# ---------------------------------------------------------------------------------------------
def prepare_lines(
    lines: pl.DataFrame | Iterable[Mapping[str, Any]], *, source: str = "<input>"
) -> tuple[pl.DataFrame, str]:
    """Normalise input into the line schema (see :func:`_prepare`); raise on any bad cell."""
    df, label, errors = _prepare(lines, source=source)
    if errors:
        raise ActivityDataError(errors)
    return df, label


def _prepare(
    lines: pl.DataFrame | Iterable[Mapping[str, Any]], *, source: str = "<input>"
) -> tuple[pl.DataFrame, str, list[RowError]]:
    """Normalise input into the line schema: column names, dtypes and a ``_row`` number.

    Returns the frame and the row label (``"row"`` when ``_row`` came from a spreadsheet reader,
    ``"record"`` otherwise). Raises :class:`ActivityDataError` for missing required columns and for
    cells that are not numbers in numeric columns (every such cell is listed).
    """
    if isinstance(lines, pl.DataFrame):
        df = lines
    else:
        records = list(lines)
        df = (
            pl.DataFrame(records, infer_schema_length=None)
            if records
            else pl.DataFrame({c: [] for c in REQUIRED_COLUMNS})
        )
    rename = {c: c.strip().lower() for c in df.columns if c != c.strip().lower()}
    if rename:
        df = df.rename(rename)
    if "_record" in df.columns:  # JSON reader: 1-based record positions
        df = df.rename({"_record": _ROW})
        label = "record"
    else:
        label = "row" if _ROW in df.columns else "record"
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ActivityDataError(
            [RowError(source, 1, c, "required column is missing (header row)", "row") for c in missing]
        )
    if _ROW not in df.columns:
        df = df.with_row_index(_ROW, offset=1)
    errors: list[RowError] = []
    exprs = []
    for c in TEXT_COLUMNS:
        if c not in df.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(c))
        elif df.schema[c] not in (pl.String, pl.Categorical):
            exprs.append(pl.col(c).cast(pl.String).alias(c))
    for c in NUMERIC_COLUMNS:
        if c not in df.columns:
            exprs.append(pl.lit(None, dtype=pl.Float64).alias(c))
        elif df.schema[c] != pl.Float64:
            if df.schema[c].is_numeric():
                exprs.append(pl.col(c).cast(pl.Float64))
            else:
                raw = pl.col(c).cast(pl.String).str.strip_chars()
                raw = pl.when(raw == "").then(None).otherwise(raw)
                parsed = raw.str.replace_all(",", "").cast(pl.Float64, strict=False)
                bad = df.select(pl.col(_ROW), raw.alias("v"), parsed.alias("p")).filter(
                    pl.col("v").is_not_null() & pl.col("p").is_null()
                )
                errors += [
                    RowError(source, r, c, f"{v!r} is not a number", label) for r, v, _ in bad.iter_rows()
                ]
                exprs.append(parsed.alias(c))
    if exprs:
        df = df.with_columns(exprs)
    return df, label, errors


KEY_COLUMNS = (
    "category",
    "item",
    "unit",
    "region",
    "methodology",
    "period",
    "ncv_unit",
    "carbon_content_unit",
    "factor_unit",
)
_PERIOD_RE = re.compile(r"^\s*((19|20|21)\d\d)")


def _row_checks(df: pl.DataFrame, source: str, label: str) -> list[RowError]:
    """Per-row checks of the columns that are not part of the key (entity and the numbers).

    Key columns (category, item, unit, period, ...) are checked once per distinct key instead.
    """
    checks: list[tuple[str, pl.Expr, str]] = [
        ("entity", pl.col("entity").is_null(), "required value is empty"),
        ("quantity", pl.col("quantity").is_null(), "required value is empty"),
        (
            "quantity",
            pl.col("quantity").is_nan() | pl.col("quantity").is_infinite(),
            "must be a finite number",
        ),
        (
            "quantity",
            pl.col("quantity") < 0,
            "must not be negative (exports, recovery and product outputs have their own categories)",
        ),
    ]
    ranges = {
        "ncv": (pl.col("ncv") <= 0, "must be positive"),
        "carbon_content": (pl.col("carbon_content") <= 0, "must be positive"),
        "oxidation_rate": (
            (pl.col("oxidation_rate") <= 0) | (pl.col("oxidation_rate") > 1),
            "must be a fraction in (0, 1] (0.98 for 98 %)",
        ),
        "factor": (pl.col("factor") < 0, "must not be negative"),
        "purity": ((pl.col("purity") <= 0) | (pl.col("purity") > 1), "must be a fraction in (0, 1]"),
        "uncertainty_pct": (pl.col("uncertainty_pct") < 0, "must not be negative"),
    }
    for c, (expr, reason) in ranges.items():
        if df[c].null_count() != df.height:
            checks.append((c, expr, reason))
            checks.append((c, pl.col(c).is_nan() | pl.col(c).is_infinite(), "must be a finite number"))
    errors: list[RowError] = []
    if not df.select(pl.any_horizontal([e.fill_null(False) for _, e, _ in checks]).any()).item():
        return errors
    flags = df.select([e.fill_null(False).any().alias(f"e{i}") for i, (_, e, _) in enumerate(checks)]).row(0)
    for hit, (c, expr, reason) in zip(flags, checks, strict=True):
        if hit:
            rows = df.filter(expr.fill_null(False))[_ROW].to_list()
            errors += [RowError(source, r, c, reason, label) for r in rows]
    return errors


def _blank_entity_errors(df: pl.DataFrame, entities: list[str], source: str, label: str) -> list[RowError]:
    """Entities that are only whitespace (checked on the distinct entities, not per row)."""
    blanks = [e for e in entities if e is not None and not e.strip()]
    if not blanks:
        return []
    rows = df.filter(pl.col("entity").cast(pl.String).is_in(blanks))[_ROW].to_list()
    return [RowError(source, r, "entity", "required value is empty", label) for r in rows]


def _key_check(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Checks of one distinct key's text columns: every (column, reason) found."""
    problems = []
    for c in ("period", "category", "item", "unit"):
        v = row.get(c)
        if v is None or str(v).strip() == "":
            problems.append((c, "required value is empty"))
    category = str(row.get("category") or "").strip()
    if category and category not in CATEGORIES:
        problems.append(("category", f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}"))
    period = str(row.get("period") or "").strip()
    if period and not _PERIOD_RE.match(period):
        problems.append(("period", "must start with a four-digit year (2023, 2023-05, 2023Q2)"))
    for c in ("ncv", "carbon_content", "factor"):
        if row.get(f"_has_{c}") and (row.get(f"{c}_unit") is None or str(row[f"{c}_unit"]).strip() == ""):
            problems.append((f"{c}_unit", f"{c} is given, so its unit is required"))
    return problems


def _row_hash(cols: list[str], seed: int) -> pl.Expr:
    """A 64-bit hash of a row's ``cols`` (per-column hashes combined with wrapping multiply-add)."""
    h = pl.lit(0, dtype=pl.UInt64)
    for c in cols:
        h = h * pl.lit(0x100000001B3, dtype=pl.UInt64) + pl.col(c).hash(seed=seed)
    return h


def _encode_keys(df: pl.DataFrame, has_cols: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """Add ``_k``: one UInt64 per distinct combination of the key columns and override flags.

    The key columns are hashed row-wise with two independent seeds. The first hash is the key; the
    second verifies it: if any value of the first stands for more than one value of the second (two
    different keys collided), the key is rebuilt exactly from a unique over the key columns.
    """
    cols = [c for c in KEY_COLUMNS if df[c].null_count() != df.height]
    flags = pl.lit(0, dtype=pl.UInt8)
    for bit, c in enumerate(has_cols):
        flags = flags + pl.col(c).is_not_null().cast(pl.UInt8) * (1 << bit)
    df = (
        df.with_columns(flags.alias("_f"))
        if has_cols
        else df.with_columns(pl.lit(0, dtype=pl.UInt8).alias("_f"))
    )
    key_cols = [*cols, "_f"]
    hashed = df.select(_row_hash(key_cols, 0).alias("_k"), _row_hash(key_cols, 1).alias("_k2"))
    clash = (
        hashed.lazy()
        .group_by("_k")
        .agg(pl.col("_k2").min().alias("lo"), pl.col("_k2").max().alias("hi"))
        .filter(pl.col("lo") != pl.col("hi"))
        .collect()
    )
    if clash.height == 0:
        return df.with_columns(hashed["_k"]).drop("_f"), cols
    uniq = df.select(key_cols).unique().with_row_index("_k").with_columns(pl.col("_k").cast(pl.UInt64))
    df = df.join(uniq, on=key_cols, how="left", nulls_equal=True).drop("_f")
    return df, cols


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
    df, label, errors = _prepare(lines, source=source)
    if df.height == 0:
        raise ActivityDataError([RowError(source, 1, "entity", "the input has no activity lines", "row")])
    errors += _row_checks(df, source, label)

    # -- distinct keys, resolved once each ---------------------------------------------------------
    has_cols = [c for c in OVERRIDE_COLUMNS if df[c].null_count() != df.height]
    df, key_cols = _encode_keys(df, has_cols)
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
        problems = _key_check(row)
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
        bad = df.filter(pl.col("_k").is_in(list(bad_k))).select(_ROW, "_k")
        errors += [RowError(source, r, col, why, label) for r, k in bad.iter_rows() for col, why in bad_k[k]]
    if errors:
        seen: set[tuple[int, str]] = set()
        unique_errors = []
        for e in errors:
            if (e.row, e.column) not in seen:
                seen.add((e.row, e.column))
                unique_errors.append(e)
        raise ActivityDataError(unique_errors)

    plan = _Plan(by_kid, categories=categories)
    n_u = df["uncertainty_pct"].null_count()
    plan.uncertainty_given = "none" if n_u == df.height else ("all" if n_u == 0 else "some")
    attrs = plan.attribute_table(k_to_kid)
    lazy = df.lazy().join(attrs.lazy(), on="_k", how="left")
    if plan.has_mb:
        lazy = _market_based(lazy, by_kid)
    lazy = lazy.with_columns(plan.row_outputs())
    w = None
    if keep_lines or monte_carlo:
        w = lazy.collect()
        lazy = w.lazy()
    g = _sum_per_entity(df, lazy, plan.aggregations())
    blank = _blank_entity_errors(df, g["entity"].to_list(), source, label)
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

    mc = _monte_carlo(w, plan, monte_carlo, int(seed or 0)) if w is not None and monte_carlo else None
    line_frame = _line_frame(w, plan) if w is not None and keep_lines else None
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
        lines=line_frame,
        keys=by_kid,
        record=record,
        factor_statuses=statuses,
        monte_carlo=mc,
        notes=notes,
    )


def _sum_per_entity(df: pl.DataFrame, lazy: pl.LazyFrame, aggs: list[pl.Expr]) -> pl.DataFrame:
    """Group ``lazy`` by entity and apply ``aggs``, sorted by entity.

    Grouping is on a 64-bit hash of the entity name (cheaper than hashing the text inside the
    group-by); a second, independently seeded hash is carried along and must be constant within
    each group, otherwise two entities collided and the grouping is redone on the names themselves.
    """
    e1, e2 = pl.col("entity").hash(seed=0), pl.col("entity").hash(seed=2)
    g = (
        lazy.with_columns(e1.alias("_e"), e2.alias("_e2"))
        .group_by("_e")
        .agg([*aggs, pl.col("_e2").min().alias("_e2lo"), pl.col("_e2").max().alias("_e2hi")])
        .collect(engine=_ENGINE)
    )
    if (g["_e2lo"] != g["_e2hi"]).any():
        out = lazy.group_by("entity").agg(aggs).collect(engine=_ENGINE)
        return out.with_columns(pl.col("entity").cast(pl.String)).sort("entity")
    names = df.select(pl.col("entity").cast(pl.String), e1.alias("_e"))
    names = names[names["_e"].arg_unique()]
    return g.join(names, on="_e", how="left").drop("_e", "_e2lo", "_e2hi").sort("entity")


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
        year=int(_PERIOD_RE.match(t("period")).group(1)),  # type: ignore[union-attr]
        ncv_unit=t("ncv_unit") if has["ncv"] else "",
        carbon_content_unit=t("carbon_content_unit") if has["carbon_content"] else "",
        factor_unit=t("factor_unit") if has["factor"] else "",
        has_ncv=has["ncv"],
        has_carbon_content=has["carbon_content"],
        has_oxidation_rate=has["oxidation_rate"],
        has_factor=has["factor"],
        has_purity=has["purity"],
    )


class _Plan:
    """The per-key coefficients of every output column, and the expressions that use them.

    Each line's slot ``s`` contributes ``b_s x K[o, s]`` to output ``o``, where
    ``b_s = quantity x (row override columns of the slot) x (market-based share)``. When no key uses
    row overrides and no line is market-based, ``b_s = quantity`` and the slots are summed per key
    beforehand, so each output is one multiplication per row.
    """

    def __init__(self, by_kid: dict[int, KeyResolution], *, categories: bool = True) -> None:
        self.by_kid = by_kid
        self.with_categories = categories
        self.uncertainty_given = "some"  # "none" | "some" | "all": lines stating uncertainty_pct
        self.n_slots = max((len(r.slots) for r in by_kid.values()), default=1) or 1
        self.masks = sorted({(i, c) for r in by_kid.values() for i, s in enumerate(r.slots) for c in s.uses})
        self.has_mb = any(r.mb_role for r in by_kid.values())
        self.general = bool(self.masks) or self.has_mb
        self.gases = sorted({s.gas for r in by_kid.values() for s in r.slots})
        self.categories = sorted({r.key.category for r in by_kid.values()})
        self.has_pe = "purchased_electricity" in self.categories
        # GHG Protocol dual reporting (location- and market-based) when any line uses a GHGP method
        self.dual = any(r.methodology.startswith("GHGP-S2") for r in by_kid.values())
        self.unc: dict[int, tuple[float, bool]] = {}
        for k, r in by_kid.items():
            weights = [float(s.coef) * s.gwp for s in r.slots]
            fu = [
                [(f.ref, f.uncertainty.half_width_pct if f.uncertainty else None) for f in s.factors]
                for s in r.slots
            ]
            u, complete = key_uncertainty(weights, fu)
            self.unc[k] = (u, complete and not any(s.uses for s in r.slots))
        sigs = {}
        for k, r in by_kid.items():
            if self.unc[k][0] > 0:
                refs = "|".join(
                    sorted({f.ref for s in r.slots for f in s.factors if f.uncertainty is not None})
                )
                sigs.setdefault((refs, round(self.unc[k][0], 12)), []).append(k)
        self.sigs = list(sigs.values())

    # outputs: name -> per-kid, per-slot coefficient
    def _coefficients(self) -> dict[str, list[list[float]]]:
        out: dict[str, list[list[float]]] = {}
        n = self.n_slots

        def add(name: str, fn: Any) -> None:
            out[name] = [
                [fn(r, r.slots[i]) if i < len(r.slots) else 0.0 for i in range(n)]
                for r in self.by_kid.values()
            ]

        add("o_s1", lambda r, s: float(s.coef) * s.gwp if r.scope == "scope1" else 0.0)
        add("o_s2", lambda r, s: float(s.coef) * s.gwp if r.scope == "scope2" else 0.0)
        if self.with_categories:
            for j, c in enumerate(self.categories):
                add(f"o_cat{j}", lambda r, s, c=c: float(s.coef) * s.gwp if r.key.category == c else 0.0)
        if self.dual:  # location-based scope 2 of lines that are not market-based (dual reporting)
            add(
                "o_loc",
                lambda r, s: (
                    float(s.coef) * s.gwp
                    if r.key.category == "purchased_electricity" and not r.mb_role
                    else 0.0
                ),
            )
        for j, gas in enumerate(self.gases):
            add(f"o_gas{j}", lambda r, s, gas=gas: float(s.coef) if s.gas == gas else 0.0)
        for j, members in enumerate(self.sigs):
            ks = set(members)
            add(f"o_sig{j}", lambda r, s, ks=ks: float(s.coef) * s.gwp if self._kid_of(r) in ks else 0.0)
        if self.has_mb:
            add("o_mkt", lambda r, s: float(s.coef) * s.gwp if r.mb_role else 0.0)
        return out

    def _kid_of(self, r: KeyResolution) -> int:
        return self._index[id(r)]

    def attribute_table(self, k_to_kid: dict[int, int]) -> pl.DataFrame:
        self._index = {id(r): k for k, r in self.by_kid.items()}
        coefs = self._coefficients()
        self.outputs = list(coefs)
        kids = list(self.by_kid)
        cols: dict[str, Any] = {"_kid": kids}
        if self.general:
            for name, rows in coefs.items():
                for i in range(self.n_slots):
                    cols[f"{name}_{i}"] = [row[i] for row in rows]
            for i, c in self.masks:
                cols[f"m{i}_{c}"] = [i < len(r.slots) and c in r.slots[i].uses for r in self.by_kid.values()]
        else:
            for name, rows in coefs.items():
                cols[name] = [sum(row) for row in rows]
        complete = {self.unc[k][1] for k in kids}
        self.mixed_completeness = len(complete) > 1
        self.all_complete = complete == {True}
        if self.mixed_completeness:
            cols["_inc"] = [0 if self.unc[k][1] else 1 for k in kids]
        if self.has_mb:
            cols["_lc"] = [
                (r.location_coef or 0.0) if r.mb_role == "consumption" else 0.0 for r in self.by_kid.values()
            ]
        per_kid = pl.DataFrame(cols, schema_overrides={"_kid": pl.UInt32})
        mapping = pl.DataFrame(
            {"_k": list(k_to_kid), "_kid": list(k_to_kid.values())},
            schema_overrides={"_k": pl.UInt64, "_kid": pl.UInt32},
        )
        return mapping.join(per_kid, on="_kid", how="left")

    def row_outputs(self) -> list[pl.Expr]:
        q = pl.col("quantity")
        if not self.general:
            exprs = [(q * pl.col(name)).alias(name) for name in self.outputs]
        else:
            base = []
            for i in range(self.n_slots):
                b = q * pl.col("_mb") if self.has_mb else q
                for j, c in self.masks:
                    if j == i:
                        b = b * pl.when(pl.col(f"m{i}_{c}")).then(pl.col(c)).otherwise(1.0)
                base.append(b)
            exprs = [
                pl.sum_horizontal([base[i] * pl.col(f"{name}_{i}") for i in range(self.n_slots)]).alias(name)
                for name in self.outputs
            ]
        if self.has_mb:
            exprs.append((q * pl.col("_lc")).alias("_locmb"))
        return exprs

    def aggregations(self) -> list[pl.Expr]:
        u = pl.col("uncertainty_pct").fill_null(0.0) / 100.0
        aggs = [pl.col(name).sum() for name in self.outputs]
        aggs.append(pl.len().alias("lines"))
        # activity uncertainty sums only where some line states one (all / none need no per-entity count)
        if self.uncertainty_given != "none":
            aggs.append(((u * (pl.col("o_s1") + pl.col("o_s2"))) ** 2).sum().alias("_V"))
        if self.uncertainty_given == "some":
            aggs.append(pl.col("uncertainty_pct").null_count().alias("_NU"))
        if self.mixed_completeness:
            aggs.append(pl.col("_inc").sum().alias("_INC"))
        if self.has_mb:
            aggs.append(pl.col("_locmb").sum().alias("_LOCMB"))
            aggs.append((pl.col("_role") != "").sum().alias("_NMB"))
        return aggs

    def entity_frames(self, g: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        if self.uncertainty_given == "none":
            g = g.with_columns(pl.lit(0.0).alias("_V"), pl.col("lines").alias("_NU"))
        elif self.uncertainty_given == "all":
            g = g.with_columns(pl.lit(0, dtype=pl.UInt32).alias("_NU"))
        var = pl.col("_V")
        for j, members in enumerate(self.sigs):
            u_sig = self.unc[members[0]][0] / 100.0
            var = var + (u_sig * pl.col(f"o_sig{j}")) ** 2
        entity = g.select(
            "entity",
            (pl.col("o_s1") + pl.col("o_s2")).alias("total_tco2e"),
            pl.col("o_s1").alias("scope1_tco2e"),
            pl.col("o_s2").alias("scope2_tco2e"),
            (
                (pl.col("o_loc") + (pl.col("_LOCMB") if self.has_mb else 0.0))
                if self.dual
                else pl.lit(None, dtype=pl.Float64)
            ).alias("scope2_location_based"),
            (
                pl.when(pl.col("_NMB") > 0).then(pl.col("o_mkt"))
                if self.has_mb
                else pl.lit(None, dtype=pl.Float64)
            ).alias("scope2_market_based"),
            pl.when(pl.col("o_s1") + pl.col("o_s2") != 0)
            .then(var.sqrt() / (pl.col("o_s1") + pl.col("o_s2")).abs() * 100.0)
            .alias("uncertainty_pct"),
            (
                (pl.col("_NU") == 0)
                & ((pl.col("_INC") == 0) if self.mixed_completeness else pl.lit(self.all_complete))
            ).alias("uncertainty_complete"),
            "lines",
        )
        gas = pl.concat(
            [
                g.select("entity", pl.lit(gas).alias("gas"), pl.col(f"o_gas{j}").alias("t"))
                for j, gas in enumerate(self.gases)
            ]
        )
        weights = {gas: self._gwp_of(gas) for gas in self.gases}
        gas = gas.with_columns(
            (pl.col("t") * pl.col("gas").replace_strict(weights, return_dtype=pl.Float64)).alias("tco2e")
        )
        gas = gas.filter(pl.col("t") != 0)
        if not self.with_categories:
            return (
                entity,
                gas,
                pl.DataFrame(schema={"entity": pl.String, "category": pl.String, "tco2e": pl.Float64}),
            )
        cat = pl.concat(
            [
                g.select("entity", pl.lit(c).alias("category"), pl.col(f"o_cat{j}").alias("tco2e"))
                for j, c in enumerate(self.categories)
            ]
        )
        return entity, gas, cat.filter(pl.col("tco2e") != 0)

    def _gwp_of(self, gas: str) -> float:
        for r in self.by_kid.values():
            for s in r.slots:
                if s.gas == gas:
                    return s.gwp
        return 0.0


def _market_based(w: pl.LazyFrame, by_kid: dict[int, KeyResolution]) -> pl.LazyFrame:
    """GHG Protocol Scope 2 market-based: cap instruments at consumption per entity and period.

    Consumption C = MWh of non-instrument lines, instruments I = MWh of certificate/PPA lines.
    Instruments are scaled by min(1, C/I); consumption keeps the share 1 - min(I, C)/C at the
    residual (or grid-average) factor.
    """
    mwh = parse_unit("MWh").scale
    role = pl.DataFrame(
        {
            "_kid": list(by_kid),
            "_role": [r.mb_role for r in by_kid.values()],
            "_mwh": [
                float(parse_unit(r.key.unit).scale / mwh) if r.mb_role else 0.0 for r in by_kid.values()
            ],
        },
        schema_overrides={"_kid": pl.UInt32},
    )
    w = w.join(role.lazy(), on="_kid", how="left").with_columns(
        (pl.col("quantity") * pl.col("_mwh")).alias("_qmwh")
    )
    totals = (
        w.filter(pl.col("_role") != "")
        .group_by("entity", "period")
        .agg(
            pl.col("_qmwh").filter(pl.col("_role") == "consumption").sum().alias("_C"),
            pl.col("_qmwh").filter(pl.col("_role") == "instrument").sum().alias("_I"),
        )
    )
    w = w.join(totals, on=["entity", "period"], how="left")
    covered = pl.min_horizontal(pl.col("_I"), pl.col("_C"))
    return w.with_columns(
        pl.when(pl.col("_role") == "consumption")
        .then(pl.when(pl.col("_C") > 0).then(1.0 - covered / pl.col("_C")).otherwise(0.0))
        .when(pl.col("_role") == "instrument")
        .then(
            pl.when(pl.col("_I") > 0)
            .then(pl.min_horizontal(pl.lit(1.0), pl.col("_C") / pl.col("_I")))
            .otherwise(0.0)
        )
        .otherwise(1.0)
        .alias("_mb"),
    )


def _line_frame(w: pl.DataFrame, plan: _Plan) -> pl.DataFrame:
    info = pl.DataFrame(
        {
            "_kid": list(plan.by_kid),
            "factors": [list(r.refs) for r in plan.by_kid.values()],
            "_meth": [r.methodology for r in plan.by_kid.values()],
            "_flags": ["; ".join(r.flags) for r in plan.by_kid.values()],
            "_uk": [plan.unc[k][0] for k in plan.by_kid],
            "_uc": [plan.unc[k][1] for k in plan.by_kid],
        },
        schema_overrides={"_kid": pl.UInt32, "factors": pl.List(pl.String)},
    )
    out = w.join(info, on="_kid", how="left").sort(_ROW)
    return out.select(
        pl.col(_ROW).alias("row"),
        *[pl.col(c).cast(pl.String) for c in ("entity", "period", "category", "item")],
        "quantity",
        pl.col("unit").cast(pl.String),
        pl.col("counterparty").cast(pl.String),
        (pl.col("o_s1") + pl.col("o_s2")).alias("tco2e"),
        "factors",
        pl.col("_meth").alias("methodology"),
        (pl.col("uncertainty_pct").fill_null(0.0) ** 2 + pl.col("_uk") ** 2).sqrt().alias("uncertainty_pct"),
        (pl.col("_uc") & pl.col("uncertainty_pct").is_not_null()).alias("uncertainty_complete"),
        pl.col("_flags").alias("flags"),
    )


def _monte_carlo(w: pl.DataFrame, plan: _Plan, n: int, seed: int) -> dict[str, Any]:
    """IPCC 2006 Vol.1 Ch.3 Approach 2.

    Each factor with a stated uncertainty is drawn once per iteration and shared by every line that
    uses it (full correlation); each entity-key group's activity total is drawn from a normal with
    the combined variance of its lines' activity data (independent lines).
    """
    rng = np.random.default_rng(seed)
    by_kid = plan.by_kid
    factors = {f.ref: f for r in by_kid.values() for s in r.slots for f in s.factors if f.uncertainty}
    draws = {ref: relative_samples(f.uncertainty, n, rng) for ref, f in sorted(factors.items())}
    u = pl.col("uncertainty_pct").fill_null(0.0) / 100.0
    e_row = pl.col("o_s1") + pl.col("o_s2")
    g = w.group_by("entity", "_kid").agg(e_row.sum().alias("E"), ((u * e_row) ** 2).sum().alias("V"))
    g = g.with_columns(pl.col("entity").cast(pl.String)).sort("entity", "_kid")
    names = g["entity"].unique(maintain_order=True).to_list()
    index = {e: i for i, e in enumerate(names)}
    samples = np.zeros((len(names), n))
    for (kid,), part in g.group_by(["_kid"], maintain_order=True):
        r = by_kid[int(kid)]
        weights = np.array([float(s.coef) * s.gwp for s in r.slots])
        total_w = weights.sum()
        ratio = np.zeros(n)
        for wt, s in zip(weights, r.slots, strict=True):
            f = np.ones(n)
            for fac in s.factors:
                if fac.ref in draws:
                    f = f * draws[fac.ref]
            ratio += wt * f
        ratio = ratio / total_w if total_w else np.ones(n)
        e = part["E"].to_numpy()
        # V sums squared 95 % half-widths; a normal's standard deviation is the half-width / 1.96
        sd = np.sqrt(part["V"].to_numpy()) / np.where(e != 0, np.abs(e), 1.0) / Z95
        rows = np.array([index[x] for x in part["entity"].to_list()])
        for start in range(0, len(rows), 4096):
            sl = slice(start, start + 4096)
            act = 1.0 + rng.standard_normal((len(rows[sl]), n)) * sd[sl, None]
            samples[rows[sl]] += e[sl, None] * act * ratio[None, :]
    total = samples.sum(axis=0)

    def summary(x: np.ndarray) -> dict[str, float | None]:
        mean = float(x.mean())
        lo, hi = (float(v) for v in np.percentile(x, [2.5, 97.5]))
        return {
            "mean": mean,
            "p2_5": lo,
            "p97_5": hi,
            "uncertainty_pct": (hi - lo) / 2.0 / abs(mean) * 100.0 if mean else None,
        }

    return {
        "iterations": n,
        "seed": seed,
        "total": summary(total),
        "entities": {e: summary(samples[i]) for e, i in index.items()},
    }
