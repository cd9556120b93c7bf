"""Errors of the accounting package::

InputError (dualcarbon.errors)
└── ActivityDataError      one or more activity lines cannot be computed; .errors lists them all
DataNotFound (dualcarbon.errors)
└── FactorNotFound         no factor record matches a reference or a lookup
IntegrityError (dualcarbon.errors)
└── RecordMismatch         re-running a calculation record did not reproduce its factors or numbers
"""

from __future__ import annotations

from dataclasses import dataclass

from dualcarbon.errors import DataNotFound, InputError, IntegrityError

__all__ = ["ActivityDataError", "FactorNotFound", "RecordMismatch", "RowError"]


@dataclass(frozen=True, slots=True)
class RowError:
    """One line that cannot be computed.

    ``row`` is the number a user sees: for CSV and XLSX the spreadsheet row, counting the header
    as row 1 (so the first data line is row 2); for JSON and in-memory records the 1-based position
    of the record (``row_label == "record"``).
    """

    source: str
    row: int
    column: str
    reason: str
    row_label: str = "row"

    def __str__(self) -> str:
        return f"{self.source}, {self.row_label} {self.row}, column {self.column!r}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, self.row_label: self.row, "column": self.column, "reason": self.reason}


class ActivityDataError(InputError):
    """One or more activity lines cannot be computed; ``errors`` lists every one, in row order."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.source, e.row, e.column))
        first = self.errors[0] if self.errors else None
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(
            (first.reason if first else "invalid activity data") + more,
            source=first.source if first else None,
            row=first.row if first else None,
            column=first.column if first else None,
        )


class FactorNotFound(DataNotFound):
    """No factor record matches the reference or the lookup."""


class RecordMismatch(IntegrityError):
    """Re-running a calculation record resolved other factors or produced other numbers."""
