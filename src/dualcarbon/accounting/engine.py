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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from dualcarbon.accounting.errors import ActivityDataError, RowError
from dualcarbon.accounting.factors import FactorDatabase, default_database
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
TEXT_COLUMNS = ("entity", "period", "category", "item", "unit", "ncv_unit", "carbon_content_unit", "factor_unit",
                "region", "methodology", "counterparty")
NUMERIC_COLUMNS = ("quantity", "ncv", "carbon_content", "oxidation_rate", "factor", "purity", "uncertainty_pct")
_KEY_TEXT = ("category", "item", "unit", "region", "methodology", "period", "ncv_unit", "carbon_content_unit", "factor_unit")
_ROW = "_row"
_ELECTRICITY = ("purchased_electricity", "exported_electricity")


# ---------------------------------------------------------------------------------------------
# input preparation and validation
# ---------------------------------------------------------------------------------------------
def prepare_lines(lines: pl.DataFrame | Iterable[Mapping[str, Any]], *, source: str = "<input>") -> tuple[pl.DataFrame, str]:
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
        df = pl.DataFrame(records, infer_schema_length=None) if records else pl.DataFrame({c: [] for c in REQUIRED_COLUMNS})
    rename = {c: c.strip().lower() for c in df.columns if c != c.strip().lower()}
    if rename:
        df = df.rename(rename)
    label = "row" if _ROW in df.columns else "record"
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ActivityDataError([RowError(source, 1, c, "required column is missing (header row)", "row") for c in missing])
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
                errors += [RowError(source, r, c, f"{v!r} is not a number", label) for r, v, _ in bad.iter_rows()]
                exprs.append(parsed.alias(c))
    if exprs:
        df = df.with_columns(exprs)
    return df, label, errors


def _validate(df: pl.DataFrame, source: str, label: str) -> tuple[list[RowError], pl.Expr]:
    """Column checks that need no factor lookup. Returns the errors and a 'row is valid' expression."""
    checks: list[tuple[str, pl.Expr, str]] = []
    for c in ("entity", "period", "category", "item", "unit"):
        col = pl.col(c).cast(pl.String)
        checks.append((c, col.is_null() | (col.str.strip_chars() == ""), "required value is empty"))
    q = pl.col("quantity")
    checks += [
        ("quantity", q.is_null(), "required value is empty"),
        ("quantity", q.is_nan() | q.is_infinite(), "must be a finite number"),
        ("quantity", q < 0, "must not be negative (exports, recovery and product outputs have their own categories)"),
        ("category", ~pl.col("category").cast(pl.String).str.strip_chars().is_in(CATEGORIES)
         & pl.col("category").is_not_null(), f"unknown category; use one of {', '.join(CATEGORIES)}"),
        ("period", ~pl.col("period").cast(pl.String).str.contains(r"^\s*(19|20|21)\d\d") & pl.col("period").is_not_null(),
         "must start with a four-digit year (2023, 2023-05, 2023Q2)"),
        ("ncv", pl.col("ncv") <= 0, "must be positive"),
        ("carbon_content", pl.col("carbon_content") <= 0, "must be positive"),
        ("oxidation_rate", (pl.col("oxidation_rate") <= 0) | (pl.col("oxidation_rate") > 1),
         "must be a fraction in (0, 1] (0.98 for 98 %)"),
        ("factor", pl.col("factor") < 0, "must not be negative"),
        ("purity", (pl.col("purity") <= 0) | (pl.col("purity") > 1), "must be a fraction in (0, 1]"),
        ("uncertainty_pct", pl.col("uncertainty_pct") < 0, "must not be negative"),
    ]
    for c in ("ncv", "carbon_content", "oxidation_rate", "factor", "purity", "uncertainty_pct"):
        checks.append((c, pl.col(c).is_nan() | pl.col(c).is_infinite(), "must be a finite number"))
    for c, unit_col in (("ncv", "ncv_unit"), ("carbon_content", "carbon_content_unit"), ("factor", "factor_unit")):
        checks.append((unit_col, pl.col(c).is_not_null() & (pl.col(unit_col).is_null() | (pl.col(unit_col).cast(pl.String).str.strip_chars() == "")),
                       f"{c} is given, so its unit is required"))
    active = [(c, e.fill_null(False), r) for c, e, r in checks if not _all_null(df, c)]
    flags = df.select([e.alias(f"e{i}") for i, (_, e, _) in enumerate(active)] + [pl.col(_ROW)])
    errors: list[RowError] = []
    any_bad = pl.lit(False)
    for i, (c, _, reason) in enumerate(active):
        name = f"e{i}"
        if flags[name].any():
            errors += [RowError(source, r, c, reason, label) for r in flags.filter(pl.col(name))[_ROW].to_list()]
            any_bad = any_bad | pl.col(name)
    bad_rows = {e.row for e in errors}
    valid = ~pl.col(_ROW).is_in(list(bad_rows)) if bad_rows else pl.lit(True)
    return errors, valid


def _all_null(df: pl.DataFrame, column: str) -> bool:
    base = column.removesuffix("_unit") if column.endswith("_unit") else column
    return column in NUMERIC_COLUMNS and df[base].null_count() == df.height


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------
@dataclass
class AccountingResult:
    """What :func:`account` returns.

    Attributes
    ----------
    total_tco2e : float
        Sum over every entity (unrounded; round only when reporting, see :func:`round_for_report`).
    entities : dict
        Per entity: ``total_tco2e``, ``by_scope``, ``by_gas`` (tCO2e), ``by_gas_t`` (tonnes of gas,
        memo items included), ``by_category``, ``by_period``, ``scope2_location_based``,
        ``scope2_market_based``, ``uncertainty_pct`` (Approach 1), ``uncertainty_complete`` and
        ``monte_carlo`` when requested.
    lines : polars.DataFrame or None
        Per input line: ``row``, ``entity``, ``period``, ``category``, ``item``, ``tco2e``,
        ``factors``, ``methodology``, ``uncertainty_pct``, ``flags`` (when ``keep_lines``).
    keys : dict[int, KeyResolution]
        The resolution of each distinct key, with its trace (the intermediate values).
    record : CalculationRecord
        Everything needed to re-run the calculation with the same factor versions.
    """

    total_tco2e: float
    gwp: str
    entities: dict[str, dict[str, Any]]
    lines: pl.DataFrame | None
    keys: dict[int, KeyResolution]
    record: Any
    factor_statuses: dict[str, int] = field(default_factory=dict)
    monte_carlo: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

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
            out["monte_carlo"] = self.monte_carlo
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
    pins : mapping, optional
        Factor id -> version to use (re-running a record); default: the newest versions.

    Raises
    ------
    ActivityDataError
        Any line that cannot be computed; ``errors`` names every bad row, column and reason. No
        partial result is returned.
    """
    from dualcarbon.accounting.records import CalculationRecord

    if monte_carlo and seed is None:
        raise InputError("Monte Carlo needs a seed (--seed) so that results are reproducible", column="seed")
    if monte_carlo < 0:
        raise InputError("Monte Carlo iterations must be positive", column="monte_carlo")
    db = db if db is not None else default_database()
    resolver = Resolver(db, gwp=gwp, factor_set=factor_set, vintage=vintage, pins=dict(pins or {}))
    df, label, parse_errors = _prepare(lines, source=source)
    errors, valid = _validate(df, source, label)
    if parse_errors:
        seen = {(e.row, e.column) for e in parse_errors}
        errors = parse_errors + [e for e in errors if (e.row, e.column) not in seen]
        bad_rows = [e.row for e in parse_errors]
        valid = valid & ~pl.col(_ROW).is_in(bad_rows)
    work = df.filter(valid) if errors else df

    # -- distinct keys -------------------------------------------------------------------------------
    present = {c: not _all_null(work, c) for c in OVERRIDE_COLUMNS}
    key_text = [c for c in _KEY_TEXT if work[c].null_count() != work.height]
    ovr = pl.lit(0, dtype=pl.UInt8)
    for bit, c in enumerate(OVERRIDE_COLUMNS):
        if present[c]:
            ovr = ovr + pl.col(c).is_not_null().cast(pl.UInt8) * (1 << bit)
    work = work.with_columns(ovr.alias("_ovr"))
    key_cols = [*key_text, "_ovr"]
    uniq = work.select(key_cols).unique(maintain_order=True)
    ids: dict[LineKey, int] = {}
    key_ids: list[int] = []
    by_id: dict[int, KeyResolution] = {}
    for row in uniq.iter_rows(named=True):
        lk = _line_key(row)
        k = ids.get(lk)
        if k is None:
            k = ids[lk] = len(ids)
            by_id[k] = resolver.resolve(lk)
        key_ids.append(k)
    uniq = uniq.with_columns(pl.Series("_key", key_ids, dtype=pl.UInt32))
    work = work.join(uniq, on=key_cols, how="left", nulls_equal=True)

    bad_keys = [k for k, r in by_id.items() if not r.ok]
    if bad_keys:
        bad = work.filter(pl.col("_key").is_in(bad_keys)).select(_ROW, "_key")
        for r, k in bad.iter_rows():
            errors.append(RowError(source, r, by_id[k].error_column, by_id[k].error, label))
    if errors:
        raise ActivityDataError(errors)
    if work.height == 0:
        raise ActivityDataError([RowError(source, 1, "entity", "the input has no activity lines", "row")])

    # -- per-key attribute table -----------------------------------------------------------------------
    n_slots = max((len(r.slots) for r in by_id.values()), default=1) or 1
    unc_by_key: dict[int, tuple[float, bool]] = {}
    for k, r in by_id.items():
        weights = [float(s.coef) * s.gwp for s in r.slots]
        fu = [[(f.ref, f.uncertainty.half_width_pct if f.uncertainty else None) for f in s.factors] for s in r.slots]
        u, complete = key_uncertainty(weights, fu)
        complete = complete and not any(s.uses for s in r.slots)
        unc_by_key[k] = (u, complete)
    masks_used = sorted({(i, c) for r in by_id.values() for i, s in enumerate(r.slots) for c in s.uses})
    has_mb = any(r.mb_role for r in by_id.values())
    attr = {
        "_key": list(by_id),
        **{f"c{i}": [float(r.slots[i].coef) if i < len(r.slots) else 0.0 for r in by_id.values()] for i in range(n_slots)},
        **{f"w{i}": [float(r.slots[i].coef) * r.slots[i].gwp if i < len(r.slots) else 0.0 for r in by_id.values()]
           for i in range(n_slots)},
        **{f"m{i}_{c}": [i < len(r.slots) and c in r.slots[i].uses for r in by_id.values()] for i, c in masks_used},
    }
    attrs = pl.DataFrame(attr, schema_overrides={"_key": pl.UInt32})
    kw = {k: sum(float(s.coef) * s.gwp for s in r.slots) for k, r in by_id.items()}

    # -- per-row values (general path) or straight aggregation (fast path) -------------------------------
    general = bool(masks_used) or has_mb or keep_lines
    u_act = pl.col("uncertainty_pct").fill_null(0.0) / 100.0
    group = ["entity", "period", "_key"]
    if general:
        w = work.join(attrs, on="_key", how="left")
        if has_mb:
            w = _market_based(w, by_id)
        mult = {i: pl.lit(1.0) for i in range(n_slots)}
        for i, c in masks_used:
            mult[i] = mult[i] * pl.when(pl.col(f"m{i}_{c}")).then(pl.col(c)).otherwise(1.0)
        base = pl.col("quantity") * (pl.col("_mb") if has_mb else pl.lit(1.0))
        w = w.with_columns([(base * pl.col(f"c{i}") * mult[i]).alias(f"t{i}") for i in range(n_slots)])
        w = w.with_columns(pl.sum_horizontal([base * pl.col(f"w{i}") * mult[i] for i in range(n_slots)]).alias("tco2e"))
        aggs = [pl.col(f"t{i}").sum().alias(f"T{i}") for i in range(n_slots)]
        aggs += [pl.col("tco2e").sum().alias("E"), ((u_act * pl.col("tco2e")) ** 2).sum().alias("V"),
                 pl.col("uncertainty_pct").null_count().alias("NU")]
        if has_mb:
            aggs.append(pl.col("_loc").sum().alias("L"))
        g = w.group_by(group).agg(aggs)
    else:
        w = work
        g = work.group_by(group).agg(
            pl.col("quantity").sum().alias("Q"),
            ((u_act * pl.col("quantity")) ** 2).sum().alias("QU2"),
            pl.col("uncertainty_pct").null_count().alias("NU"),
        ).join(attrs, on="_key", how="left")
        kwc = pl.Series("_kw", [kw[k] for k in attrs["_key"].to_list()])
        g = g.join(attrs.select("_key").with_columns(kwc), on="_key", how="left")
        g = g.with_columns(
            *[(pl.col("Q") * pl.col(f"c{i}")).alias(f"T{i}") for i in range(n_slots)],
            (pl.col("Q") * pl.col("_kw")).alias("E"),
            (pl.col("QU2") * pl.col("_kw") ** 2).alias("V"),
        )

    # -- roll the small table up ----------------------------------------------------------------------
    meta = pl.DataFrame(
        {
            "_key": list(by_id),
            "scope": [r.scope for r in by_id.values()],
            "category": [r.key.category for r in by_id.values()],
            "_ukey": [unc_by_key[k][0] / 100.0 for k in by_id],
            "_ucomplete": [unc_by_key[k][1] for k in by_id],
            "_mb": [r.mb_role for r in by_id.values()],
            **{f"gas{i}": [r.slots[i].gas if i < len(r.slots) else "" for r in by_id.values()] for i in range(n_slots)},
            **{f"g{i}": [r.slots[i].gwp if i < len(r.slots) else 0.0 for r in by_id.values()] for i in range(n_slots)},
        },
        schema_overrides={"_key": pl.UInt32},
    )
    g = g.join(meta, on="_key", how="left")
    entities = _entity_summaries(g, n_slots, has_mb, by_id)
    total = float(g["E"].sum())

    statuses: dict[str, int] = {}
    for ref in resolver.used:
        st = resolver.used[ref].status
        statuses[st] = statuses.get(st, 0) + 1
    notes = []
    if statuses.get("transcribed-unverified"):
        notes.append(f"{statuses['transcribed-unverified']} factor(s) used are transcribed-unverified: not yet checked "
                     "against the official document (see factors_used and the factor database)")
    for r in by_id.values():
        for f in r.flags:
            if f not in notes:
                notes.append(f)

    mc = None
    if monte_carlo:
        mc = _monte_carlo(g, by_id, n_slots, monte_carlo, int(seed or 0), entities)

    line_frame = None
    if keep_lines:
        line_frame = _line_frame(w, by_id, unc_by_key)

    record = CalculationRecord.build(
        inputs=df.drop([c for c in ("_ovr", "_key") if c in df.columns]),
        source=source,
        options={"gwp": resolver.gwp, "factor_set": factor_set, "vintage": vintage, "monte_carlo": monte_carlo,
                 "seed": seed, "default_methodology": get_methodology(None).ref},
        resolutions=by_id,
        used=resolver.used,
        total_tco2e=total,
        entity_totals={e: v["total_tco2e"] for e, v in entities.items()},
    )
    return AccountingResult(
        total_tco2e=total,
        gwp=resolver.gwp,
        entities=entities,
        lines=line_frame,
        keys=by_id,
        record=record,
        factor_statuses=statuses,
        monte_carlo=mc,
        notes=notes,
    )


def _line_key(row: Mapping[str, Any]) -> LineKey:
    def t(c: str) -> str:
        v = row.get(c)
        return "" if v is None else str(v).strip()

    ovr = int(row.get("_ovr") or 0)
    has = {c: bool(ovr & (1 << i)) for i, c in enumerate(OVERRIDE_COLUMNS)}
    category = t("category")
    period = t("period")
    return LineKey(
        category=category,
        item=t("item"),
        unit=t("unit"),
        region=t("region") if category in _ELECTRICITY else "",
        methodology=t("methodology") or DEFAULT_METHODOLOGY,
        year=int(period[:4]),
        ncv_unit=t("ncv_unit") if has["ncv"] else "",
        carbon_content_unit=t("carbon_content_unit") if has["carbon_content"] else "",
        factor_unit=t("factor_unit") if has["factor"] else "",
        has_ncv=has["ncv"],
        has_carbon_content=has["carbon_content"],
        has_oxidation_rate=has["oxidation_rate"],
        has_factor=has["factor"],
        has_purity=has["purity"],
    )


def _market_based(w: pl.DataFrame, by_id: dict[int, KeyResolution]) -> pl.DataFrame:
    """GHG Protocol Scope 2 market-based: cap instruments at consumption per entity and period.

    consumption C = MWh of non-instrument lines, instruments I = MWh of certificate/PPA lines.
    Instruments are scaled by min(1, C/I); consumption keeps the share 1 - min(I, C)/C at the
    residual (or grid-average) factor.
    """
    role = pl.DataFrame(
        {
            "_key": list(by_id),
            "_role": [r.mb_role for r in by_id.values()],
            "_mwh": [float(parse_unit(r.key.unit).scale / parse_unit("MWh").scale) if r.mb_role else 0.0 for r in by_id.values()],
            "_lc": [r.location_coef if r.location_coef is not None else 0.0 for r in by_id.values()],
        },
        schema_overrides={"_key": pl.UInt32},
    )
    w = w.join(role, on="_key", how="left").with_columns((pl.col("quantity") * pl.col("_mwh")).alias("_qmwh"))
    totals = w.filter(pl.col("_role") != "").group_by("entity", "period").agg(
        pl.col("_qmwh").filter(pl.col("_role") == "consumption").sum().alias("_C"),
        pl.col("_qmwh").filter(pl.col("_role") == "instrument").sum().alias("_I"),
    )
    w = w.join(totals, on=["entity", "period"], how="left")
    covered = pl.min_horizontal(pl.col("_I"), pl.col("_C"))
    return w.with_columns(
        pl.when(pl.col("_role") == "consumption")
        .then(pl.when(pl.col("_C") > 0).then(1.0 - covered / pl.col("_C")).otherwise(0.0))
        .when(pl.col("_role") == "instrument")
        .then(pl.when(pl.col("_I") > 0).then(pl.min_horizontal(pl.lit(1.0), pl.col("_C") / pl.col("_I"))).otherwise(0.0))
        .otherwise(1.0)
        .alias("_mb"),
        pl.when(pl.col("_role") == "consumption").then(pl.col("quantity") * pl.col("_lc")).otherwise(0.0).alias("_loc"),
    )


def _entity_summaries(g: pl.DataFrame, n_slots: int, has_mb: bool, by_id: dict[int, KeyResolution]) -> dict[str, dict[str, Any]]:
    ent = g.group_by("entity").agg(pl.col("E").sum().alias("total")).sort("entity")
    out: dict[str, dict[str, Any]] = {
        e: {"total_tco2e": t, "by_scope": {"scope1": 0.0, "scope2": 0.0}, "by_gas": {}, "by_gas_t": {},
            "by_category": {}, "by_period": {}, "scope2_location_based": None, "scope2_market_based": None,
            "uncertainty_pct": None, "uncertainty_complete": True}
        for e, t in ent.iter_rows()
    }
    for e, s, v in g.group_by("entity", "scope").agg(pl.col("E").sum()).iter_rows():
        out[e]["by_scope"][s] = v
    for e, c, v in g.group_by("entity", "category").agg(pl.col("E").sum()).sort("category").iter_rows():
        out[e]["by_category"][c] = v
    for e, p, v in g.group_by("entity", "period").agg(pl.col("E").sum()).sort("period").iter_rows():
        out[e]["by_period"][str(p)] = v
    gas_frames = [
        g.select("entity", pl.col(f"gas{i}").alias("gas"), pl.col(f"T{i}").alias("t"), (pl.col(f"T{i}") * pl.col(f"g{i}")).alias("e"))
        for i in range(n_slots)
    ]
    gases = pl.concat(gas_frames).filter(pl.col("gas") != "").group_by("entity", "gas").agg(pl.col("t").sum(), pl.col("e").sum()).sort("gas")
    for e, gas, t, v in gases.iter_rows():
        out[e]["by_gas_t"][gas] = t
        if gas != "CO2_biogenic":
            out[e]["by_gas"][gas] = v
    # scope 2 dual reporting (GHG Protocol): location- and market-based
    s2 = g.filter(pl.col("category") == "purchased_electricity")
    if s2.height:
        loc = pl.when(pl.col("_mb") == "consumption").then(pl.col("L") if has_mb else pl.lit(0.0)) \
            .when(pl.col("_mb") == "instrument").then(0.0).otherwise(pl.col("E"))
        agg = s2.group_by("entity").agg(loc.sum().alias("loc"), (pl.col("_mb") != "").any().alias("is_mb"),
                                        pl.col("E").filter(pl.col("_mb") != "").sum().alias("mb"))
        for e, lval, is_mb, mval in agg.iter_rows():
            out[e]["scope2_location_based"] = lval
            out[e]["scope2_market_based"] = mval if is_mb else None
    # Approach 1: lines sharing factors are summed first (fully correlated), then combined by Eq. 3.2
    sig = {k: _signature(r) for k, r in by_id.items()}
    sig_frame = pl.DataFrame({"_key": list(sig), "_sig": list(sig.values())}, schema_overrides={"_key": pl.UInt32})
    grp = g.join(sig_frame, on="_key", how="left").group_by("entity", "_sig").agg(
        pl.col("E").sum(), pl.col("V").sum(), pl.col("_ukey").first(), pl.col("NU").sum(), pl.col("_ucomplete").all()
    ).with_columns((pl.col("V") + (pl.col("_ukey") * pl.col("E")) ** 2).alias("W"))
    ua = grp.group_by("entity").agg(pl.col("W").sum(), pl.col("E").sum(), (pl.col("NU") == 0).all().alias("a"),
                                    pl.col("_ucomplete").all().alias("f"))
    for e, wsum, esum, a_ok, f_ok in ua.iter_rows():
        out[e]["uncertainty_pct"] = math.sqrt(wsum) / abs(esum) * 100.0 if esum else None
        out[e]["uncertainty_complete"] = bool(a_ok and f_ok)
    return out


def _signature(r: KeyResolution) -> str:
    refs = sorted({f.ref for s in r.slots for f in s.factors if f.uncertainty is not None})
    return "|".join(refs) if refs else f"key:{id(r)}"


def _line_frame(w: pl.DataFrame, by_id: dict[int, KeyResolution], unc_by_key: dict[int, tuple[float, bool]]) -> pl.DataFrame:
    info = pl.DataFrame(
        {
            "_key": list(by_id),
            "factors": [list(r.refs) for r in by_id.values()],
            "_meth": [r.methodology for r in by_id.values()],
            "_flags": ["; ".join(r.flags) for r in by_id.values()],
            "_uk": [unc_by_key[k][0] for k in by_id],
            "_uc": [unc_by_key[k][1] for k in by_id],
        },
        schema_overrides={"_key": pl.UInt32, "factors": pl.List(pl.String)},
    )
    out = w.join(info, on="_key", how="left").sort(_ROW)
    return out.select(
        pl.col(_ROW).alias("row"),
        pl.col("entity").cast(pl.String),
        pl.col("period").cast(pl.String),
        pl.col("category").cast(pl.String),
        pl.col("item").cast(pl.String),
        "quantity",
        pl.col("unit").cast(pl.String),
        pl.col("counterparty").cast(pl.String),
        "tco2e",
        "factors",
        pl.col("_meth").alias("methodology"),
        (pl.col("uncertainty_pct").fill_null(0.0) ** 2 + pl.col("_uk") ** 2).sqrt().alias("uncertainty_pct"),
        (pl.col("_uc") & pl.col("uncertainty_pct").is_not_null()).alias("uncertainty_complete"),
        pl.col("_flags").alias("flags"),
    )


def _monte_carlo(g: pl.DataFrame, by_id: dict[int, KeyResolution], n_slots: int, n: int, seed: int,
                 entities: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """IPCC Approach 2: draw each factor once per iteration (shared by every line using it) and each
    entity-period-key group's activity total from a normal with the combined activity variance."""
    rng = np.random.default_rng(seed)
    refs = sorted({f.ref: f for r in by_id.values() for s in r.slots for f in s.factors if f.uncertainty}.items())
    draws = {ref: relative_samples(f.uncertainty, n, rng) for ref, f in refs}
    ent_names = sorted(entities)
    ent_index = {e: i for i, e in enumerate(ent_names)}
    samples = np.zeros((len(ent_names), n))
    slot_ratio: dict[tuple[int, int], np.ndarray] = {}
    for k, r in by_id.items():
        for i, s in enumerate(r.slots):
            ratio = np.ones(n)
            for f in s.factors:
                if f.ref in draws:
                    ratio = ratio * draws[f.ref]
            slot_ratio[(k, i)] = ratio
    cols = ["entity", "_key", "E", "V", *[f"T{i}" for i in range(n_slots)], *[f"g{i}" for i in range(n_slots)]]
    for row in g.select(cols).iter_rows():
        ent, k, e, v = row[0], row[1], row[2], row[3]
        ts, gs = row[4:4 + n_slots], row[4 + n_slots:]
        sd = math.sqrt(v) / abs(e) if e else 0.0
        act = rng.normal(1.0, sd, n) if sd > 0 else 1.0
        val = np.zeros(n)
        for i in range(len(by_id[k].slots)):
            val += ts[i] * gs[i] * slot_ratio[(k, i)]
        samples[ent_index[ent]] += val * act
    total = samples.sum(axis=0)

    def summary(x: np.ndarray) -> dict[str, float]:
        mean = float(x.mean())
        lo, hi = (float(v) for v in np.percentile(x, [2.5, 97.5]))
        return {"mean": mean, "p2_5": lo, "p97_5": hi,
                "uncertainty_pct": (hi - lo) / 2.0 / abs(mean) * 100.0 if mean else None}

    for e, i in ent_index.items():
        entities[e]["monte_carlo"] = summary(samples[i])
    return {"iterations": n, "seed": seed, "total": summary(total), "z95": Z95}
