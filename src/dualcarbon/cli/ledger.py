"""``dualcarbon ledger``: the tamper-evident MRV log from the shell.

Offline checks, with no network and no database::

    dualcarbon ledger verify bundle.json --key 'mrv.example.cn/log+1a2b3c4d+AQ...'
    dualcarbon ledger audit export.jsonl --key log.vkey --key regulator.vkey --min-witnesses 1

and a local SQLite log to produce what they check::

    dualcarbon ledger init mrv.db --origin mrv.example.cn/log      # writes mrv.db.key, mrv.db.vkey
    dualcarbon ledger append mrv.db events.jsonl                   # one batch, one checkpoint
    dualcarbon ledger prove mrv.db 42 --out bundle.json
    dualcarbon ledger export mrv.db export.jsonl

Every check prints what it found; a failed check makes the command exit with status 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

from dualcarbon.cli._common import console, fail

__all__ = ["register"]

ledger_app = typer.Typer(
    name="ledger",
    help="Tamper-evident MRV log: append, sign checkpoints, prove, and verify offline.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``ledger`` command group to the ``dualcarbon`` CLI."""
    app.add_typer(ledger_app, name="ledger")


# -- helpers ---------------------------------------------------------------------------------------
def _read_keys(values: list[str]) -> list[Any]:
    from dualcarbon.ledger import LedgerError, parse_verifier

    keys = []
    for value in values:
        texts = [value]
        path = Path(value)
        if "+" not in value or path.is_file():
            if not path.is_file():
                fail(f"--key {value!r} is neither a verifier key (name+id+base64) nor a file")
            texts = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        for text in texts:
            if not text or text.startswith("#"):
                continue
            try:
                keys.append(parse_verifier(text))
            except LedgerError as exc:
                fail(f"--key {text[:50]!r}: {exc}")
    if not keys:
        fail("give at least one trusted verifier key with --key (the log's, and witnesses')")
    return keys


def _read_signer(path: Path) -> Any:
    from dualcarbon.ledger import LedgerError, parse_signer

    if not path.is_file():
        fail(f"signer key file {path} does not exist")
    try:
        return parse_signer(path.read_text(encoding="utf-8").strip())
    except LedgerError as exc:
        fail(f"{path}: {exc}")


def _write_secret(path: Path, text: str) -> None:
    if path.exists():
        fail(f"{path} already exists; refusing to overwrite a key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")


def _open_log(db: Path, key_file: Path | None = None, *, must_exist: bool = True) -> Any:
    from dualcarbon.ledger import LedgerError, Log, SqliteLogStore

    if must_exist and not db.exists():
        fail(f"log database {db} does not exist; create it with 'dualcarbon ledger init'")
    signer = _read_signer(key_file) if key_file is not None else None
    try:
        return Log.open(SqliteLogStore(db), signer=signer)
    except LedgerError as exc:
        fail(f"{db}: {exc}")


def _default_key_file(db: Path) -> Path:
    return db.with_name(db.name + ".key")


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for check in report.checks:
            mark = "[green]✓[/]" if check.ok else "[bold red]✗[/]"
            console.print(f"{mark} {check.name}: {check.detail}", highlight=False, soft_wrap=True)
        if report.ok:
            console.print(
                f"[bold green]VERIFIED[/] the {report.subject} checks out.", highlight=False, soft_wrap=True
            )
        else:
            n = len(report.failures)
            console.print(
                f"[bold red]FAILED[/] {n} check(s) of the {report.subject} failed.",
                highlight=False,
                soft_wrap=True,
            )
    if not report.ok:
        raise typer.Exit(1)


def _load_entries(source: str) -> list[Any]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except ValueError as exc:
            fail(f"{source}: not a JSON array: {exc}")
        return list(value)
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                entries.append(json.loads(line))
            except ValueError as exc:
                fail(f"{source}, line {number}: not JSON: {exc}")
    return entries


# -- offline verification ---------------------------------------------------------------------------
@ledger_app.command("verify")
def verify(
    bundle: Path = typer.Argument(..., help="Proof bundle (JSON) of one entry, from 'prove' or the web API."),
    key: list[str] = typer.Option([], "--key", "-k", help="Trusted verifier key, or a file of them; repeat."),
    min_witnesses: int = typer.Option(0, "--min-witnesses", help="Witness cosignatures required."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check that an entry is in the log, offline: signature, size, entry hash and inclusion proof."""
    from dualcarbon.ledger import verify_bundle

    keys = _read_keys(key)
    if not bundle.is_file():
        fail(f"bundle {bundle} does not exist")
    _print_report(verify_bundle(bundle.read_bytes(), keys, min_witnesses=min_witnesses), as_json)


@ledger_app.command("audit")
def audit(
    export: Path = typer.Argument(..., help="Whole-log export (JSON Lines), from 'export'."),
    key: list[str] = typer.Option([], "--key", "-k", help="Trusted verifier key, or a file of them; repeat."),
    min_witnesses: int = typer.Option(
        0, "--min-witnesses", help="Witness cosignatures required on the last checkpoint."
    ),
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="A signed checkpoint you hold; the export must reach it with the same root.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Replay a whole exported log and check every checkpoint's signature, root and consistency."""
    from dualcarbon.ledger import audit_export

    keys = _read_keys(key)
    if not export.is_file():
        fail(f"export {export} does not exist")
    latest = checkpoint.read_text(encoding="utf-8") if checkpoint is not None else None
    with export.open(encoding="utf-8") as fh:
        report = audit_export(fh, keys, min_witnesses=min_witnesses, latest_checkpoint=latest)
    _print_report(report, as_json)


# -- a local log ----------------------------------------------------------------------------------------
@ledger_app.command("keygen")
def keygen(
    name: str = typer.Argument(..., help="Key name, e.g. 'regulator.example.cn/witness'."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the private key (mode 0600)."),
    witness: bool = typer.Option(False, "--witness", help="A witness key (cosignature/v1, type 0x04)."),
) -> None:
    """Generate an Ed25519 key pair; print the verifier key and write it beside the private key."""
    from dualcarbon.ledger import LedgerError, generate_signer

    try:
        signer = generate_signer(name, cosigner=witness)
    except LedgerError as exc:
        fail(str(exc))
    _write_secret(out, signer.skey)
    out.with_name(out.name + ".vkey").write_text(signer.verifier.vkey + "\n", encoding="utf-8")
    typer.echo(signer.verifier.vkey)


@ledger_app.command("init")
def init(
    db: Path = typer.Argument(..., help="SQLite file of the log (created)."),
    origin: str = typer.Option(..., "--origin", help="The log's name, e.g. 'mrv.example.cn/2025'."),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="Log private key; default DB.key (created if missing)."
    ),
) -> None:
    """Create a log: its database, and its signing key unless one is given."""
    from dualcarbon.ledger import LedgerError, Log, SqliteLogStore, generate_signer

    key_path = key_file or _default_key_file(db)
    if key_path.exists():
        signer = _read_signer(key_path)
    else:
        try:
            signer = generate_signer(origin)
        except LedgerError as exc:
            fail(str(exc))
        _write_secret(key_path, signer.skey)
    try:
        log = Log.create(SqliteLogStore(db), origin=origin, signer=signer)
        note = log.sign_checkpoint()
    except LedgerError as exc:
        fail(f"{db}: {exc}")
    db.with_name(db.name + ".vkey").write_text(signer.verifier.vkey + "\n", encoding="utf-8")
    console.print(
        f"log {origin!r} in {db}; private key {key_path}; verifier key:", highlight=False, soft_wrap=True
    )
    typer.echo(signer.verifier.vkey)
    typer.echo(note, nl=False)


@ledger_app.command("append")
def append(
    db: Path = typer.Argument(..., help="SQLite file of the log."),
    source: str = typer.Argument("-", help="JSON Lines or a JSON array of entries; '-' for stdin."),
    key_file: Path | None = typer.Option(None, "--key-file", help="Log private key; default DB.key."),
    no_checkpoint: bool = typer.Option(
        False, "--no-checkpoint", help="Do not sign a checkpoint for this batch."
    ),
) -> None:
    """Append entries in one transaction and sign the checkpoint that covers them."""
    from dualcarbon.ledger import LedgerError

    log = _open_log(db, key_file or _default_key_file(db))
    entries = _load_entries(source)
    try:
        result = log.append(entries, checkpoint=not no_checkpoint)
    except LedgerError as exc:
        fail(str(exc))
    last = result.first_index + result.count - 1
    console.print(
        f"appended {result.count} entries (indices {result.first_index}..{last}); size {result.tree_size}",
        highlight=False,
        soft_wrap=True,
    )
    if result.checkpoint:
        typer.echo(result.checkpoint, nl=False)


@ledger_app.command("checkpoint")
def checkpoint(
    db: Path = typer.Argument(..., help="SQLite file of the log."),
    key_file: Path | None = typer.Option(None, "--key-file", help="Log private key; default DB.key."),
) -> None:
    """Sign a checkpoint for the current size (if needed) and print the latest checkpoint."""
    from dualcarbon.ledger import LedgerError

    log = _open_log(db, key_file or _default_key_file(db))
    try:
        typer.echo(log.sign_checkpoint(), nl=False)
    except LedgerError as exc:
        fail(str(exc))


@ledger_app.command("prove")
def prove(
    db: Path = typer.Argument(..., help="SQLite file of the log."),
    index: int = typer.Argument(..., help="0-based index of the entry."),
    size: int | None = typer.Option(None, "--size", help="Size of a signed checkpoint; default the latest."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the bundle here instead of stdout."),
) -> None:
    """Write the proof bundle of one entry (entry, inclusion proof, signed checkpoint)."""
    from dualcarbon.ledger import LedgerError, make_bundle

    log = _open_log(db)
    try:
        bundle = make_bundle(log, index, size)
    except LedgerError as exc:
        fail(str(exc))
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(
            f"bundle of entry {index} against size {bundle['tree_size']} written to {out}",
            highlight=False,
            soft_wrap=True,
        )


@ledger_app.command("consistency")
def consistency(
    db: Path = typer.Argument(..., help="SQLite file of the log."),
    old_size: int = typer.Argument(..., help="Size of the older signed checkpoint."),
    size: int | None = typer.Option(
        None, "--size", help="Size of the newer signed checkpoint; default the latest."
    ),
) -> None:
    """Print the RFC 9162 consistency proof between two signed checkpoints, as JSON."""
    import base64

    from dualcarbon.ledger import LedgerError

    log = _open_log(db)
    try:
        new_size = size if size is not None else log.checkpoint_size()
        proof = log.consistency_proof(old_size, new_size)
    except LedgerError as exc:
        fail(str(exc))
    payload = {
        "old_size": old_size,
        "new_size": new_size,
        "proof": [base64.b64encode(h).decode() for h in proof],
    }
    typer.echo(json.dumps(payload, indent=2))


@ledger_app.command("export")
def export(
    db: Path = typer.Argument(..., help="SQLite file of the log."),
    out: Path = typer.Argument(..., help="Export file (JSON Lines)."),
) -> None:
    """Export every entry and checkpoint for auditors ('dualcarbon ledger audit')."""
    from dualcarbon.ledger import LedgerError, export_log

    log = _open_log(db)
    try:
        with out.open("w", encoding="utf-8") as fh:
            count = export_log(log, fh)
    except LedgerError as exc:
        fail(str(exc))
    console.print(f"exported {count} entries to {out}", highlight=False, soft_wrap=True)


@ledger_app.command("cosign")
def cosign(
    db: Path = typer.Argument(..., help="SQLite file of the log."),
    witness_key: Path = typer.Option(..., "--witness-key", help="The witness's private key file."),
    state: Path = typer.Option(
        ..., "--state", help="The witness's memory of the last checkpoint it cosigned (JSON)."
    ),
    log_key: list[str] = typer.Option([], "--log-key", help="The log's verifier key the witness trusts."),
) -> None:
    """Act as a witness: check the latest checkpoint is consistent with the last one cosigned, then cosign it."""
    from dualcarbon.ledger import LedgerError, Witness

    log = _open_log(db)
    witness = Witness(_read_signer(witness_key), _read_keys(log_key), state_path=state)
    note = log.latest_checkpoint()
    if note is None:
        fail("the log has no checkpoint to cosign")
    seen = witness.last_seen(log.origin)
    try:
        proof = log.consistency_proof(seen[0]) if seen else []
        cosigned = witness.cosign(note, proof)
        log.add_cosignatures(cosigned, [witness.verifier])
    except LedgerError as exc:
        fail(f"witness refuses to cosign: {exc}")
    typer.echo(cosigned, nl=False)


@ledger_app.command("check")
def check(db: Path = typer.Argument(..., help="SQLite file of the log.")) -> None:
    """Recompute every stored hash and checkpoint of a local log from its entries."""
    from dualcarbon.ledger import LedgerError

    log = _open_log(db)
    try:
        size = log.check_integrity()
    except LedgerError as exc:
        console.print(f"[bold red]FAILED[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(
        f"[bold green]OK[/] {size} entries, every node hash and checkpoint recomputed.",
        highlight=False,
        soft_wrap=True,
    )
