"""Append-only tables: database triggers that refuse every UPDATE and DELETE of a table's rows.

Used by migrations (``append_only_operation("app_table")``) for records that must never change once
written: emission-factor versions, ledger entries. The refusal happens in the database, so it holds
whatever code path, admin page or SQL prompt with the application's credentials tries it.

The one exception is a whole-database purge (``manage.py flush``, which the test suite runs between
transactional tests): inside :func:`purge_allowed` DELETE and TRUNCATE pass. UPDATE never does.
This protects against mistakes and casual edits; it is not what makes the MRV log tamper-evident —
its Merkle tree and signed checkpoints do that, against the operator too.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections, migrations

__all__ = ("PURGE_FLAG_TABLE", "append_only_operation", "install_purge_flag", "purge_allowed")

PURGE_FLAG_TABLE = "dualcarbon_purge_flag"


def _install(table: str):
    def forwards(apps, schema_editor):
        conn = schema_editor.connection
        if conn.vendor == "sqlite":
            schema_editor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_no_update" BEFORE UPDATE ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;"
            )
            schema_editor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" '
                f"WHEN NOT EXISTS (SELECT 1 FROM {PURGE_FLAG_TABLE}) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;"
            )
        elif conn.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE OR REPLACE FUNCTION "{table}_refuse"() RETURNS trigger AS $$ BEGIN '
                f"IF TG_OP <> 'UPDATE' AND current_setting('dualcarbon.purge', true) = 'on' THEN RETURN NULL; END IF; "
                f"RAISE EXCEPTION '{table} is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql;",
                None,
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                f'FOR EACH STATEMENT EXECUTE FUNCTION "{table}_refuse"();'
            )
        else:
            raise RuntimeError(f"append-only triggers are not written for the {conn.vendor} database")

    return forwards


def _remove(table: str):
    def backwards(apps, schema_editor):
        conn = schema_editor.connection
        if conn.vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_{op}";')
        elif conn.vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";')
            schema_editor.execute(f'DROP FUNCTION IF EXISTS "{table}_refuse"();')

    return backwards


def append_only_operation(table: str) -> migrations.RunPython:
    """A migration operation that makes ``table`` append-only on SQLite and PostgreSQL."""
    return migrations.RunPython(_install(table), _remove(table))


def _flag_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {PURGE_FLAG_TABLE} (purge INTEGER NOT NULL)")


def _flag_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {PURGE_FLAG_TABLE}")


def install_purge_flag() -> migrations.RunPython:
    """The SQLite flag table the DELETE triggers consult (PostgreSQL uses a session setting)."""
    return migrations.RunPython(_flag_forwards, _flag_backwards)


@contextmanager
def purge_allowed(using: str = "default"):
    """Let DELETE/TRUNCATE through the append-only triggers for a whole-database purge."""
    conn = connections[using]
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute(f"INSERT INTO {PURGE_FLAG_TABLE} (purge) VALUES (1)")
        elif conn.vendor == "postgresql":
            cur.execute("SET dualcarbon.purge = 'on'")
    try:
        yield
    finally:
        with conn.cursor() as cur:
            if conn.vendor == "sqlite":
                cur.execute(f"DELETE FROM {PURGE_FLAG_TABLE}")
            elif conn.vendor == "postgresql":
                cur.execute("RESET dualcarbon.purge")
