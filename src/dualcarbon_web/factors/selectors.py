"""Reads of the factor database: the shipped tables plus the versions added on the platform.

Everyone signed in may read every factor (the database is public reference data). The
``FactorDatabase`` is rebuilt only when the platform's own table changes.
"""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from dualcarbon.accounting.factors import FactorDatabase, FactorRecord, Provenance
from dualcarbon_web.factors.models import FactorVersion
from dualcarbon_web.factors.store import OrmFactorStore
from dualcarbon_web.platform.errors import NotFound

__all__ = (
    "factor_database",
    "factor_facets",
    "factor_get",
    "factor_list",
    "factor_tables",
    "factor_versions",
)

_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "db": None}


def factor_database() -> FactorDatabase:
    """The complete factor database as of now (shipped tables + platform additions)."""
    state = FactorVersion.objects.aggregate(n=Count("id"), last=Max("id"))
    key = (state["n"], state["last"])
    with _lock:
        if _cache["key"] != key or _cache["db"] is None:
            _cache["db"] = FactorDatabase(store=OrmFactorStore())
            _cache["key"] = key
        return _cache["db"]  # type: ignore[return-value]


def factor_list(
    *,
    q: str = "",
    family: str = "",
    gas: str = "",
    region: str = "",
    status: str = "",
    table: str = "",
    year: int | None = None,
) -> list[FactorRecord]:
    """Newest versions matching the search text and every given filter, ordered by id."""
    db = factor_database()
    records = db.search(q, limit=10**9) if q.strip() else list(db.latest())
    out = [
        r
        for r in records
        if (not family or r.family == family)
        and (not gas or r.gas == gas)
        and (not region or r.region == region)
        and (not status or r.status == status)
        and (not table or r.provenance.table == table)
        and (year is None or r.applies_to(year))
    ]
    return sorted(out, key=lambda r: r.id)


def factor_get(ref: str) -> FactorRecord:
    from dualcarbon.errors import DataNotFound

    try:
        return factor_database().get(ref)
    except DataNotFound as exc:
        raise NotFound(str(exc)) from exc


def factor_versions(factor_id: str) -> tuple[FactorRecord, ...]:
    versions = factor_database().versions(factor_id)
    if not versions:
        raise NotFound(f"no factor with id {factor_id!r}")
    return versions


def factor_tables() -> dict[str, Provenance]:
    """Provenance of every shipped table, by table name."""
    return dict(factor_database().tables)


def factor_facets() -> dict[str, list[str]]:
    """Distinct values for the filter menus."""
    latest = list(factor_database().latest())
    return {
        "family": sorted({r.family for r in latest if r.family}),
        "gas": sorted({r.gas for r in latest if r.gas}),
        "region": sorted({r.region for r in latest if r.region}),
        "status": sorted({r.status for r in latest}),
        "table": sorted({r.provenance.table for r in latest}),
    }
