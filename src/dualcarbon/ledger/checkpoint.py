"""Checkpoints (signed tree heads) and the witnesses that cosign them.

A checkpoint commits a log to one tree: its origin (the log's name), its size and its root
hash. Its body is the C2SP ``tlog-checkpoint`` text::

    <origin>
    <tree size in decimal>
    <base64 root hash>
    [extension lines]

and it travels as a C2SP signed note: signed by the log's Ed25519 key (type 0x01) and cosigned by
witnesses (``cosignature/v1``, type 0x04). A :class:`Witness` cosigns a new checkpoint only after
verifying a consistency proof from the last checkpoint it cosigned, so a log that rewrote history
or showed two parties two different trees is caught by whoever holds both checkpoints.

References
----------
C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint ; C2SP tlog-cosignature,
https://c2sp.org/tlog-cosignature ; RFC 9162 §2.1.4 (consistency).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dualcarbon.ledger.errors import InconsistentCheckpoint, InvalidSignature, MalformedInput
from dualcarbon.ledger.hashing import HASH_SIZE
from dualcarbon.ledger.note import (
    Note,
    Signer,
    VerifiedSignature,
    Verifier,
    format_note,
    open_note,
    parse_note,
    sign_note,
)
from dualcarbon.ledger.tree import verify_consistency

__all__ = [
    "Checkpoint",
    "VerifiedCheckpoint",
    "Witness",
    "add_cosignature",
    "open_checkpoint",
    "sign_checkpoint",
]


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: ``origin``, ``size`` and ``root_hash`` (32 bytes), plus extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or any(ord(c) < 0x20 for c in self.origin):
            raise MalformedInput(f"checkpoint origin {self.origin!r} must be one non-empty line")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size < 1 << 64:
            raise MalformedInput(f"checkpoint size {self.size!r} must be an integer from 0 to 2**64-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise MalformedInput("checkpoint root hash must be 32 bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise MalformedInput(f"checkpoint extension line {line!r} must be one non-empty line")

    @property
    def body(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body (the text of its note).

        Raises
        ------
        MalformedInput
            If there are fewer than three lines, the size is not a canonical decimal, or the root
            is not the base64 of 32 bytes.
        """
        if not text.endswith("\n"):
            raise MalformedInput("checkpoint body must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedInput("checkpoint body needs origin, size and root hash lines")
        origin, size_text, root_text, *extensions = lines
        if (
            not size_text.isascii()
            or not size_text.isdigit()
            or (size_text != "0" and size_text.startswith("0"))
        ):
            raise MalformedInput(
                f"checkpoint size {size_text!r} is not a decimal number without leading zeros"
            )
        try:
            root = base64.b64decode(root_text.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise MalformedInput(f"checkpoint root {root_text!r} is not base64") from None
        if base64.b64encode(root).decode() != root_text:
            raise MalformedInput(f"checkpoint root {root_text!r} is not canonical base64")
        return cls(origin, int(size_text), root, tuple(extensions))


@dataclass(frozen=True)
class VerifiedCheckpoint:
    """A checkpoint whose log signature verified, with the witness cosignatures that verified."""

    checkpoint: Checkpoint
    note: str
    log_signature: VerifiedSignature
    cosignatures: tuple[VerifiedSignature, ...]

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root_hash(self) -> bytes:
        return self.checkpoint.root_hash

    @property
    def witnesses(self) -> tuple[str, ...]:
        return tuple(sorted({c.verifier.name for c in self.cosignatures}))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a signed note, signed by the log's key."""
    return sign_note(checkpoint.body, signer)


def add_cosignature(note: str, line: str) -> str:
    """Append one signature line (e.g. a witness cosignature) to a signed note."""
    parsed = parse_note(note)
    extra = parse_note(parsed.text + "\n" + line).signatures
    existing = {(s.name, s.key_id) for s in parsed.signatures}
    merged = parsed.signatures + tuple(s for s in extra if (s.name, s.key_id) not in existing)
    return format_note(Note(parsed.text, merged))


def open_checkpoint(
    note: str,
    keys: Sequence[Verifier],
    *,
    origin: str | None = None,
    min_witnesses: int = 0,
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint against trusted keys and parse it.

    ``keys`` may mix the log's keys (type 0x01) and witness keys (type 0x04). The checkpoint
    needs a verified signature from at least one log key, and cosignatures from at least
    ``min_witnesses`` distinct witnesses. A bad signature from any trusted key rejects it.

    Raises
    ------
    InvalidSignature
        If no log key signed it, a trusted signature is bad, or too few witnesses cosigned.
    MalformedInput
        If the note or its body is malformed, or ``origin`` is given and differs.
    """
    parsed, verified = open_note(note, list(keys))
    log_sigs = [v for v in verified if not v.verifier.is_cosigner]
    cosigs = tuple(v for v in verified if v.verifier.is_cosigner)
    if not log_sigs:
        raise InvalidSignature(
            "checkpoint is not signed by a trusted log key (only witness cosignatures verified)"
        )
    checkpoint = Checkpoint.from_body(parsed.text)
    if origin is not None and checkpoint.origin != origin:
        raise MalformedInput(f"checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    witnesses = {c.verifier.name for c in cosigs}
    if len(witnesses) < min_witnesses:
        raise InvalidSignature(
            f"checkpoint has {len(witnesses)} trusted witness cosignature(s), {min_witnesses} required"
        )
    return VerifiedCheckpoint(checkpoint, format_note(parsed), log_sigs[0], cosigs)


class Witness:
    """A party that cosigns a log's checkpoints after checking they only ever grow.

    The witness remembers, per log origin, the size and root of the last checkpoint it cosigned.
    To cosign a new one it needs the log's signature on it and a consistency proof from the
    remembered size; it refuses a checkpoint that is smaller, forks, or comes without a valid
    proof. ``state_path`` (optional) keeps that memory in a JSON file between runs.

    Parameters
    ----------
    signer : Signer
        The witness's own key; used as a ``cosignature/v1`` (type 0x04) key.
    log_keys : sequence of Verifier
        The keys of the logs this witness follows (type 0x01).
    state_path : path, optional
        Where to keep the last cosigned (size, root) per origin.
    """

    def __init__(
        self,
        signer: Signer,
        log_keys: Sequence[Verifier],
        *,
        state_path: str | os.PathLike[str] | None = None,
    ):
        self.signer = signer.as_cosigner()
        self.log_keys = tuple(log_keys)
        self.state_path = Path(state_path) if state_path is not None else None
        self._seen: dict[str, tuple[int, bytes]] = {}
        if self.state_path is not None and self.state_path.exists():
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            self._seen = {o: (int(v["size"]), base64.b64decode(v["root"])) for o, v in data.items()}

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier

    def last_seen(self, origin: str) -> tuple[int, bytes] | None:
        """Size and root of the last checkpoint cosigned for ``origin``, if any."""
        return self._seen.get(origin)

    def cosign(self, note: str, proof: Sequence[bytes], *, timestamp: int | None = None) -> str:
        """Check ``note`` against the last checkpoint seen and return it with this witness's cosignature.

        ``proof`` is the consistency proof from the last size this witness cosigned to the new
        size (empty for the first checkpoint it sees, or for an unchanged one).

        Raises
        ------
        InvalidSignature
            If the note is not signed by one of ``log_keys``.
        InconsistentCheckpoint
            If the checkpoint is smaller than the last one seen, or the proof does not verify.
        """
        verified = open_checkpoint(note, self.log_keys)
        cp = verified.checkpoint
        seen = self._seen.get(cp.origin)
        if seen is not None:
            old_size, old_root = seen
            if cp.size < old_size:
                raise InconsistentCheckpoint(
                    f"{cp.origin}: checkpoint size {cp.size} is smaller than size {old_size} already cosigned"
                )
            if not verify_consistency(old_size, cp.size, old_root, cp.root_hash, list(proof)):
                raise InconsistentCheckpoint(
                    f"{cp.origin}: consistency proof from size {old_size} to {cp.size} does not verify; "
                    "the log may have been rewritten"
                )
        line = self.signer.sign(parse_note(note).text, timestamp=timestamp)
        self._seen[cp.origin] = (cp.size, cp.root_hash)
        self._save()
        return add_cosignature(note, line)

    def _save(self) -> None:
        if self.state_path is None:
            return
        data = {o: {"size": s, "root": base64.b64encode(r).decode()} for o, (s, r) in self._seen.items()}
        tmp = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.state_path)
