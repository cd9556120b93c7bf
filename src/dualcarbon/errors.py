"""The error hierarchy of the dualcarbon core.

Every error raised on purpose by the core derives from :class:`DualCarbonError`, so callers can
catch the whole family with one ``except``. Each domain adds narrowly named subclasses in its own
``errors`` module, under the shared branches drawn here::

    DualCarbonError
    ├── InputError            bad input from a file, a form or an API call (names field/row/value)
    │   └── UnitError         a unit that is unknown or cannot be converted to the one needed
    ├── DataNotFound          a reference record (factor, methodology, region, ...) that does not exist
    ├── IntegrityError        data that fails a cryptographic or consistency check
    └── ComputationError      a numerical method that cannot produce a trustworthy answer

Messages name the offending value and say what to do next.
"""

from __future__ import annotations

__all__ = [
    "ComputationError",
    "DataNotFound",
    "DualCarbonError",
    "InputError",
    "IntegrityError",
    "UnitError",
]


class DualCarbonError(Exception):
    """Base class of every error the dualcarbon core raises on purpose."""


class InputError(DualCarbonError, ValueError):
    """Input that cannot be used as given; the message names the field, row or value."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.source = source
        self.row = row
        self.column = column
        self.value = value
        where = []
        if source:
            where.append(str(source))
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column!r}")
        self.reason = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class UnitError(InputError):
    """A unit that is unknown, or that cannot be converted to the dimension needed."""


class DataNotFound(DualCarbonError, LookupError):
    """A reference record (factor, methodology, region, ...) that does not exist."""


class IntegrityError(DualCarbonError):
    """Data that fails a cryptographic or consistency check."""


class ComputationError(DualCarbonError, ArithmeticError):
    """A numerical method that cannot produce a trustworthy answer for the given inputs."""
