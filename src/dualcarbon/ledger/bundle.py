"""Offline verification: proof bundles for one entry, and whole-log exports for auditors.

A **bundle** (JSON, ``"format": "dualcarbon-ledger-bundle"``, ``"version": 1``) carries one entry,
its leaf index, its inclusion proof and the signed checkpoint the proof leads to.
:func:`verify_bundle` checks it with the verifier keys the *user* trusts; the keys written in the
bundle are for display only and never trusted.

An **export** (JSON Lines, ``"format": "dualcarbon-ledger-export"``) is a header line, every
entry in order, and after the entry that completes each checkpoint, that checkpoint with a
consistency proof from the previous one. :func:`audit_export` replays it: it recomputes the tree
from the entries, checks that every checkpoint is signed by a trusted key, that its root is the
root of the replayed entries, and that its RFC 9162 consistency proof from the previous
checkpoint verifies.

Both return a :class:`Report`: a list of named checks, each passed or failed with a reason,
so tools can print *what* failed. Nothing here touches a network or a database. See
``docs/ledger.md`` for the formats.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from dualcarbon.ledger.checkpoint import VerifiedCheckpoint, open_checkpoint
from dualcarbon.ledger.errors import EntryNotFound, LedgerError, MalformedInput
from dualcarbon.ledger.hashing import EMPTY_ROOT, canonical_json, leaf_hash, node_hash
from dualcarbon.ledger.log import Log
from dualcarbon.ledger.note import Verifier
from dualcarbon.ledger.tree import verify_consistency, verify_inclusion

__all__ = [
    "BUNDLE_FORMAT",
    "EXPORT_FORMAT",
    "Check",
    "Report",
    "audit_export",
    "export_log",
    "make_bundle",
    "verify_bundle",
]

BUNDLE_FORMAT = "dualcarbon-ledger-bundle"
EXPORT_FORMAT = "dualcarbon-ledger-export"
VERSION = 1


@dataclass(frozen=True)
class Check:
    """One check of a verification: its name, whether it passed, and what was found."""

    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    """The outcome of a verification: ``ok`` only if every check passed (and there was one)."""

    subject: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "ok": self.ok,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise MalformedInput(f"{what} must be a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedInput(f"{what} is not valid base64") from None


# -- bundles ------------------------------------------------------------------------------------
def make_bundle(log: Log, index: int, tree_size: int | None = None) -> dict[str, Any]:
    """The proof bundle of entry ``index`` against a signed checkpoint (the latest by default)."""
    note = log.checkpoint_note(tree_size) if tree_size is not None else log.latest_checkpoint()
    if note is None:
        raise EntryNotFound("the log has no signed checkpoint yet; sign one first")
    size = log.checkpoint_size(tree_size)
    proof = log.inclusion_proof(index, size)
    entry = log.entry(index)
    return {
        "format": BUNDLE_FORMAT,
        "version": VERSION,
        "origin": log.origin,
        "index": index,
        "tree_size": size,
        "entry": entry.value,
        "leaf_hash": _b64(log.stored_leaf_hash(index)),
        "inclusion_proof": [_b64(h) for h in proof],
        "checkpoint": note,
        "log_key": log.verifier.vkey,
    }


def _load(obj: str | bytes | dict[str, Any], what: str) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    try:
        data = json.loads(obj)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"{what} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedInput(f"{what} must be a JSON object")
    return data


def verify_bundle(
    bundle: str | bytes | dict[str, Any],
    keys: Sequence[Verifier],
    *,
    min_witnesses: int = 0,
) -> Report:
    """Check a proof bundle offline with the keys the caller trusts.

    Checks, in order: the bundle's format; the checkpoint's signatures (a trusted log key, and
    ``min_witnesses`` trusted witnesses); that the bundle's origin and tree size are the
    checkpoint's; that the entry hashes to the leaf hash; that the inclusion proof leads from
    that leaf at that index to the checkpoint's root. Never raises for bad input: every problem
    becomes a failed check.
    """
    report = Report("bundle")
    try:
        data = _load(bundle, "bundle")
        if data.get("format") != BUNDLE_FORMAT:
            raise MalformedInput(f"format is {data.get('format')!r}, not {BUNDLE_FORMAT!r}")
        if data.get("version") != VERSION:
            raise MalformedInput(
                f"version {data.get('version')!r} is not supported (this reader knows {VERSION})"
            )
        index, size = data.get("index"), data.get("tree_size")
        for name, value in (("index", index), ("tree_size", size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise MalformedInput(f"{name} must be a non-negative integer, got {value!r}")
        if "entry" not in data:
            raise MalformedInput("bundle has no entry")
        proof_text = data.get("inclusion_proof")
        if not isinstance(proof_text, list):
            raise MalformedInput("inclusion_proof must be a list of base64 hashes")
        proof = [_unb64(p, f"inclusion_proof[{k}]") for k, p in enumerate(proof_text)]
        note = data.get("checkpoint")
        if not isinstance(note, str):
            raise MalformedInput("checkpoint must be the signed checkpoint text")
    except LedgerError as exc:
        report.add("format", False, str(exc))
        return report
    report.add("format", True, f"{BUNDLE_FORMAT} version {VERSION}")

    if not keys:
        report.add("checkpoint signature", False, "no trusted keys given; pass the log's verifier key")
        return report
    try:
        cp: VerifiedCheckpoint | None = open_checkpoint(note, keys, min_witnesses=min_witnesses)
    except LedgerError as exc:
        cp = None
        report.add("checkpoint signature", False, str(exc))
    if cp is not None:
        witnesses = ", ".join(cp.witnesses) or "none"
        report.add(
            "checkpoint signature",
            True,
            f"signed by {cp.log_signature.verifier.name}; witness cosignatures: {witnesses}",
        )
        origin = data.get("origin", cp.checkpoint.origin)
        report.add(
            "origin",
            origin == cp.checkpoint.origin,
            f"checkpoint is for {cp.checkpoint.origin!r}"
            + ("" if origin == cp.checkpoint.origin else f", bundle says {origin!r}"),
        )
        report.add(
            "tree size",
            size == cp.size,
            f"signed checkpoint has size {cp.size}" + ("" if size == cp.size else f", bundle says {size}"),
        )

    try:
        leaf = leaf_hash(canonical_json(data["entry"]))
        stated = data.get("leaf_hash")
        if stated is not None and _unb64(stated, "leaf_hash") != leaf:
            report.add(
                "entry", False, "the entry does not hash to the bundle's leaf_hash: the entry was changed"
            )
        else:
            report.add("entry", True, f"leaf hash {leaf.hex()}")
    except (ValueError, LedgerError) as exc:
        report.add("entry", False, f"entry cannot be hashed: {exc}")
        return report

    if cp is not None:
        ok = index < cp.size and verify_inclusion(leaf, index, cp.size, proof, cp.root_hash)
        if ok:
            detail = f"entry {index} is in the log of size {cp.size} (root {cp.root_hash.hex()[:16]}…)"
        elif index >= cp.size:
            detail = f"index {index} is not below the checkpoint's size {cp.size}"
        else:
            detail = (
                f"the proof does not lead from entry {index} to the root of the checkpoint of size {cp.size}: "
                "the entry, its index or the proof was changed"
            )
        report.add("inclusion proof", ok, detail)
    return report


# -- exports ------------------------------------------------------------------------------------
def export_log(log: Log, out: IO[str]) -> int:
    """Write the whole log as JSON Lines to ``out``; return the number of entries written."""
    sizes = log.store.checkpoint_sizes()
    size = log.size
    out.write(
        json.dumps(
            {
                "format": EXPORT_FORMAT,
                "version": VERSION,
                "origin": log.origin,
                "log_key": log.verifier.vkey,
                "size": size,
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    pending = list(sizes)
    previous = 0

    def emit_checkpoints(n: int) -> None:
        nonlocal previous
        while pending and pending[0] == n:
            s = pending.pop(0)
            proof = log.consistency_proof(previous, s) if previous else []
            line = {
                "checkpoint": log.checkpoint_note(s),
                "consistency_from": previous,
                "consistency_proof": [_b64(h) for h in proof],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            previous = s

    emit_checkpoints(0)
    count = 0
    for entry in log.iter_entries(0, size):
        out.write(
            json.dumps({"index": entry.index, "entry": entry.value}, ensure_ascii=False, sort_keys=True)
            + "\n"
        )
        count += 1
        emit_checkpoints(count)
    return count


def _lines(source: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise MalformedInput(f"line {number} is not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise MalformedInput(f"line {number} is not a JSON object")
        yield number, obj


def audit_export(
    source: Iterable[str],
    keys: Sequence[Verifier],
    *,
    min_witnesses: int = 0,
    latest_checkpoint: str | None = None,
) -> Report:
    """Replay an export and check every entry and checkpoint; see the module docs.

    ``min_witnesses`` applies to the last checkpoint of the export: once it is cosigned, every
    earlier checkpoint is on the same history, because the replay ties them all to one sequence.

    ``latest_checkpoint`` is a checkpoint the auditor obtained elsewhere (from a witness, or an
    earlier bundle): the export must contain a checkpoint of that size with the same root, which
    catches an export cut short before its last checkpoints.
    """
    report = Report("export")
    if not keys:
        report.add("keys", False, "no trusted keys given; pass the log's verifier key")
        return report
    stack: list[tuple[int, bytes]] = []
    count = 0
    origin: str | None = None
    declared: int | None = None
    last_size, last_root = 0, EMPTY_ROOT
    checkpoints = 0
    witnesses: set[str] = set()
    roots: dict[int, bytes] = {}

    def root() -> bytes:
        if not stack:
            return EMPTY_ROOT
        h = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            h = node_hash(left, h)
        return h

    try:
        lines = _lines(source)
        first = next(lines, None)
        if first is None:
            raise MalformedInput("the export is empty")
        _, header = first
        if header.get("format") != EXPORT_FORMAT or header.get("version") != VERSION:
            raise MalformedInput(f"line 1 is not a {EXPORT_FORMAT} version {VERSION} header")
        origin = header.get("origin")
        declared = header.get("size")
        report.add("format", True, f"{EXPORT_FORMAT} version {VERSION} for log {origin!r}")
        for number, obj in lines:
            if "checkpoint" in obj:
                try:
                    cp = open_checkpoint(obj["checkpoint"], keys, origin=origin)
                except LedgerError as exc:
                    report.add(f"checkpoint on line {number}", False, str(exc))
                    return report
                if cp.size != count:
                    report.add(
                        f"checkpoint of size {cp.size}",
                        False,
                        f"it appears on line {number} after {count} entries: entries are missing or were added",
                    )
                    return report
                if cp.size <= last_size and checkpoints:
                    report.add(
                        f"checkpoint of size {cp.size}",
                        False,
                        f"it does not grow the log beyond size {last_size}",
                    )
                    return report
                if cp.root_hash != root():
                    report.add(
                        f"checkpoint of size {cp.size}",
                        False,
                        "its signed root is not the root of the entries before it: an entry was changed, "
                        "removed, inserted or reordered",
                    )
                    return report
                proof = [
                    _unb64(p, f"line {number} consistency_proof") for p in obj.get("consistency_proof", [])
                ]
                frm = obj.get("consistency_from", last_size)
                if frm != last_size or not verify_consistency(
                    last_size, cp.size, last_root, cp.root_hash, proof
                ):
                    report.add(
                        f"checkpoint of size {cp.size}",
                        False,
                        f"the consistency proof from size {last_size} does not verify",
                    )
                    return report
                checkpoints += 1
                witnesses = set(cp.witnesses)
                last_size, last_root = cp.size, cp.root_hash
                roots[cp.size] = cp.root_hash
                continue
            index = obj.get("index")
            if index != count:
                report.add(
                    f"entry on line {number}",
                    False,
                    f"has index {index!r} where {count} was expected: entries are missing or reordered",
                )
                return report
            if "entry" not in obj:
                report.add(f"entry {count}", False, f"line {number} has no entry")
                return report
            try:
                h = leaf_hash(canonical_json(obj["entry"]))
            except ValueError as exc:
                report.add(f"entry {count}", False, f"cannot be hashed: {exc}")
                return report
            level = 0
            while stack and stack[-1][0] == level:
                _, left = stack.pop()
                h = node_hash(left, h)
                level += 1
            stack.append((level, h))
            count += 1
    except LedgerError as exc:
        report.add("format", False, str(exc))
        return report

    report.add("entries", True, f"{count} entries replayed in order")
    if checkpoints == 0:
        report.add("checkpoints", False, "no signed checkpoint in the export, so nothing is verified")
    else:
        report.add(
            "checkpoints",
            True,
            f"{checkpoints} checkpoints verified (signature, root, consistency); last size {last_size}",
        )
        seen = ", ".join(sorted(witnesses)) or "none"
        report.add(
            "witnesses",
            len(witnesses) >= min_witnesses,
            f"the last checkpoint (size {last_size}) is cosigned by: {seen}"
            + ("" if len(witnesses) >= min_witnesses else f"; {min_witnesses} required"),
        )
    if isinstance(declared, int) and declared != count:
        report.add(
            "completeness",
            False,
            f"the header declares {declared} entries but the export holds {count}: truncated",
        )
    if latest_checkpoint is not None:
        try:
            known = open_checkpoint(latest_checkpoint, keys, origin=origin)
        except LedgerError as exc:
            report.add(
                "latest checkpoint", False, f"the checkpoint given to compare with does not verify: {exc}"
            )
        else:
            if known.size > count:
                report.add(
                    "latest checkpoint",
                    False,
                    f"the log had {known.size} entries at a checkpoint you hold, the export only {count}: truncated",
                )
            elif known.size in roots and roots[known.size] != known.root_hash:
                report.add(
                    "latest checkpoint",
                    False,
                    f"the export's root at size {known.size} differs from the checkpoint you hold: fork",
                )
            elif known.size not in roots:
                report.add(
                    "latest checkpoint",
                    False,
                    f"the export has no checkpoint of size {known.size} to compare with",
                )
            else:
                report.add(
                    "latest checkpoint",
                    True,
                    f"the export matches the checkpoint of size {known.size} you hold",
                )
    if count > last_size and checkpoints:
        report.add(
            "unsigned tail",
            True,
            f"note: entries {last_size}..{count - 1} are not yet covered by a signed checkpoint",
        )
    return report
