"""Emission accounting (二氧化碳排放核算): factor database, methodologies, engine, roll-ups, uncertainty.

The public surface::

    from dualcarbon.accounting import account, FactorDatabase, read_lines

    lines, _ = read_lines("activity.csv")
    result = account(lines, gwp="AR5")
    result.total_tco2e, result.entities["E001"]["by_scope"], result.record.factor_refs

See docs/accounting.md for the interchange format, the methodologies and the conventions.
"""

from __future__ import annotations

from dualcarbon.accounting.engine import AccountingResult, account, prepare_lines
from dualcarbon.accounting.errors import ActivityDataError, FactorNotFound, RecordMismatch, RowError
from dualcarbon.accounting.factors import (
    FactorDatabase,
    FactorRecord,
    FactorStore,
    JsonLinesFactorStore,
    MemoryFactorStore,
    Provenance,
    Uncertainty,
    default_database,
)
from dualcarbon.accounting.gwp import GWP_SETS, canonical_gas, gwp_record
from dualcarbon.accounting.io import read_lines, write_lines
from dualcarbon.accounting.methodologies import (
    CATEGORIES,
    FACTOR_SETS,
    METHODOLOGIES,
    SCOPE_OF_CATEGORY,
    Methodology,
    get_methodology,
)
from dualcarbon.accounting.product import CoProduct, product_footprints
from dualcarbon.accounting.records import CalculationRecord, rerun
from dualcarbon.accounting.report import round_for_report
from dualcarbon.accounting.rollup import LEVELS, ranking, rollup
from dualcarbon.accounting.uncertainty import product_uncertainty, sum_uncertainty

__all__ = [
    "CATEGORIES",
    "FACTOR_SETS",
    "GWP_SETS",
    "LEVELS",
    "METHODOLOGIES",
    "SCOPE_OF_CATEGORY",
    "AccountingResult",
    "ActivityDataError",
    "CalculationRecord",
    "CoProduct",
    "FactorDatabase",
    "FactorNotFound",
    "FactorRecord",
    "FactorStore",
    "JsonLinesFactorStore",
    "MemoryFactorStore",
    "Methodology",
    "Provenance",
    "RecordMismatch",
    "RowError",
    "Uncertainty",
    "account",
    "canonical_gas",
    "default_database",
    "get_methodology",
    "gwp_record",
    "prepare_lines",
    "product_footprints",
    "product_uncertainty",
    "ranking",
    "read_lines",
    "rerun",
    "rollup",
    "round_for_report",
    "sum_uncertainty",
    "write_lines",
]
