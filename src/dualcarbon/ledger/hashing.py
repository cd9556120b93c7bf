"""Hashing of the Merkle tree: RFC 9162 §2.1.1, SHA-256 with leaf and node domain separation.

A leaf hash is ``SHA-256(0x00 || entry)`` and an interior node hash is
``SHA-256(0x01 || left || right)``. The one-byte prefixes keep a leaf from ever being passed off
as an interior node (a second-preimage attack on the tree).

References
----------
B. Laurie, E. Messeri, R. Stradling, *Certificate Transparency Version 2.0*, RFC 9162 (2021),
§2.1.1 "Definition of the Merkle Tree".
"""

from __future__ import annotations

import json
from hashlib import sha256
from typing import Any

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "canonical_json",
    "leaf_hash",
    "node_hash",
]

HASH_SIZE = 32
"""Bytes in every hash of the tree (SHA-256)."""

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

EMPTY_ROOT = sha256(b"").digest()
"""Root hash of the empty tree, ``SHA-256("")`` (RFC 9162 §2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """Hash of one leaf: ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1).

    Examples
    --------
    >>> leaf_hash(b"").hex()[:16]
    '6e340b9cffb37a98'
    """
    return sha256(LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return sha256(NODE_PREFIX + left + right).digest()


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> bytes:
    """The bytes a log entry is hashed as: JSON with sorted keys, no spaces, UTF-8.

    Non-ASCII text is kept as UTF-8 (not ``\\u`` escapes), so ``{"单位": "吨"}`` stays readable.
    ``NaN`` and infinities are refused, because JSON has no spelling for them.

    Raises
    ------
    ValueError
        If ``value`` holds something JSON cannot represent (a float NaN, a set, bytes, ...).

    Examples
    --------
    >>> canonical_json({"b": 1, "a": "吨"}).decode()
    '{"a":"吨","b":1}'
    """
    try:
        text = _ENCODER.encode(value)
    except TypeError as exc:
        raise ValueError(f"entry is not JSON: {exc}") from None
    return text.encode("utf-8")
