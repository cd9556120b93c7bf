"""Signed notes and their keys, as specified by C2SP ``signed-note`` and ``tlog-cosignature``.

A signed note is a UTF-8 text ending in a newline, a blank line, then one or more signature
lines ``— <key name> <base64(key ID || signature)>``. Two signature types are implemented:

* ``0x01`` Ed25519 over the note text (the log's own checkpoint signature), key ID
  ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``;
* ``0x04`` timestamped Ed25519 cosignature (``cosignature/v1``, used by witnesses): the signed
  message is ``"cosignature/v1\\ntime <t>\\n" || note text`` and the signature bytes are
  ``u64 big-endian timestamp || Ed25519 signature``; key ID with type byte ``0x04``.

Keys travel as text: a verifier key (vkey) is ``<name>+<hex key ID>+<base64(type || public key)>``
and a signer key (skey) is ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || 32-byte seed)>``, the
encodings of Go's ``golang.org/x/mod/sumdb/note`` and transparency-dev/formats.

References
----------
C2SP signed-note v1.0.0, https://c2sp.org/signed-note ; C2SP tlog-cosignature,
https://c2sp.org/tlog-cosignature ; RFC 8032 (Ed25519).
"""

from __future__ import annotations

import base64
import binascii
import struct
import time
from dataclasses import dataclass, field
from hashlib import sha256

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from dualcarbon.ledger.errors import InvalidSignature, MalformedInput

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "Note",
    "NoteSignature",
    "Signer",
    "VerifiedSignature",
    "Verifier",
    "format_note",
    "generate_signer",
    "key_id",
    "open_note",
    "parse_note",
    "parse_signer",
    "parse_verifier",
    "sign_note",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
_ALGS = {ALG_ED25519: "Ed25519", ALG_COSIGNATURE_V1: "cosignature/v1"}
_DASH = "\u2014 "  # em dash and space open every signature line
MAX_SIGNATURES = 100


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """The 32-bit key ID: ``SHA-256(name || 0x0A || alg || public key)[:4]`` read big-endian."""
    digest = sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or any(ord(c) < 0x20 for c in name):
        raise MalformedInput(f"key name {name!r} must be non-empty, without spaces or '+'")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedInput(f"{what} is not valid base64: {text[:40]!r}") from None


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures of one signature type under one key name."""

    name: str
    alg: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg not in _ALGS:
            raise MalformedInput(f"signature type 0x{self.alg:02x} is not supported (0x01 and 0x04 are)")
        if len(self.public_key) != 32:
            raise MalformedInput(f"an Ed25519 public key has 32 bytes, not {len(self.public_key)}")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key as text: ``name+keyid+base64(alg || key)``."""
        material = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    @property
    def is_cosigner(self) -> bool:
        return self.alg == ALG_COSIGNATURE_V1

    def verify(self, text: str, signature: bytes) -> int | None:
        """Check ``signature`` (without the key ID) over ``text``; return the cosignature time or 0.

        Returns ``None`` when the signature does not verify.
        """
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError:
            return None
        if self.alg == ALG_ED25519:
            message, sig, stamp = text.encode("utf-8"), signature, 0
        else:
            if len(signature) != 8 + 64:
                return None
            (stamp,) = struct.unpack(">Q", signature[:8])
            if stamp >= 1 << 63:
                return None
            message = f"cosignature/v1\ntime {stamp}\n".encode() + text.encode("utf-8")
            sig = signature[8:]
        if len(sig) != 64:
            return None
        try:
            key.verify(sig, message)
        except (_CryptoInvalidSignature, ValueError):
            return None
        return stamp


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 key that signs notes under ``name`` with signature type ``alg``."""

    name: str
    alg: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg not in _ALGS:
            raise MalformedInput(f"signature type 0x{self.alg:02x} is not supported (0x01 and 0x04 are)")
        if len(self.seed) != 32:
            raise MalformedInput(f"an Ed25519 private key has 32 bytes, not {len(self.seed)}")

    @property
    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> Verifier:
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, self.alg, public)

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @property
    def skey(self) -> str:
        """The signer key as text: ``PRIVATE+KEY+name+keyid+base64(alg || seed)``. Keep it secret."""
        material = base64.b64encode(bytes([self.alg]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{material}"

    def as_cosigner(self) -> Signer:
        """The same key used for ``cosignature/v1`` (type 0x04) signatures, as witnesses do."""
        return Signer(self.name, ALG_COSIGNATURE_V1, self.seed)

    def sign(self, text: str, *, timestamp: int | None = None) -> str:
        """The signature line ``— name base64(keyid || sig)`` for note text ``text``."""
        if self.alg == ALG_ED25519:
            raw = self._key.sign(text.encode("utf-8"))
        else:
            stamp = int(time.time()) if timestamp is None else int(timestamp)
            message = f"cosignature/v1\ntime {stamp}\n".encode() + text.encode("utf-8")
            raw = struct.pack(">Q", stamp) + self._key.sign(message)
        blob = self.key_id.to_bytes(4, "big") + raw
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode()}\n"


def generate_signer(name: str, *, cosigner: bool = False) -> Signer:
    """A new random signer key for ``name`` (type 0x04 if ``cosigner``, else 0x01)."""
    seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return Signer(name, ALG_COSIGNATURE_V1 if cosigner else ALG_ED25519, seed)


def _split_key(text: str, parts: int, what: str) -> list[str]:
    fields = text.strip().split("+", parts - 1)
    if len(fields) != parts:
        raise MalformedInput(f"{what} must have the form name+keyid+base64, got {text.strip()[:60]!r}")
    return fields


def _decode_key(name: str, hex_id: str, material: str, what: str) -> tuple[int, bytes]:
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise MalformedInput(f"{what} key ID {hex_id!r} must be 8 lowercase hex digits")
    raw = _b64decode(material, f"{what} key material")
    if len(raw) < 2:
        raise MalformedInput(f"{what} key material is empty")
    return raw[0], raw[1:]


def parse_verifier(vkey: str) -> Verifier:
    """Parse a verifier key ``name+keyid+base64(alg || public key)`` and check its key ID.

    Raises
    ------
    MalformedInput
        If the text is not a vkey, the type is not 0x01 or 0x04, or the key ID does not match.
    """
    name, hex_id, material = _split_key(vkey, 3, "verifier key")
    alg, public = _decode_key(name, hex_id, material, "verifier key")
    verifier = Verifier(name, alg, public)
    if verifier.key_id != int(hex_id, 16):
        raise MalformedInput(
            f"verifier key {name!r}: key ID {hex_id} does not match the key ({verifier.key_id:08x})"
        )
    return verifier


def parse_signer(skey: str) -> Signer:
    """Parse a signer key ``PRIVATE+KEY+name+keyid+base64(alg || seed)`` and check its key ID."""
    fields = _split_key(skey, 5, "signer key")
    if fields[0] != "PRIVATE" or fields[1] != "KEY":
        raise MalformedInput("signer key must start with PRIVATE+KEY+")
    name, hex_id, material = fields[2:]
    alg, seed = _decode_key(name, hex_id, material, "signer key")
    signer = Signer(name, alg, seed)
    if signer.key_id != int(hex_id, 16):
        raise MalformedInput(
            f"signer key {name!r}: key ID {hex_id} does not match the key ({signer.key_id:08x})"
        )
    return signer


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: key name, key ID and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (ending in a newline) and its signature lines, unverified."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified under a trusted key; ``timestamp`` is 0 for plain Ed25519."""

    verifier: Verifier
    timestamp: int


def parse_note(note: str | bytes) -> Note:
    """Split a signed note into its text and signature lines (no signature is checked here).

    Raises
    ------
    MalformedInput
        If the note is not UTF-8, has control characters, has no blank line before the
        signatures, or has a signature line that is not ``— name base64``.
    """
    if isinstance(note, bytes | bytearray):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedInput("signed note is not valid UTF-8") from None
    if not isinstance(note, str):
        raise MalformedInput("signed note must be text")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise MalformedInput("signed note contains control characters other than newline")
    if not note.endswith("\n"):
        raise MalformedInput("signed note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedInput("signed note has no blank line between its text and its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise MalformedInput("signed note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedInput(f"signed note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(_DASH):
            raise MalformedInput(f"signature line must start with an em dash and a space: {line[:60]!r}")
        name, sep, b64 = line[len(_DASH) :].partition(" ")
        if not sep or not name or " " in b64:
            raise MalformedInput(f"signature line must be '— name base64': {line[:60]!r}")
        _check_name(name)
        blob = _b64decode(b64, f"signature of {name!r}")
        if len(blob) < 5:
            raise MalformedInput(f"signature of {name!r} is too short")
        signatures.append(NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(text, tuple(signatures))


def format_note(note: Note) -> str:
    """The note as text: its text, a blank line, and its signature lines."""
    return note.text + "\n" + "".join(s.line for s in note.signatures)


def sign_note(text: str, *signers: Signer) -> str:
    """Sign ``text`` (which must end in a newline) with each signer; return the signed note."""
    if not text.endswith("\n"):
        raise MalformedInput("note text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise MalformedInput("note text contains control characters other than newline")
    if not signers:
        raise MalformedInput("a signed note needs at least one signer")
    return text + "\n" + "".join(s.sign(text) for s in signers)


def open_note(
    note: str | bytes | Note, verifiers: list[Verifier] | tuple[Verifier, ...]
) -> tuple[Note, list[VerifiedSignature]]:
    """Check a note's signatures against trusted keys; return the note and those that verified.

    Following C2SP signed-note: signatures from unknown keys (name and key ID not both matching
    a trusted key) are ignored; a signature from a trusted key that fails makes the whole note
    fail; a note with no verified signature fails.

    Raises
    ------
    InvalidSignature
        If a trusted key's signature does not verify, or none verifies.
    MalformedInput
        If the note cannot be parsed.
    """
    parsed = note if isinstance(note, Note) else parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[VerifiedSignature] = []
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        stamp = verifier.verify(parsed.text, sig.signature)
        if stamp is None:
            raise InvalidSignature(f"the signature of {sig.name!r} (key {sig.key_id:08x}) does not verify")
        verified.append(VerifiedSignature(verifier, stamp))
    if not verified:
        names = ", ".join(sorted({f"{s.name}+{s.key_id:08x}" for s in parsed.signatures})) or "none"
        raise InvalidSignature(f"no signature from a trusted key; the note is signed by: {names}")
    return parsed, verified
