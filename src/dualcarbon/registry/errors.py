"""Errors of the organisations registry core.

::

    DualCarbonError
    └── InputError
        ├── InvalidUSCC              a 统一社会信用代码 that breaks GB 32100-2015
        │   └── USCCCheckMismatch    its check character (position 18 or 17) does not match
        ├── InvalidRegionCode        a code that is not a well-formed GB/T 2260 division code
        ├── InvalidIndustryCode      a code that is not a well-formed GB/T 4754-2017 code
        └── InvalidTable             an upload that cannot be read as a table (CSV or XLSX)
"""

from __future__ import annotations

from dualcarbon.errors import InputError

__all__ = ["InvalidIndustryCode", "InvalidRegionCode", "InvalidTable", "InvalidUSCC", "USCCCheckMismatch"]


class InvalidUSCC(InputError):
    """A 统一社会信用代码 that breaks a rule of GB 32100-2015; ``position`` is 1-based, or None."""

    def __init__(self, message: str, *, position: int | None = None, **kwargs) -> None:
        self.position = position
        super().__init__(message, **kwargs)


class USCCCheckMismatch(InvalidUSCC):
    """A check character (GB 32100 position 18, or GB 11714 position 17) that does not match."""

    def __init__(self, message: str, *, position: int, expected: str, found: str, **kwargs) -> None:
        self.expected = expected
        self.found = found
        super().__init__(message, position=position, **kwargs)


class InvalidRegionCode(InputError):
    """A string that is not a well-formed six-digit GB/T 2260 administrative-division code."""


class InvalidIndustryCode(InputError):
    """A string that is not a well-formed GB/T 4754-2017 section letter or 2/3/4-digit code."""


class InvalidTable(InputError):
    """An upload that cannot be read as a table: unknown format, broken file, or no header row."""
