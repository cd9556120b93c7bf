"""Writes of the organisations registry: reference data, organisations, facilities, parks, imports.

Every write checks permission (:mod:`dualcarbon_web.platform.visibility`), validates with the
core (:mod:`dualcarbon.registry`), and records an audit entry with the values before and after in
the same transaction. Validation collects *all* field errors and raises one
:class:`~dualcarbon_web.platform.errors.ValidationFailed` with ``extra["fields"]``; forms and the
API show them next to their fields. A bulk import validates every row first and stores nothing
unless every row is good (:func:`organizations_import`).
"""

from __future__ import annotations

from dualcarbon_web.organizations.services.facilities import facility_create, facility_update
from dualcarbon_web.organizations.services.imports import (
    EXPORT_COLUMNS,
    FACILITY_EXPORT_COLUMNS,
    FACILITY_IMPORT_COLUMNS,
    IMPORT_COLUMNS,
    IMPORT_INLINE_MAX_ROWS,
    ImportRejected,
    ImportResult,
    facilities_export,
    facilities_import,
    organizations_export,
    organizations_import,
)
from dualcarbon_web.organizations.services.organizations import organization_create, organization_update
from dualcarbon_web.organizations.services.parks import park_create, park_update
from dualcarbon_web.organizations.services.reference import reference_data_load

__all__ = (
    "EXPORT_COLUMNS",
    "FACILITY_EXPORT_COLUMNS",
    "FACILITY_IMPORT_COLUMNS",
    "IMPORT_COLUMNS",
    "IMPORT_INLINE_MAX_ROWS",
    "ImportRejected",
    "ImportResult",
    "facilities_export",
    "facilities_import",
    "facility_create",
    "facility_update",
    "organization_create",
    "organization_update",
    "organizations_export",
    "organizations_import",
    "park_create",
    "park_update",
    "reference_data_load",
)
