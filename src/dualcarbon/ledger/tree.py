"""The Merkle tree of RFC 9162 §2.1, as pure functions over lists of entries.

Entries are ``bytes`` and leaf indices are 0-based. Proofs are lists of 32-byte hashes in the
order RFC 9162 gives them (the hash nearest the leaf first). The verifiers implement the
algorithms of §2.1.3.2 and §2.1.4.2 step by step; they return ``True`` or ``False`` and never
raise, whatever they are given.

The proof *layout* (which subtrees a proof is made of) is computed separately from the hashing
(:func:`inclusion_ranges`, :func:`consistency_ranges`), so the persistent log in
:mod:`dualcarbon.ledger.log` fills the same layout from stored nodes in O(log n) reads.

Notation: ``D[a:b]`` is the list of entries ``a`` (included) to ``b`` (excluded), ``MTH`` the
Merkle Tree Hash, and ``k`` the largest power of two strictly smaller than ``n``.

References
----------
RFC 9162 (Certificate Transparency 2.0), §2.1.1 (MTH), §2.1.3 (inclusion proofs), §2.1.4
(consistency proofs), §2.1.5 (worked example with seven leaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from hmac import compare_digest

from dualcarbon.ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash

__all__ = [
    "consistency_proof",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "perfect_subtrees",
    "root_from_leaf_hashes",
    "root_hash",
    "split_point",
    "verify_consistency",
    "verify_inclusion",
]

MAX_PROOF_LENGTH = 128
"""No valid proof for a tree of fewer than 2**64 leaves has more hashes than this."""


def split_point(n: int) -> int:
    """``k``: the largest power of two strictly smaller than ``n`` (``n >= 2``), RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """Split ``D[start:end]`` into perfect subtrees ``(level, index)``, largest first.

    ``(level, index)`` names the perfect subtree over leaves ``index * 2**level`` to
    ``(index + 1) * 2**level``. For every range that appears in an RFC 9162 proof (``start`` is a
    multiple of a power of two at least ``end - start``), MTH(D[start:end]) is the right fold of
    these subtrees' hashes: ``H(p0, H(p1, ... H(p_{m-2}, p_{m-1})))``.
    """
    out = []
    while start < end:
        width = end - start
        level = width.bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        out.append((level, start >> level))
        start += 1 << level
    return out


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges ``(start, end)`` whose MTH make up PATH(index, D[size]), in proof order.

    RFC 9162 §2.1.3.1: for ``index < k``, PATH(m, D[0:k]) followed by MTH(D[k:n]); otherwise
    PATH(m - k, D[k:n]) followed by MTH(D[0:k]).
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTH make up PROOF(old_size, D[new_size]), in proof order.

    RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), where SUBPROOF(m, D[m], true) is
    empty, SUBPROOF(m, D[m], false) = [MTH(D[m])], and for ``m <= k``
    SUBPROOF(m, D[0:k], b) + [MTH(D[k:n])], else SUBPROOF(m - k, D[k:n], false) + [MTH(D[0:k])].
    An empty list for ``old_size`` 0 or equal to ``new_size``.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot prove size {old_size} against size {new_size}")
    ranges: list[tuple[int, int]] = []
    if old_size in (0, new_size):
        return ranges
    start, end, m, complete = 0, new_size, old_size, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    ranges.reverse()
    return ranges


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a tree given its leaf hashes, in O(n) time and O(log n) memory."""
    if not hashes:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (width, hash) of perfect subtrees, widths decreasing
    for h in hashes:
        width = 1
        while stack and stack[-1][0] == width:
            _, left = stack.pop()
            h = node_hash(left, h)
            width *= 2
        stack.append((width, h))
    h = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        h = node_hash(left, h)
    return h


def _range_root(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    return root_from_leaf_hashes(hashes[start:end])


def root_hash(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1: the root hash of the tree over ``entries``.

    Examples
    --------
    >>> root_hash([]).hex()[:16]
    'e3b0c44298fc1c14'
    >>> root_hash([b""]) == leaf_hash(b"")
    True
    """
    return root_from_leaf_hashes([leaf_hash(e) for e in entries])


def inclusion_proof(entries: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1: the audit path of entry ``index`` (0-based).

    Raises
    ------
    ValueError
        If ``index`` is not in ``range(len(entries))``.
    """
    hashes = [leaf_hash(e) for e in entries]
    return [_range_root(hashes, a, b) for a, b in inclusion_ranges(index, len(hashes))]


def consistency_proof(entries: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]) of RFC 9162 §2.1.4.1: that D[old_size] is a prefix of D[n].

    Raises
    ------
    ValueError
        If ``old_size`` is not in ``range(len(entries) + 1)``.
    """
    hashes = [leaf_hash(e) for e in entries]
    return [_range_root(hashes, a, b) for a, b in consistency_ranges(old_size, len(hashes))]


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_proof(proof: object) -> bool:
    return (
        isinstance(proof, list | tuple) and len(proof) <= MAX_PROOF_LENGTH and all(_is_hash(p) for p in proof)
    )


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows the leaf ``leaf_hash`` at ``index`` in the tree with ``root``.

    RFC 9162 §2.1.3.2, step by step. Returns ``False`` (never raises) for anything malformed:
    hashes that are not 32 bytes, sizes that are not non-negative integers, an index outside the
    tree, or a path with hashes missing or left over.
    """
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_size(index) and _is_size(tree_size)):
        return False
    if not _is_proof(proof):
        return False
    if index >= tree_size:
        return False
    fn, sn, r = index, tree_size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(bytes(p), r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, bytes(p))
        fn >>= 1
        sn >>= 1
    return sn == 0 and compare_digest(r, bytes(root))


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (``old_size``, ``old_root``) is a prefix of (``new_size``, ``new_root``).

    RFC 9162 §2.1.4.2, step by step, with two edge cases decided as transparency-dev/merkle does
    and one more strictly:

    * equal sizes: accepted only with an empty proof and byte-equal roots;
    * ``old_size`` 0: accepted only with an empty proof, and (stricter than transparency-dev)
      only if ``old_root`` is the empty-tree hash ``SHA-256("")``.

    Returns ``False`` (never raises) for anything malformed.
    """
    if not (_is_size(old_size) and _is_size(new_size) and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not _is_proof(proof):
        return False
    old_root, new_root = bytes(old_root), bytes(new_root)
    if old_size > new_size:
        return False
    if old_size == 0:
        return (
            len(proof) == 0
            and compare_digest(old_root, EMPTY_ROOT)
            and (new_size > 0 or compare_digest(new_root, EMPTY_ROOT))
        )
    if old_size == new_size:
        return len(proof) == 0 and compare_digest(old_root, new_root)
    if not proof:
        return False
    path = [bytes(p) for p in proof]
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and compare_digest(fr, old_root) and compare_digest(sr, new_root)
