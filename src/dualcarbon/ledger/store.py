"""Where a log keeps its entries, node hashes and checkpoints: the :class:`LogStore` protocol.

The log (:class:`dualcarbon.ledger.log.Log`) does all hashing and signing; a store only keeps
rows and guarantees three things:

1. **Append-only.** Entries, node hashes, checkpoints and cosignatures are inserted, never
   updated or deleted. The SQL stores here refuse an ``UPDATE`` or ``DELETE`` with triggers, and
   refuse an insert anywhere but at the end (``INSERT OR REPLACE`` included).
2. **Atomic batches.** :meth:`LogStore.append` writes a batch of entries, their node hashes and
   (optionally) the checkpoint that covers them in one transaction: after a crash the store holds
   the whole batch or none of it.
3. **Optimistic concurrency.** :meth:`LogStore.append` is told the size the batch was computed
   for and raises :class:`~dualcarbon.ledger.errors.ConcurrentAppend` if another writer got there
   first.

Every entry's row also holds its **hash chain**: the entry's leaf hash followed by the hash of
every perfect subtree that the entry completes. The perfect subtree ``(level, index)`` over leaves
``index * 2**level`` to ``(index + 1) * 2**level`` is completed by leaf
``(index + 1) * 2**level - 1``, at byte offset ``32 * level`` of that leaf's chain
(:func:`node_location`). So every node hash of the tree is stored once in a chain, a batch is one
row per entry, and any proof is O(log n) point reads by primary key. The last leaf of every block
of 16, 256, 4096, ... leaves also carries that block's **tile** (:func:`tile_offset`): a copy of
the block's node hashes on four levels, so a proof reads one row per four levels.

The stdlib-``sqlite3`` store (:class:`SqliteLogStore`) is the embedded default; a psycopg
PostgreSQL store (:class:`PostgresLogStore`) uses the same schema and the same guarantees.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from dualcarbon.ledger.errors import ConcurrentAppend, LedgerError, StoreCorrupted

__all__ = [
    "LogStore",
    "PostgresLogStore",
    "SqliteLogStore",
    "StoredCheckpoint",
    "chain_length",
    "iter_entries",
    "node_location",
    "tile_count",
    "tile_offset",
]


def node_location(level: int, index: int) -> tuple[int, int]:
    """Where the hash of perfect subtree ``(level, index)`` is stored: (leaf index, byte offset in its chain)."""
    return ((index + 1) << level) - 1, 32 * level


TILE_HEIGHT = 4
"""Levels per tile: a tile holds the 16 + 8 + 4 + 2 = 30 node hashes of 4 levels of a block."""
TILE_BYTES = 32 * 30


def tile_count(leaf: int) -> int:
    """How many tiles the record of ``leaf`` carries: one per tier of 16**t leaves it completes."""
    m = leaf + 1
    return ((m & -m).bit_length() - 1) // TILE_HEIGHT


def chain_length(leaf: int) -> int:
    """Bytes in the record of ``leaf``: its hash chain (its own hash and one per subtree it
    completes) followed by one 960-byte tile per tier it completes (see :func:`tile_offset`)."""
    m = leaf + 1
    return 32 * (m & -m).bit_length() + TILE_BYTES * tile_count(leaf)


def tile_offset(level: int, index: int) -> tuple[int, int]:
    """Where node ``(level, index)`` sits in a tile: (leaf whose record holds the tile, byte offset).

    Tier ``t = level // 4 + 1`` tiles cover blocks of ``16**t`` leaves; the tile of a block holds
    its nodes of levels ``4(t-1)`` to ``4(t-1) + 3`` (16, 8, 4 and 2 hashes, in that order, each
    level left to right) and is stored with the block's last leaf, after that leaf's hash chain and
    its lower tiers' tiles. A proof then reads one record for every four levels.
    """
    tier = level // TILE_HEIGHT + 1
    depth = level - TILE_HEIGHT * (tier - 1)
    block_leaves = 1 << (TILE_HEIGHT * tier)
    leaf = (((index << level) // block_leaves) + 1) * block_leaves - 1
    within = index & ((block_leaves >> level) - 1)
    m = leaf + 1
    chain = 32 * (m & -m).bit_length()
    return leaf, chain + TILE_BYTES * (tier - 1) + 32 * ((32 - (32 >> depth)) + within)


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored: size, root hash, the log-signed note and witness cosignature lines."""

    size: int
    root_hash: bytes
    note: str
    cosignatures: tuple[str, ...] = ()


@runtime_checkable
class LogStore(Protocol):
    """Storage for one append-only log. Implementations: SQLite, PostgreSQL, the Django ORM."""

    def size(self) -> int:
        """Number of entries committed."""
        ...

    def append(
        self,
        start: int,
        entries: Sequence[bytes],
        chains: Sequence[bytes],
        checkpoint: StoredCheckpoint | None,
    ) -> None:
        """Atomically add ``entries`` at indices ``start, start+1, ...`` with their hash chains,
        and ``checkpoint`` if given.

        Raises :class:`ConcurrentAppend` (and writes nothing) unless ``size() == start``.
        """
        ...

    def entries(self, start: int, end: int) -> list[bytes]:
        """Canonical entry bytes for indices ``start`` to ``end`` (exclusive)."""
        ...

    def chains(self, leaves: Sequence[int]) -> dict[int, bytes]:
        """Hash chains of the given leaf indices (all must exist)."""
        ...

    def chain_range(self, start: int, end: int) -> list[bytes]:
        """Hash chains of leaves ``start`` to ``end`` (exclusive), in order."""
        ...

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Add a checkpoint for a size larger than the last one and at most :meth:`size`."""
        ...

    def add_cosignature(self, size: int, line: str) -> None:
        """Add a witness cosignature line to the checkpoint of ``size`` (duplicates are ignored)."""
        ...

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        """The checkpoint of ``size``, or the latest one when ``size`` is None; None if there is none."""
        ...

    def checkpoint_sizes(self) -> list[int]:
        """Sizes of all checkpoints, ascending."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A value of the log's metadata (``origin``, ``log_key``), or None."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value once; a second different value is refused."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


_TABLES = ("ledger_meta", "ledger_leaf", "ledger_checkpoint", "ledger_cosignature")

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_leaf (idx INTEGER PRIMARY KEY, chain BLOB NOT NULL, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_checkpoint (
    size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_cosignature (
    size INTEGER NOT NULL REFERENCES ledger_checkpoint(size), line TEXT NOT NULL,
    PRIMARY KEY (size, line)
);
CREATE TRIGGER IF NOT EXISTS ledger_leaf_append_only BEFORE INSERT ON ledger_leaf
WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf)
BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: entries are appended at the next index only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_checkpoint_grows BEFORE INSERT ON ledger_checkpoint
WHEN NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM ledger_checkpoint)
  OR NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf)
BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: a checkpoint must be larger than the last and within the log'); END;
CREATE TRIGGER IF NOT EXISTS ledger_meta_once BEFORE INSERT ON ledger_meta
WHEN EXISTS (SELECT 1 FROM ledger_meta WHERE key = NEW.key)
BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: metadata is written once'); END;
""" + "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS {t}_no_{verb.lower()} BEFORE {verb} ON {t}
BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: {t} is append-only; {verb} refused'); END;"""
    for t in _TABLES
    for verb in ("UPDATE", "DELETE")
)


_IN_SQL: dict[int, str] = {}


class SqliteLogStore:
    """A :class:`LogStore` in one SQLite file (stdlib ``sqlite3``).

    Durability: ``journal_mode=WAL`` and ``synchronous=FULL``, so a committed batch survives a
    power cut; every batch is one ``BEGIN IMMEDIATE ... COMMIT`` transaction, so a crash leaves the
    file at the last committed batch. The tables are append-only by trigger (see module docs).

    Parameters
    ----------
    path : str or Path
        The database file (created if missing), or ``":memory:"``.
    cache_size_kib : int
        SQLite page cache, in KiB.
    mmap_size : int
        Bytes of the file SQLite reads through a memory map (fewer system calls for proofs).
    """

    def __init__(self, path: str | Path, *, cache_size_kib: int = 65536, mmap_size: int = 1 << 31) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=FULL")
        self._con.execute(f"PRAGMA cache_size=-{int(cache_size_kib)}")
        self._con.execute(f"PRAGMA mmap_size={int(mmap_size)}")
        self._con.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._con.executescript("BEGIN IMMEDIATE;" + _SQLITE_SCHEMA + "COMMIT;")

    # -- reads -----------------------------------------------------------------------------------
    def size(self) -> int:
        with self._lock:
            return int(self._con.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf").fetchone()[0])

    def entries(self, start: int, end: int) -> list[bytes]:
        with self._lock:
            rows = self._con.execute(
                "SELECT idx, entry FROM ledger_leaf WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
            ).fetchall()
        if len(rows) != max(0, end - start) or any(i != start + k for k, (i, _) in enumerate(rows)):
            raise StoreCorrupted(f"entries {start}..{end - 1} are not all present in {self.path}")
        return [e.encode("utf-8") for _, e in rows]

    def chains(self, leaves: Sequence[int]) -> dict[int, bytes]:
        if len(leaves) <= 64:
            sql = _IN_SQL.get(len(leaves))
            if sql is None:
                marks = ",".join("?" * len(leaves))
                sql = _IN_SQL.setdefault(
                    len(leaves), f"SELECT idx, chain FROM ledger_leaf WHERE idx IN ({marks})"
                )
            with self._lock:
                out = dict(self._con.execute(sql, leaves).fetchall())
        else:
            wanted = list(dict.fromkeys(leaves))
            out = {}
            with self._lock:
                for i in range(0, len(wanted), 500):
                    chunk = wanted[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    out.update(
                        self._con.execute(f"SELECT idx, chain FROM ledger_leaf WHERE idx IN ({marks})", chunk)
                    )
        if len(out) != len(set(leaves)):
            missing = sorted(set(leaves) - set(out))[:5]
            raise StoreCorrupted(f"entries {missing} are missing in {self.path}")
        return out

    def chain_range(self, start: int, end: int) -> list[bytes]:
        with self._lock:
            rows = self._con.execute(
                "SELECT chain FROM ledger_leaf WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
            ).fetchall()
        if len(rows) != max(0, end - start):
            raise StoreCorrupted(f"entries {start}..{end - 1} are not all present in {self.path}")
        return [r[0] for r in rows]

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        with self._lock:
            if size is None:
                row = self._con.execute(
                    "SELECT size, root, note FROM ledger_checkpoint ORDER BY size DESC LIMIT 1"
                ).fetchone()
            else:
                row = self._con.execute(
                    "SELECT size, root, note FROM ledger_checkpoint WHERE size = ?", (size,)
                ).fetchone()
            if row is None:
                return None
            lines = self._con.execute(
                "SELECT line FROM ledger_cosignature WHERE size = ? ORDER BY rowid", (row[0],)
            ).fetchall()
        return StoredCheckpoint(int(row[0]), bytes(row[1]), row[2], tuple(r[0] for r in lines))

    def checkpoint_sizes(self) -> list[int]:
        with self._lock:
            return [int(r[0]) for r in self._con.execute("SELECT size FROM ledger_checkpoint ORDER BY size")]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._con.execute("SELECT value FROM ledger_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    # -- writes ----------------------------------------------------------------------------------
    def _write(self, fn: Any) -> None:
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                fn(self._con)
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def append(
        self,
        start: int,
        entries: Sequence[bytes],
        chains: Sequence[bytes],
        checkpoint: StoredCheckpoint | None,
    ) -> None:
        _check_chains(start, entries, chains)

        def write(con: sqlite3.Connection) -> None:
            current = con.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf").fetchone()[0]
            if current != start:
                raise ConcurrentAppend(f"log has {current} entries, the batch was prepared for {start}")
            con.executemany(
                "INSERT INTO ledger_leaf (idx, chain, entry) VALUES (?, ?, ?)",
                zip(
                    range(start, start + len(entries)),
                    chains,
                    (e.decode("utf-8") for e in entries),
                    strict=True,
                ),
            )
            if checkpoint is not None:
                _insert_checkpoint(con, checkpoint)

        self._write(write)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._write(lambda con: _insert_checkpoint(con, checkpoint))

    def add_cosignature(self, size: int, line: str) -> None:
        self._write(
            lambda con: con.execute(
                "INSERT OR IGNORE INTO ledger_cosignature (size, line) VALUES (?, ?)", (size, line)
            )
        )

    def set_meta(self, key: str, value: str) -> None:
        def write(con: sqlite3.Connection) -> None:
            row = con.execute("SELECT value FROM ledger_meta WHERE key = ?", (key,)).fetchone()
            if row is None:
                con.execute("INSERT INTO ledger_meta (key, value) VALUES (?, ?)", (key, value))
            elif row[0] != value:
                raise LedgerError(f"log {key} is already {row[0]!r}; it cannot become {value!r}")

        self._write(write)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> SqliteLogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_chains(start: int, entries: Sequence[bytes], chains: Sequence[bytes]) -> None:
    if len(chains) != len(entries):
        raise LedgerError(f"{len(entries)} entries need {len(entries)} hash chains, got {len(chains)}")
    for k, chain in enumerate(chains):
        if len(chain) != chain_length(start + k):
            raise LedgerError(
                f"hash chain of entry {start + k} has {len(chain)} bytes, not {chain_length(start + k)}"
            )


def _insert_checkpoint(con: Any, cp: StoredCheckpoint, mark: str = "?") -> None:
    con.execute(
        f"INSERT INTO ledger_checkpoint (size, root, note) VALUES ({mark}, {mark}, {mark})",
        (cp.size, cp.root_hash, cp.note),
    )
    for line in cp.cosignatures:
        con.execute(f"INSERT INTO ledger_cosignature (size, line) VALUES ({mark}, {mark})", (cp.size, line))


_PG_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_leaf (idx BIGINT PRIMARY KEY, chain BYTEA NOT NULL, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_checkpoint (size BIGINT PRIMARY KEY, root BYTEA NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_cosignature (
    size BIGINT NOT NULL REFERENCES ledger_checkpoint(size), line TEXT NOT NULL, PRIMARY KEY (size, line)
);
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dualcarbon ledger: % is append-only; % refused', TG_TABLE_NAME, TG_OP;
END $$;
CREATE OR REPLACE FUNCTION ledger_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'ledger_leaf' THEN
        IF NEW.idx IS DISTINCT FROM (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf) THEN
            RAISE EXCEPTION 'dualcarbon ledger: entries are appended at the next index only';
        END IF;
    ELSIF TG_TABLE_NAME = 'ledger_checkpoint' THEN
        IF NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM ledger_checkpoint)
           OR NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf) THEN
            RAISE EXCEPTION 'dualcarbon ledger: a checkpoint must be larger than the last and within the log';
        END IF;
    END IF;
    RETURN NEW;
END $$;
"""
    + "".join(
        f"""
DROP TRIGGER IF EXISTS {t}_append_only ON {t};
CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};
CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();"""
        for t in _TABLES
    )
    + "".join(
        f"""
DROP TRIGGER IF EXISTS {t}_insert_order ON {t};
CREATE TRIGGER {t}_insert_order BEFORE INSERT ON {t}
    FOR EACH ROW EXECUTE FUNCTION ledger_check_insert();"""
        for t in ("ledger_leaf", "ledger_checkpoint")
    )
)


class PostgresLogStore:
    """A :class:`LogStore` in PostgreSQL (psycopg 3), for a province- or nation-sized log.

    Same schema and guarantees as :class:`SqliteLogStore`: triggers refuse ``UPDATE``,
    ``DELETE`` and ``TRUNCATE`` and out-of-order inserts; each batch is one transaction that takes
    ``LOCK TABLE ledger_leaf IN EXCLUSIVE MODE`` so concurrent writers queue. Grant the web
    role only ``SELECT, INSERT`` on the ``ledger_*`` tables (:meth:`grant_append_only`) so the
    refusal does not rest on the triggers alone.

    Parameters
    ----------
    conninfo : str
        A libpq connection string or URL, e.g. ``"host=127.0.0.1 dbname=test user=postgres"``.
    """

    def __init__(self, conninfo: str) -> None:
        import psycopg  # a core dependency, imported only when PostgreSQL is used

        self._lock = threading.RLock()
        self._con = psycopg.connect(conninfo, autocommit=False)
        with self._con.transaction():
            self._con.execute("SELECT pg_advisory_xact_lock(726372)")
            self._con.execute(_PG_SCHEMA)
        self._con.commit()

    def grant_append_only(self, role: str) -> None:
        """Let ``role`` read and append to the log tables, and nothing else."""
        from psycopg import sql

        with self._lock, self._con.transaction():
            for t in _TABLES:
                self._con.execute(
                    sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(t), sql.Identifier(role))
                )
                self._con.execute(
                    sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(
                        sql.Identifier(t), sql.Identifier(role)
                    )
                )

    def _read(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            rows = self._con.execute(query, params).fetchall()
            self._con.commit()
        return rows

    def size(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf")[0][0])

    def entries(self, start: int, end: int) -> list[bytes]:
        rows = self._read(
            "SELECT idx, entry FROM ledger_leaf WHERE idx >= %s AND idx < %s ORDER BY idx", (start, end)
        )
        if len(rows) != max(0, end - start):
            raise StoreCorrupted(f"entries {start}..{end - 1} are not all present")
        return [e.encode("utf-8") for _, e in rows]

    def chains(self, leaves: Sequence[int]) -> dict[int, bytes]:
        wanted = list(dict.fromkeys(leaves))
        if not wanted:
            return {}
        out = {
            int(i): bytes(c)
            for i, c in self._read("SELECT idx, chain FROM ledger_leaf WHERE idx = ANY(%s)", (wanted,))
        }
        if len(out) != len(wanted):
            raise StoreCorrupted(f"entries {sorted(set(wanted) - set(out))[:5]} are missing")
        return out

    def chain_range(self, start: int, end: int) -> list[bytes]:
        rows = self._read(
            "SELECT chain FROM ledger_leaf WHERE idx >= %s AND idx < %s ORDER BY idx", (start, end)
        )
        if len(rows) != max(0, end - start):
            raise StoreCorrupted(f"entries {start}..{end - 1} are not all present")
        return [bytes(r[0]) for r in rows]

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        if size is None:
            rows = self._read("SELECT size, root, note FROM ledger_checkpoint ORDER BY size DESC LIMIT 1")
        else:
            rows = self._read("SELECT size, root, note FROM ledger_checkpoint WHERE size = %s", (size,))
        if not rows:
            return None
        s, root, note = rows[0]
        lines = self._read("SELECT line FROM ledger_cosignature WHERE size = %s ORDER BY line", (s,))
        return StoredCheckpoint(int(s), bytes(root), note, tuple(r[0] for r in lines))

    def checkpoint_sizes(self) -> list[int]:
        return [int(r[0]) for r in self._read("SELECT size FROM ledger_checkpoint ORDER BY size")]

    def get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM ledger_meta WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    def _write(self, fn: Any) -> None:
        with self._lock:
            try:
                with self._con.transaction():
                    self._con.execute("LOCK TABLE ledger_leaf IN EXCLUSIVE MODE")
                    fn(self._con)
            finally:
                self._con.commit()

    def append(
        self,
        start: int,
        entries: Sequence[bytes],
        chains: Sequence[bytes],
        checkpoint: StoredCheckpoint | None,
    ) -> None:
        _check_chains(start, entries, chains)

        def write(con: Any) -> None:
            current = con.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaf").fetchone()[0]
            if current != start:
                raise ConcurrentAppend(f"log has {current} entries, the batch was prepared for {start}")
            with con.cursor() as cur, cur.copy("COPY ledger_leaf (idx, chain, entry) FROM STDIN") as copy:
                for k, (chain, e) in enumerate(zip(chains, entries, strict=True)):
                    copy.write_row((start + k, chain, e.decode("utf-8")))
            if checkpoint is not None:
                _insert_checkpoint(con, checkpoint, "%s")

        self._write(write)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._write(lambda con: _insert_checkpoint(con, checkpoint, "%s"))

    def add_cosignature(self, size: int, line: str) -> None:
        self._write(
            lambda con: con.execute(
                "INSERT INTO ledger_cosignature (size, line) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (size, line),
            )
        )

    def set_meta(self, key: str, value: str) -> None:
        def write(con: Any) -> None:
            row = con.execute("SELECT value FROM ledger_meta WHERE key = %s", (key,)).fetchone()
            if row is None:
                con.execute("INSERT INTO ledger_meta (key, value) VALUES (%s, %s)", (key, value))
            elif row[0] != value:
                raise LedgerError(f"log {key} is already {row[0]!r}; it cannot become {value!r}")

        self._write(write)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> PostgresLogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_entries(store: LogStore, start: int, end: int, batch: int = 10_000) -> Iterator[tuple[int, bytes]]:
    """Entries ``start`` to ``end`` (exclusive) as ``(index, bytes)``, read ``batch`` at a time."""
    for lo in range(start, end, batch):
        hi = min(end, lo + batch)
        for k, e in enumerate(store.entries(lo, hi)):
            yield lo + k, e
