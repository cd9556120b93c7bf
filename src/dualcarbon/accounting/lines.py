"""Activity lines: the interchange schema, preparation of input frames, row checks and key encoding.

Used by :func:`dualcarbon.accounting.engine.account`. Row numbers in errors are the ``_row`` column:
spreadsheet rows (header = row 1) from the CSV and XLSX readers, 1-based record positions otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from dualcarbon.accounting.errors import ActivityDataError, RowError
from dualcarbon.accounting.methodologies import CATEGORIES

__all__ = [
    "KEY_COLUMNS",
    "NUMERIC_COLUMNS",
    "PERIOD_RE",
    "REQUIRED_COLUMNS",
    "ROW",
    "TEXT_COLUMNS",
    "blank_entity_errors",
    "encode_keys",
    "key_problems",
    "prepare_frame",
    "prepare_lines",
    "row_errors",
    "row_hash",
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
#: the columns that decide a line's arithmetic (with which override columns are filled)
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
ROW = "_row"


def prepare_lines(
    lines: pl.DataFrame | Iterable[Mapping[str, Any]], *, source: str = "<input>"
) -> tuple[pl.DataFrame, str]:
    """Normalise input into the line schema (see :func:`prepare_frame`); raise on any bad cell."""
    df, label, errors = prepare_frame(lines, source=source)
    if errors:
        raise ActivityDataError(errors)
    return df, label


def prepare_frame(
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
        df = df.rename({"_record": ROW})
        label = "record"
    else:
        label = "row" if ROW in df.columns else "record"
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ActivityDataError(
            [RowError(source, 1, c, "required column is missing (header row)", "row") for c in missing]
        )
    if ROW not in df.columns:
        df = df.with_row_index(ROW, offset=1)
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
                bad = df.select(pl.col(ROW), raw.alias("v"), parsed.alias("p")).filter(
                    pl.col("v").is_not_null() & pl.col("p").is_null()
                )
                errors += [
                    RowError(source, r, c, f"{v!r} is not a number", label) for r, v, _ in bad.iter_rows()
                ]
                exprs.append(parsed.alias(c))
    if exprs:
        df = df.with_columns(exprs)
    return df, label, errors


PERIOD_RE = re.compile(r"^\s*((19|20|21)\d\d)")


def row_errors(df: pl.DataFrame, source: str, label: str) -> list[RowError]:
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
            rows = df.filter(expr.fill_null(False))[ROW].to_list()
            errors += [RowError(source, r, c, reason, label) for r in rows]
    return errors


def blank_entity_errors(df: pl.DataFrame, entities: list[str], source: str, label: str) -> list[RowError]:
    """Entities that are only whitespace (checked on the distinct entities, not per row)."""
    blanks = [e for e in entities if e is not None and not e.strip()]
    if not blanks:
        return []
    rows = df.filter(pl.col("entity").cast(pl.String).is_in(blanks))[ROW].to_list()
    return [RowError(source, r, "entity", "required value is empty", label) for r in rows]


def key_problems(row: Mapping[str, Any]) -> list[tuple[str, str]]:
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
    if period and not PERIOD_RE.match(period):
        problems.append(("period", "must start with a four-digit year (2023, 2023-05, 2023Q2)"))
    for c in ("ncv", "carbon_content", "factor"):
        if row.get(f"_has_{c}") and (row.get(f"{c}_unit") is None or str(row[f"{c}_unit"]).strip() == ""):
            problems.append((f"{c}_unit", f"{c} is given, so its unit is required"))
    return problems


def row_hash(cols: list[str], seed: int) -> pl.Expr:
    """A 64-bit hash of a row's ``cols`` (per-column hashes combined with wrapping multiply-add)."""
    h = pl.lit(0, dtype=pl.UInt64)
    for c in cols:
        h = h * pl.lit(0x100000001B3, dtype=pl.UInt64) + pl.col(c).hash(seed=seed)
    return h


def encode_keys(df: pl.DataFrame, has_cols: list[str]) -> tuple[pl.DataFrame, list[str]]:
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
    hashed = df.select(row_hash(key_cols, 0).alias("_k"), row_hash(key_cols, 1).alias("_k2"))
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
