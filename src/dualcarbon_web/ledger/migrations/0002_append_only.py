"""The log's tables are append-only in the database: no UPDATE, no DELETE (the platform's triggers),
entries only at the next index, checkpoints only growing, metadata written once."""

from django.db import migrations

from dualcarbon_web.platform.db.append_only import append_only_operation

ENTRY, CHECKPOINT, META = "ledger_ledgerentry", "ledger_ledgercheckpoint", "ledger_ledgermeta"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {ENTRY}_next_index BEFORE INSERT ON {ENTRY}
    WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM {ENTRY})
    BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: entries are appended at the next index only'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS {CHECKPOINT}_grows BEFORE INSERT ON {CHECKPOINT}
    WHEN NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM {CHECKPOINT})
      OR NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM {ENTRY})
    BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: a checkpoint must be larger than the last and within the log'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS {META}_once BEFORE INSERT ON {META}
    WHEN EXISTS (SELECT 1 FROM {META} WHERE key = NEW.key)
    BEGIN SELECT RAISE(ABORT, 'dualcarbon ledger: metadata is written once'); END;""",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION {ENTRY}_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = '{ENTRY}' THEN
            IF NEW.idx IS DISTINCT FROM (SELECT COALESCE(MAX(idx) + 1, 0) FROM {ENTRY}) THEN
                RAISE EXCEPTION 'dualcarbon ledger: entries are appended at the next index only';
            END IF;
        ELSIF TG_TABLE_NAME = '{CHECKPOINT}' THEN
            IF NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM {CHECKPOINT})
               OR NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM {ENTRY}) THEN
                RAISE EXCEPTION 'dualcarbon ledger: a checkpoint must be larger than the last and within the log';
            END IF;
        END IF;
        RETURN NEW;
    END $$;""",
    f"""CREATE TRIGGER {ENTRY}_next_index BEFORE INSERT ON {ENTRY}
    FOR EACH ROW EXECUTE FUNCTION {ENTRY}_check_insert();""",
    f"""CREATE TRIGGER {CHECKPOINT}_grows BEFORE INSERT ON {CHECKPOINT}
    FOR EACH ROW EXECUTE FUNCTION {ENTRY}_check_insert();""",
]


def forwards(apps, schema_editor):
    statements = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES
    for sql in statements:
        schema_editor.execute(sql, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in (f"{ENTRY}_next_index", f"{CHECKPOINT}_grows", f"{META}_once"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {ENTRY}_next_index ON {ENTRY}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {CHECKPOINT}_grows ON {CHECKPOINT}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {ENTRY}_check_insert()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("platform", "0002_purge_flag")]

    operations = [
        append_only_operation("ledger_ledgermeta"),
        append_only_operation("ledger_ledgerentry"),
        append_only_operation("ledger_ledgercheckpoint"),
        append_only_operation("ledger_ledgercosignature"),
        migrations.RunPython(forwards, backwards),
    ]
