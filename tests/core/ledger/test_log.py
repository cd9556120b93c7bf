"""The persistent log: proofs from stored nodes equal the pure functions; append-only; crash-safe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.ledger import (
    ConcurrentAppend,
    EntryNotFound,
    InvalidSignature,
    Log,
    MalformedInput,
    SqliteLogStore,
    StoreCorrupted,
    UnknownTreeSize,
    canonical_json,
    consistency_proof,
    generate_signer,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    root_hash,
    verify_inclusion,
)
from dualcarbon.ledger.store import LogStore, chain_length, node_location, tile_count, tile_offset


def test_every_subtree_hash_is_stored_once_in_the_chain_of_the_leaf_that_completes_it() -> None:
    entries = [str(i).encode() for i in range(300)]
    completed: dict[int, list[tuple[int, int]]] = {}
    for level in range(9):
        for index in range(300 >> level):
            leaf, offset = node_location(level, index)
            assert offset == 32 * level
            completed.setdefault(leaf, []).append((level, index))
    for leaf in range(300):
        levels = sorted(level for level, _ in completed[leaf])
        assert levels == list(range(len(levels)))  # the leaf, then each level it completes
        assert chain_length(leaf) == 32 * len(levels) + 960 * tile_count(leaf)
    signer = generate_signer("t.example/log")
    log = Log.create(SqliteLogStore(":memory:"), origin="t.example/log", signer=signer)
    log.append_canonical(entries)
    for leaf in (0, 1, 3, 7, 255, 299):
        chain = log.store.chains([leaf])[leaf]
        for level, index in completed[leaf]:
            width = 1 << level
            assert chain[32 * level : 32 * level + 32] == root_hash(
                entries[index * width : (index + 1) * width]
            )


def test_tiles_hold_every_node_of_their_block() -> None:
    """The record of the last leaf of each block of 16**t leaves carries the block's tile: its
    node hashes on levels 4(t-1)..4(t-1)+3, so a proof reads one record per four levels."""
    n = 4200
    entries = [str(i).encode() for i in range(n)]
    log = Log.create(
        SqliteLogStore(":memory:"), origin="t.example/log", signer=generate_signer("t.example/log")
    )
    for lo in range(0, n, 700):  # batches that cut through blocks
        log.append_canonical(entries[lo : lo + 700])
    checked = 0
    for level in range(12):
        for index in range(n >> level):
            leaf, offset = tile_offset(level, index)
            if leaf >= n:
                continue
            width = 1 << level
            record = log.store.chains([leaf])[leaf]
            assert record[offset : offset + 32] == root_hash(entries[index * width : (index + 1) * width])
            checked += 1
    assert checked > 8000
    assert log.check_integrity() == n


def test_sqlite_store_satisfies_the_protocol(tmp_path) -> None:
    assert isinstance(SqliteLogStore(tmp_path / "x.db"), LogStore)


def test_canonical_json_sorts_keys_and_keeps_utf8() -> None:
    assert canonical_json({"b": [1, 2], "a": "吨CO₂e"}) == '{"a":"吨CO₂e","b":[1,2]}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    with pytest.raises(ValueError):
        canonical_json({"x": b"bytes"})


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_log_proofs_equal_the_pure_functions(batches) -> None:
    signer = generate_signer("t.example/log")
    log = Log.create(SqliteLogStore(":memory:"), origin="t.example/log", signer=signer)
    values: list = []
    for b, count in enumerate(batches):
        batch = [{"batch": b, "k": k, "名": "值"} for k in range(count)]
        log.append(batch)
        values += batch
    data = [canonical_json(v) for v in values]
    sizes = log.store.checkpoint_sizes()
    assert sizes[-1] == len(data)
    for size in sizes:
        cp = open_checkpoint(log.checkpoint_note(size), [signer.verifier])
        assert cp.root_hash == root_hash(data[:size])
        for index in {0, size // 2, size - 1} if size else ():
            proof = log.inclusion_proof(index, size)
            assert proof == inclusion_proof(data[:size], index)
            assert verify_inclusion(leaf_hash(data[index]), index, size, proof, cp.root_hash)
        for old in sizes:
            if old <= size:
                assert log.consistency_proof(old, size) == consistency_proof(data[:size], old)
    assert log.check_integrity() == len(data)


def test_entries_are_stored_as_canonical_json_with_their_index(log) -> None:
    log.append([{"b": 2, "a": 1}, ["x", {"z": None}]])
    assert log.entry(0).data == b'{"a":1,"b":2}'
    assert log.entry(1).value == ["x", {"z": None}]
    with pytest.raises(EntryNotFound):
        log.entry(2)


def test_bad_entries_leave_the_log_untouched(log) -> None:
    with pytest.raises(MalformedInput):
        log.append([{"ok": 1}, {"bad": float("inf")}])
    assert log.size == 0
    with pytest.raises(MalformedInput, match="not canonical"):
        log.append_canonical([b'{"b":1, "a":2}'])
    assert log.size == 0


def test_proofs_are_only_given_for_signed_checkpoint_sizes(log) -> None:
    log.append([{"i": i} for i in range(5)])
    log.append([{"i": i} for i in range(5, 8)], checkpoint=False)
    assert log.size == 8
    assert log.store.checkpoint_sizes() == [0, 5] or log.store.checkpoint_sizes() == [5]
    with pytest.raises(UnknownTreeSize, match="no signed checkpoint has size 8"):
        log.inclusion_proof(0, 8)
    with pytest.raises(UnknownTreeSize):
        log.consistency_proof(3, 5)
    with pytest.raises(EntryNotFound):
        log.inclusion_proof(6)  # latest checkpoint is size 5
    log.sign_checkpoint()
    assert len(log.inclusion_proof(6)) == 3


def test_signing_with_another_key_is_refused(tmp_path, signer) -> None:
    path = tmp_path / "log.db"
    Log.create(SqliteLogStore(path), origin="o.example/log", signer=signer)
    with pytest.raises(InvalidSignature, match="not this log's key"):
        Log.open(SqliteLogStore(path), signer=generate_signer("o.example/log"))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_leaf SET entry = '{\"forged\":1}' WHERE idx = 1",
        "DELETE FROM ledger_leaf WHERE idx = 2",
        "UPDATE ledger_leaf SET chain = zeroblob(32) WHERE idx = 0",
        "DELETE FROM ledger_leaf",
        "UPDATE ledger_checkpoint SET size = 99",
        "DELETE FROM ledger_checkpoint",
        "UPDATE ledger_meta SET value = 'x' WHERE key = 'origin'",
        "DELETE FROM ledger_meta",
        "INSERT OR REPLACE INTO ledger_leaf (idx, chain, entry) VALUES (1, zeroblob(64), '{\"forged\":1}')",
        "INSERT OR REPLACE INTO ledger_leaf (idx, chain, entry) VALUES (0, zeroblob(32), '{}')",
        "INSERT INTO ledger_leaf (idx, chain, entry) VALUES (10, zeroblob(32), '{}')",
        "INSERT INTO ledger_checkpoint (size, root, note) VALUES (2, zeroblob(32), 'x')",
        "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES ('origin', 'evil')",
    ],
)
def test_database_refuses_every_change_but_an_append(log, sql) -> None:
    log.append([{"i": i} for i in range(4)])
    con = sqlite3.connect(log.store.path)
    with pytest.raises(sqlite3.DatabaseError, match="dualcarbon ledger"):
        con.execute(sql)
    con.close()
    assert log.check_integrity() == 4


def test_tampering_behind_the_triggers_is_detected(log, signer) -> None:
    from dualcarbon.ledger import make_bundle, verify_bundle

    log.append([{"i": i} for i in range(6)])
    con = sqlite3.connect(log.store.path)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    con.execute("UPDATE ledger_leaf SET entry = '{\"i\":99}' WHERE idx = 3")
    con.commit()
    con.close()
    with pytest.raises(StoreCorrupted, match="entry 3 does not match"):
        log.check_integrity()
    report = verify_bundle(make_bundle(log, 3), [signer.verifier])
    assert not report.ok
    assert {c.name for c in report.failures} == {"entry", "inclusion proof"}


def test_a_crash_mid_append_leaves_the_log_at_its_last_checkpoint(tmp_path, signer) -> None:
    path = tmp_path / "crash.db"
    key = tmp_path / "log.key"
    key.write_text(signer.skey)
    script = textwrap.dedent(
        f"""
        import os
        from dualcarbon.ledger import Log, SqliteLogStore, parse_signer
        from dualcarbon.ledger.store import SqliteLogStore as S

        signer = parse_signer(open({str(key)!r}).read())
        log = Log.create(S({str(path)!r}), origin="mrv.example.cn/log", signer=signer)
        log.append([{{"i": i}} for i in range(100)])
        original = S.append

        class Boom(list):
            def __iter__(self):
                for k, h in enumerate(list.__iter__(self)):
                    if k == 50:
                        os._exit(3)  # power cut: leaves written, half the nodes, no commit
                    yield h

        def crashing(self, start, entries, hashes, checkpoint):
            return original(self, start, entries, Boom(hashes), checkpoint)

        S.append = crashing
        log.append([{{"i": i}} for i in range(100, 300)])
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    log = Log.open(SqliteLogStore(path), signer=signer)
    assert log.size == 100
    assert log.store.checkpoint_sizes()[-1] == 100
    assert log.check_integrity() == 100
    log.append([{"i": i} for i in range(100, 300)])
    assert log.check_integrity() == 300


def test_a_batch_prepared_for_an_old_size_is_refused(log) -> None:
    log.append([{"i": 0}])
    with pytest.raises(ConcurrentAppend):
        log.store.append(0, [b"{}"], [leaf_hash(b"{}")], None)
    assert log.size == 1


def test_two_writers_on_one_file_interleave_safely(tmp_path, signer) -> None:
    path = tmp_path / "two.db"
    a = Log.create(SqliteLogStore(path), origin="o.example/log", signer=signer)
    b = Log.open(SqliteLogStore(path), signer=signer)
    for i in range(10):
        (a if i % 2 else b).append([{"i": i, "k": k} for k in range(i)])
    assert a.check_integrity() == b.size == sum(range(10))


# -- PostgreSQL --------------------------------------------------------------------------------------
PG = os.environ.get(
    "DUALCARBON_TEST_PG", "host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=3"
)


@pytest.fixture
def pg_conninfo():
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    schema = f"ledger_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG} options='-c search_path={schema}'"
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


@pytest.mark.postgres
def test_postgres_store_gives_the_same_proofs(pg_conninfo, signer) -> None:
    from dualcarbon.ledger import PostgresLogStore

    store = PostgresLogStore(pg_conninfo)
    log = Log.create(store, origin="mrv.example.cn/log", signer=signer)
    values = []
    for b in range(6):
        batch = [{"b": b, "k": k} for k in range(b * 7 + 1)]
        log.append(batch)
        values += batch
    data = [canonical_json(v) for v in values]
    n = len(data)
    assert log.store.checkpoint_sizes()[-1] == n
    for index in (0, n // 2, n - 1):
        assert log.inclusion_proof(index) == inclusion_proof(data, index)
    for old in log.store.checkpoint_sizes():
        assert log.consistency_proof(old) == consistency_proof(data, old)
    assert log.check_integrity() == n
    with pytest.raises(ConcurrentAppend):
        store.append(0, [b"{}"], [leaf_hash(b"{}")], None)
    store.close()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_leaf SET entry = '{}'",
        "DELETE FROM ledger_leaf WHERE idx = 2",
        "TRUNCATE ledger_leaf CASCADE",
        "UPDATE ledger_checkpoint SET note = 'x'",
        "INSERT INTO ledger_leaf (idx, entry) VALUES (0, '{}') ON CONFLICT (idx) DO UPDATE SET entry = 'x'",
        "INSERT INTO ledger_leaf (idx, chain, entry) VALUES (100, 'x', '{}')",
    ],
)
def test_postgres_refuses_every_change_but_an_append(pg_conninfo, signer, sql) -> None:
    import psycopg

    from dualcarbon.ledger import PostgresLogStore

    store = PostgresLogStore(pg_conninfo)
    log = Log.create(store, origin="mrv.example.cn/log", signer=signer)
    log.append([{"i": i} for i in range(3)])
    with (
        psycopg.connect(pg_conninfo) as con,
        pytest.raises(psycopg.errors.RaiseException, match="dualcarbon ledger"),
    ):
        con.execute(sql)
    assert log.check_integrity() == 3
    store.close()
