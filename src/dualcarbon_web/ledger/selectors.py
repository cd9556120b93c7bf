"""Reads of the MRV log: the latest checkpoint, an entry with its proof bundle, consistency proofs,
and checking a pasted record or bundle. Everything here is public: the log is meant to be audited
by anyone, so it holds events and hashes, never the evidence files themselves."""

from __future__ import annotations

import base64
import json
from typing import Any

from dualcarbon.ledger import (
    LedgerError,
    Log,
    canonical_json,
    leaf_hash,
    make_bundle,
    open_checkpoint,
    verify_bundle,
)
from dualcarbon.ledger.bundle import BUNDLE_FORMAT
from dualcarbon_web.ledger.keys import witness_keys
from dualcarbon_web.ledger.store import OrmLogStore
from dualcarbon_web.platform.errors import NotFound, ValidationFailed

__all__ = (
    "ledger_check",
    "ledger_checkpoint_latest",
    "ledger_consistency",
    "ledger_entry_bundle",
    "ledger_log",
)

MAX_SIZE = 1 << 62  # larger sizes or indices cannot exist; refuse them before they reach the database


def ledger_log() -> Log | None:
    """The platform's log (read-only), or None before its first entry."""
    store = OrmLogStore()
    if store.get_meta("origin") is None:
        return None
    return Log.open(store)


def _log() -> Log:
    log = ledger_log()
    if log is None:
        raise NotFound("The MRV log has no entries yet.")
    return log


def _check_size(name: str, value: int | None) -> None:
    if value is not None and not 0 <= value < MAX_SIZE:
        raise ValidationFailed(
            f"{name} must be between 0 and 2^62.", extra={"fields": {name: ["out of range"]}}
        )


def ledger_checkpoint_latest() -> dict[str, Any] | None:
    """The latest signed checkpoint with its parsed fields, the log's key and the witnesses on it."""
    log = ledger_log()
    note = log.latest_checkpoint() if log is not None else None
    if log is None or note is None:
        return None
    try:
        cp = open_checkpoint(note, [log.verifier, *witness_keys()])
    except LedgerError:  # a configured witness key does not verify its line: show the log's view only
        cp = open_checkpoint(note, [log.verifier])
    return {
        "origin": cp.checkpoint.origin,
        "size": cp.size,
        "root_hash": base64.b64encode(cp.root_hash).decode(),
        "root_hex": cp.root_hash.hex(),
        "checkpoint": note,
        "log_key": log.verifier.vkey,
        "witness_keys": [k.vkey for k in witness_keys()],
        "witnesses": list(cp.witnesses),
    }


def ledger_entry_bundle(*, index: int, size: int | None = None) -> dict[str, Any]:
    """The proof bundle of entry ``index`` against the signed checkpoint of ``size`` (latest if None)."""
    _check_size("index", index)
    _check_size("size", size)
    return make_bundle(_log(), index, size)


def ledger_consistency(*, old_size: int, new_size: int | None = None) -> dict[str, Any]:
    """The RFC 9162 consistency proof between two signed checkpoints (the latest if ``new_size`` is None)."""
    _check_size("old_size", old_size)
    _check_size("new_size", new_size)
    log = _log()
    new = new_size if new_size is not None else log.checkpoint_size()
    proof = log.consistency_proof(old_size, new)
    return {
        "old_size": old_size,
        "new_size": new,
        "proof": [base64.b64encode(h).decode() for h in proof],
        "checkpoint": log.checkpoint_note(new),
    }


def ledger_check(*, text: str) -> dict[str, Any]:
    """Check a pasted proof bundle, or find a pasted record in the log and check its proof.

    The platform checks with its own log key and the configured witness keys; for a check that
    does not trust this server, verify the bundle offline with ``dualcarbon ledger verify``.
    Returns ``{"kind": "bundle"|"record"|"invalid", "ok", "found", "index", "checks", "bundle"}``.
    """
    result: dict[str, Any] = {
        "kind": "invalid",
        "ok": False,
        "found": False,
        "index": None,
        "checks": [],
        "bundle": None,
    }
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        result["checks"] = [{"name": "format", "ok": False, "detail": f"not JSON: {exc}"}]
        return result
    log = ledger_log()
    if log is None:
        result["checks"] = [{"name": "log", "ok": False, "detail": "the MRV log has no entries yet"}]
        return result
    keys = [log.verifier, *witness_keys()]
    if isinstance(value, dict) and value.get("format") == BUNDLE_FORMAT:
        result["kind"] = "bundle"
        bundle = value
    else:
        result["kind"] = "record"
        try:
            wanted = leaf_hash(canonical_json(value))
        except ValueError as exc:
            result["checks"] = [{"name": "entry", "ok": False, "detail": f"cannot be hashed: {exc}"}]
            return result
        index = log.store.find(wanted)
        latest = log.latest_checkpoint()
        size = open_checkpoint(latest, keys).size if latest else 0
        if index is None or index >= size:
            where = "is not in the log" if index is None else "is not yet covered by a signed checkpoint"
            result["checks"] = [
                {"name": "entry", "ok": False, "detail": f"no entry with leaf hash {wanted.hex()} {where}"}
            ]
            return result
        bundle = make_bundle(log, index)
    report = verify_bundle(bundle, keys)
    result.update(
        ok=report.ok,
        found=report.ok,
        index=bundle.get("index") if isinstance(bundle.get("index"), int) else None,
        checks=report.as_dict()["checks"],
        bundle=bundle if result["kind"] == "record" else None,
    )
    return result
