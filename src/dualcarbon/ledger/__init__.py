"""The tamper-evident MRV log: an RFC 9162 Merkle tree with signed checkpoints and witnesses.

Every submission, evidence hash, verification step and rule result of the MRV workflow is
appended to one log. Nobody (the operator, an enterprise, a regulator) can change or drop an
entry without breaking the signed checkpoints that witnesses cosigned, and anyone can check an
entry or the whole log offline, with no network and no database.

Layers, each usable on its own:

* :mod:`~dualcarbon.ledger.tree`: the pure RFC 9162 functions (:func:`root_hash`,
  :func:`inclusion_proof`, :func:`consistency_proof`, :func:`verify_inclusion`,
  :func:`verify_consistency`);
* :mod:`~dualcarbon.ledger.note` and :mod:`~dualcarbon.ledger.checkpoint`: C2SP signed notes,
  checkpoints and witness cosignatures (Ed25519);
* :mod:`~dualcarbon.ledger.store` and :mod:`~dualcarbon.ledger.log`: the persistent append-only
  log over a :class:`LogStore` (SQLite, PostgreSQL, the Django ORM);
* :mod:`~dualcarbon.ledger.bundle`: proof bundles and whole-log exports, and their offline checks.
"""

from __future__ import annotations

from dualcarbon.ledger.bundle import Check, Report, audit_export, export_log, make_bundle, verify_bundle
from dualcarbon.ledger.checkpoint import (
    Checkpoint,
    VerifiedCheckpoint,
    Witness,
    add_cosignature,
    open_checkpoint,
    sign_checkpoint,
)
from dualcarbon.ledger.errors import (
    ConcurrentAppend,
    EntryNotFound,
    InconsistentCheckpoint,
    InvalidSignature,
    LedgerError,
    MalformedInput,
    StoreCorrupted,
    UnknownTreeSize,
    VerificationFailed,
)
from dualcarbon.ledger.hashing import EMPTY_ROOT, HASH_SIZE, canonical_json, leaf_hash, node_hash
from dualcarbon.ledger.log import AppendResult, Log, LogEntry
from dualcarbon.ledger.note import Signer, Verifier, generate_signer, parse_signer, parse_verifier
from dualcarbon.ledger.store import LogStore, PostgresLogStore, SqliteLogStore, StoredCheckpoint
from dualcarbon.ledger.tree import (
    consistency_proof,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "AppendResult",
    "Check",
    "Checkpoint",
    "ConcurrentAppend",
    "EntryNotFound",
    "InconsistentCheckpoint",
    "InvalidSignature",
    "LedgerError",
    "Log",
    "LogEntry",
    "LogStore",
    "MalformedInput",
    "PostgresLogStore",
    "Report",
    "Signer",
    "SqliteLogStore",
    "StoreCorrupted",
    "StoredCheckpoint",
    "UnknownTreeSize",
    "VerificationFailed",
    "VerifiedCheckpoint",
    "Verifier",
    "Witness",
    "add_cosignature",
    "audit_export",
    "canonical_json",
    "consistency_proof",
    "export_log",
    "generate_signer",
    "inclusion_proof",
    "leaf_hash",
    "make_bundle",
    "node_hash",
    "open_checkpoint",
    "parse_signer",
    "parse_verifier",
    "root_hash",
    "sign_checkpoint",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
]
