"""Errors of the tamper-evident log (:mod:`dualcarbon.ledger`).

Every error here derives from :class:`LedgerError`, and from the shared branch of
:mod:`dualcarbon.errors` that says what kind of failure it is::

    LedgerError (DualCarbonError)
    ├── MalformedInput (InputError)           a note, key, bundle or export that cannot be parsed
    │   └── UnknownTreeSize                   a size that no signed checkpoint of this log has
    ├── EntryNotFound (DataNotFound)          a leaf index at or beyond the tree size
    ├── VerificationFailed (IntegrityError)   a proof, signature or replay that does not check out
    │   ├── InvalidSignature                  no trusted signature, or a trusted one that is bad
    │   └── InconsistentCheckpoint            a checkpoint that does not extend the last one seen
    ├── StoreCorrupted (IntegrityError)       stored hashes that disagree with the stored entries
    └── ConcurrentAppend                      another writer appended first; retry the batch

Verifying functions of :mod:`dualcarbon.ledger.tree` never raise; they return ``False``.
The errors above come from the parts that parse, sign, store and report.
"""

from __future__ import annotations

from dualcarbon.errors import DataNotFound, DualCarbonError, InputError, IntegrityError

__all__ = [
    "ConcurrentAppend",
    "EntryNotFound",
    "InconsistentCheckpoint",
    "InvalidSignature",
    "LedgerError",
    "MalformedInput",
    "StoreCorrupted",
    "UnknownTreeSize",
    "VerificationFailed",
]


class LedgerError(DualCarbonError):
    """Base class of every error raised on purpose by :mod:`dualcarbon.ledger`."""


class MalformedInput(LedgerError, InputError):
    """A signed note, key, checkpoint, bundle or export that does not follow its format."""


class UnknownTreeSize(MalformedInput):
    """A tree size that is not the size of a signed checkpoint of this log."""


class EntryNotFound(LedgerError, DataNotFound):
    """A leaf index at or beyond the size of the tree asked about."""


class VerificationFailed(LedgerError, IntegrityError):
    """A proof, signature or replay that does not check out."""


class InvalidSignature(VerificationFailed):
    """A note with no verified signature from a trusted key, or with a bad one from a trusted key."""


class InconsistentCheckpoint(VerificationFailed):
    """A checkpoint that is not an append-only extension of the last one seen."""


class StoreCorrupted(LedgerError, IntegrityError):
    """Stored nodes, entries or checkpoints that disagree with each other."""


class ConcurrentAppend(LedgerError):
    """Another writer appended to the log between reading its size and committing; retry."""
