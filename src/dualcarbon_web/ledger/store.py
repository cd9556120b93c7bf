"""The core's :class:`~dualcarbon.ledger.store.LogStore` protocol on the platform database.

The same guarantees as the core's SQL stores: rows are only inserted (the database refuses UPDATE,
DELETE and out-of-order inserts, migration 0002), a batch and its checkpoint are one transaction,
and a batch prepared for a stale size raises :class:`~dualcarbon.ledger.ConcurrentAppend`.
On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (platform setting) and the append runs
with ``synchronous=FULL``; on PostgreSQL it holds ``LOCK TABLE ... IN EXCLUSIVE MODE``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Max

from dualcarbon.ledger import ConcurrentAppend, LedgerError, StoreCorrupted, StoredCheckpoint
from dualcarbon.ledger.store import chain_length
from dualcarbon_web.ledger.models import LedgerCheckpoint, LedgerCosignature, LedgerEntry, LedgerMeta

__all__ = ("OrmLogStore", "durable_writes")


def durable_writes() -> None:
    """On SQLite, sync every commit of this connection to disk (``synchronous=FULL``).

    The platform runs SQLite with WAL and ``synchronous=NORMAL`` (a commit survives a crash of the
    application, not always a power cut). Call this before the transaction that appends to the log;
    inside an open transaction SQLite cannot change it, and the platform setting applies.
    """
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=FULL")


def _size() -> int:
    top = LedgerEntry.objects.aggregate(top=Max("idx"))["top"]
    return 0 if top is None else top + 1


class OrmLogStore:
    """The platform's MRV log rows, through the Django ORM."""

    def size(self) -> int:
        return _size()

    def append(
        self,
        start: int,
        entries: Sequence[bytes],
        chains: Sequence[bytes],
        checkpoint: StoredCheckpoint | None,
    ) -> None:
        if len(chains) != len(entries):
            raise LedgerError(f"{len(entries)} entries need {len(entries)} hash chains, got {len(chains)}")
        for k, chain in enumerate(chains):
            if len(chain) != chain_length(start + k):
                raise LedgerError(f"hash chain of entry {start + k} has the wrong length")
        durable_writes()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute(f"LOCK TABLE {LedgerEntry._meta.db_table} IN EXCLUSIVE MODE")
            current = _size()
            if current != start:
                raise ConcurrentAppend(f"log has {current} entries, the batch was prepared for {start}")
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(idx=start + k, chain=chain, leaf_hash=chain[:32], entry=data.decode("utf-8"))
                    for k, (data, chain) in enumerate(zip(entries, chains, strict=True))
                ],
                batch_size=500,
            )
            if checkpoint is not None:
                self._add_checkpoint(checkpoint)

    def entries(self, start: int, end: int) -> list[bytes]:
        rows = list(
            LedgerEntry.objects.filter(idx__gte=start, idx__lt=end)
            .order_by("idx")
            .values_list("entry", flat=True)
        )
        if len(rows) != max(0, end - start):
            raise StoreCorrupted(f"entries {start}..{end - 1} are not all present")
        return [e.encode("utf-8") for e in rows]

    def chains(self, leaves: Sequence[int]) -> dict[int, bytes]:
        out = {
            i: bytes(c)
            for i, c in LedgerEntry.objects.filter(idx__in=list(leaves)).values_list("idx", "chain")
        }
        if len(out) != len(set(leaves)):
            raise StoreCorrupted(f"entries {sorted(set(leaves) - set(out))[:5]} are missing")
        return out

    def chain_range(self, start: int, end: int) -> list[bytes]:
        rows = (
            LedgerEntry.objects.filter(idx__gte=start, idx__lt=end)
            .order_by("idx")
            .values_list("chain", flat=True)
        )
        out = [bytes(c) for c in rows]
        if len(out) != max(0, end - start):
            raise StoreCorrupted(f"entries {start}..{end - 1} are not all present")
        return out

    def find(self, leaf_hash: bytes) -> int | None:
        """Index of the first entry with this leaf hash, if any (an index, not part of the protocol)."""
        return (
            LedgerEntry.objects.filter(leaf_hash=leaf_hash)
            .order_by("idx")
            .values_list("idx", flat=True)
            .first()
        )

    def _add_checkpoint(self, cp: StoredCheckpoint) -> None:
        row = LedgerCheckpoint.objects.create(size=cp.size, root=cp.root_hash, note=cp.note)
        for line in cp.cosignatures:
            LedgerCosignature.objects.create(checkpoint=row, line=line)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with transaction.atomic():
            self._add_checkpoint(checkpoint)

    def add_cosignature(self, size: int, line: str) -> None:
        with transaction.atomic():
            if not LedgerCosignature.objects.filter(checkpoint_id=size, line=line).exists():
                LedgerCosignature.objects.create(checkpoint_id=size, line=line)

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        rows = LedgerCheckpoint.objects.all()
        row = rows.order_by("-size").first() if size is None else rows.filter(size=size).first()
        if row is None:
            return None
        lines = tuple(row.cosignatures.order_by("id").values_list("line", flat=True))
        return StoredCheckpoint(int(row.size), bytes(row.root), row.note, lines)

    def checkpoint_sizes(self) -> list[int]:
        return list(LedgerCheckpoint.objects.order_by("size").values_list("size", flat=True))

    def get_meta(self, key: str) -> str | None:
        return LedgerMeta.objects.filter(key=key).values_list("value", flat=True).first()

    def set_meta(self, key: str, value: str) -> None:
        with transaction.atomic():
            current = self.get_meta(key)
            if current is None:
                LedgerMeta.objects.create(key=key, value=value)
            elif current != value:
                raise LedgerError(f"log {key} is already {current!r}; it cannot become {value!r}")

    def close(self) -> None:
        """Nothing to release: Django manages the connection."""
