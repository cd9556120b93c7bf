"""The organisations registry core: identifiers and classifications, pure Python.

* :mod:`~dualcarbon.registry.uscc` — 统一社会信用代码 (GB 32100-2015) with both check characters;
* :mod:`~dualcarbon.registry.gb2260` — administrative-division codes and the shipped table;
* :mod:`~dualcarbon.registry.gb4754` — industry codes (GB/T 4754-2017) and the shipped table;
* :mod:`~dualcarbon.registry.tables` — reading CSV/XLSX uploads with spreadsheet row numbers.
"""

from __future__ import annotations

from dualcarbon.registry.errors import (
    InvalidIndustryCode,
    InvalidRegionCode,
    InvalidTable,
    InvalidUSCC,
    USCCCheckMismatch,
)
from dualcarbon.registry.gb2260 import divisions, region_code_check, region_level, region_parent_code
from dualcarbon.registry.gb4754 import industries, industry_code_check, industry_level, industry_parent_code
from dualcarbon.registry.uscc import USCC, uscc_check_character, uscc_is_valid, uscc_parse, uscc_validate

__all__ = [
    "USCC",
    "InvalidIndustryCode",
    "InvalidRegionCode",
    "InvalidTable",
    "InvalidUSCC",
    "USCCCheckMismatch",
    "divisions",
    "industries",
    "industry_code_check",
    "industry_level",
    "industry_parent_code",
    "region_code_check",
    "region_level",
    "region_parent_code",
    "uscc_check_character",
    "uscc_is_valid",
    "uscc_parse",
    "uscc_validate",
]
