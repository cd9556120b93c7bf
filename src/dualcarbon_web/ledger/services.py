"""Writes to the MRV log: append events (one transaction, one signed checkpoint), sign a checkpoint,
store witnesses' cosignatures. Each write is recorded in the platform's audit trail in the same
transaction. The MRV workflow calls :func:`ledger_append` explicitly, never through a signal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from dualcarbon.ledger import AppendResult, Log
from dualcarbon_web.ledger.keys import log_origin, log_signer, witness_keys
from dualcarbon_web.ledger.store import OrmLogStore, durable_writes
from dualcarbon_web.platform.audit import audit_record

__all__ = ("ledger_append", "ledger_checkpoint_sign", "ledger_cosignatures_add", "ledger_open")


def ledger_open() -> Log:
    """The platform's log with its signing key, created on first use."""
    store = OrmLogStore()
    signer = log_signer()
    if store.get_meta("origin") is None:
        return Log.create(store, origin=log_origin(), signer=signer)
    return Log.open(store, signer=signer)


def ledger_append(*, events: Sequence[Any], user=None, checkpoint: bool = True) -> AppendResult:
    """Append ``events`` (JSON values) as one batch and, by default, sign the checkpoint covering them.

    Raises :class:`dualcarbon.ledger.MalformedInput` (nothing written) if an event is not JSON.
    Called outside a transaction, the commit is synced to disk before this returns (SQLite
    ``synchronous=FULL``); called inside one, the caller's transaction decides.
    """
    durable_writes()
    with transaction.atomic():
        result = ledger_open().append(list(events), checkpoint=checkpoint)
        audit_record(
            user=user,
            action="ledger.append",
            object_type="ledger.entry",
            object_id=f"{result.first_index}..{result.first_index + result.count - 1}"
            if result.count
            else "",
            after={"count": result.count, "tree_size": result.tree_size},
        )
    return result


def ledger_checkpoint_sign(*, user=None) -> str:
    """Sign a checkpoint for the current size if none covers it yet; return the latest checkpoint."""
    with transaction.atomic():
        note = ledger_open().sign_checkpoint()
        audit_record(
            user=user, action="ledger.checkpoint", object_type="ledger.checkpoint", note=note.split("\n")[1]
        )
    return note


def ledger_cosignatures_add(*, note: str, user=None) -> int:
    """Store the cosignatures on ``note`` made by the configured witnesses; return how many were new."""
    with transaction.atomic():
        added = ledger_open().add_cosignatures(note, witness_keys())
        audit_record(
            user=user, action="ledger.cosign", object_type="ledger.checkpoint", after={"added": added}
        )
    return added
