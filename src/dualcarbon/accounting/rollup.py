"""Roll-ups from facility to enterprise, park, city, province and industry, without double counting.

Every accounted line belongs to an *entity* (a facility). A hierarchy table maps each entity to the
units above it (``enterprise``, ``park``, ``city``, ``province``, ``industry``). At a given level, a
line that moves energy between two entities **of the same unit** is an internal transfer: the
buyer's purchased electricity or heat was already counted as the seller's direct emissions inside
that unit. Such lines (the buyer's ``purchased_*`` and the seller's ``exported_*``) are eliminated
from that unit's total and reported as ``eliminated_tco2e``.

Internal transfers are tagged on the lines with the optional ``counterparty`` column: the entity id
on the other side of a purchase or export. Untagged lines are never eliminated.

Additivity: for every level, ``sum(total_tco2e + eliminated_tco2e)`` over units equals the sum of
the entities' totals, and with no tagged transfers the units' totals add up to the entities' totals.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from dualcarbon.accounting.errors import ActivityDataError, RowError
from dualcarbon.accounting.methodologies import SCOPE_OF_CATEGORY
from dualcarbon.errors import InputError

__all__ = ["LEVELS", "TRANSFER_CATEGORIES", "ranking", "rollup"]

LEVELS = ("facility", "enterprise", "park", "city", "province", "industry")
TRANSFER_CATEGORIES = ("purchased_electricity", "exported_electricity", "purchased_heat", "exported_heat")


def _hierarchy_frame(hierarchy: pl.DataFrame | Mapping[str, Mapping[str, str]]) -> pl.DataFrame:
    if isinstance(hierarchy, pl.DataFrame):
        h = hierarchy
    else:
        h = pl.DataFrame([{"entity": e, **dict(v)} for e, v in hierarchy.items()])
    if "entity" not in h.columns:
        raise InputError("the hierarchy needs an 'entity' column", column="entity")
    dup = h.group_by("entity").len().filter(pl.col("len") > 1)
    if dup.height:
        raise InputError(
            f"entities listed more than once in the hierarchy: {', '.join(map(str, dup['entity'].to_list()[:10]))}",
            column="entity",
        )
    return h.with_columns(pl.col("entity").cast(pl.String))


def rollup(
    lines: pl.DataFrame, hierarchy: pl.DataFrame | Mapping[str, Mapping[str, str]] | None, level: str
) -> pl.DataFrame:
    """Totals per unit of ``level``, with internal transfers eliminated.

    Parameters
    ----------
    lines : polars.DataFrame
        Per-line results (:attr:`AccountingResult.lines`): ``entity``, ``category``, ``tco2e`` and
        optionally ``counterparty``.
    hierarchy : DataFrame or mapping
        ``entity`` -> the unit at each level (columns named after :data:`LEVELS`). Not needed for
        ``facility``.
    level : str
        One of :data:`LEVELS`.

    Returns
    -------
    polars.DataFrame
        ``unit``, ``total_tco2e``, ``scope1_tco2e``, ``scope2_tco2e``, ``eliminated_tco2e``,
        ``entities``, sorted by ``total_tco2e`` descending (a ranking).
    """
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}", column="level")
    df = lines.drop([c for c in ("unit", "_unit") if c in lines.columns]).with_columns(
        pl.col("entity").cast(pl.String)
    )
    if "counterparty" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("counterparty"))
    df = df.with_columns(pl.col("counterparty").cast(pl.String))
    if level == "facility":
        df = df.with_columns(pl.col("entity").alias("_unit"), pl.col("counterparty").alias("cp_unit"))
    else:
        if hierarchy is None:
            raise InputError(f"a hierarchy is needed to roll up to {level}", column="level")
        h = _hierarchy_frame(hierarchy)
        if level not in h.columns:
            raise InputError(f"the hierarchy has no {level!r} column", column=level)
        units = h.select("entity", pl.col(level).cast(pl.String).alias("_unit"))
        missing = sorted(set(df["entity"].unique().to_list()) - set(units["entity"].to_list()))
        if missing:
            raise ActivityDataError(
                [RowError("hierarchy", 0, level, f"entity {e!r} has no {level}", "entity") for e in missing]
            )
        df = df.join(units, on="entity", how="left").join(
            units.rename({"entity": "counterparty", "_unit": "cp_unit"}), on="counterparty", how="left"
        )
        no_unit = df.filter(pl.col("_unit").is_null())["entity"].unique().to_list()
        if no_unit:
            raise ActivityDataError(
                [
                    RowError("hierarchy", 0, level, f"entity {e!r} has an empty {level}", "entity")
                    for e in no_unit
                ]
            )
    internal = (
        pl.col("category").is_in(TRANSFER_CATEGORIES)
        & pl.col("cp_unit").is_not_null()
        & (pl.col("cp_unit") == pl.col("_unit"))
    )
    scope = pl.col("category").replace_strict(SCOPE_OF_CATEGORY, default="")
    df = df.with_columns(internal.alias("_internal"), scope.alias("_scope"))
    kept = pl.col("tco2e").filter(~pl.col("_internal"))
    return (
        df.group_by("_unit")
        .agg(
            kept.sum().alias("total_tco2e"),
            pl.col("tco2e")
            .filter(~pl.col("_internal") & (pl.col("_scope") == "scope1"))
            .sum()
            .alias("scope1_tco2e"),
            pl.col("tco2e")
            .filter(~pl.col("_internal") & (pl.col("_scope") == "scope2"))
            .sum()
            .alias("scope2_tco2e"),
            pl.col("tco2e").filter(pl.col("_internal")).sum().alias("eliminated_tco2e"),
            pl.col("entity").n_unique().alias("entities"),
        )
        .rename({"_unit": "unit"})
        .sort(["total_tco2e", "unit"], descending=[True, False])
    )


def ranking(rolled: pl.DataFrame, *, top: int | None = None) -> pl.DataFrame:
    """Add a 1-based ``rank`` by ``total_tco2e`` (largest first) and keep the ``top`` units."""
    out = rolled.sort(["total_tco2e", "unit"], descending=[True, False]).with_row_index("rank", offset=1)
    return out.head(top) if top else out
