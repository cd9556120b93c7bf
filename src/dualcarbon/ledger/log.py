"""The persistent, append-only log: entries in, signed checkpoints and proofs out.

:class:`Log` is core code over a :class:`~dualcarbon.ledger.store.LogStore`. It turns entries
(JSON values) into canonical bytes, hashes them into the RFC 9162 tree, stores every node hash of
every perfect subtree, and signs checkpoints. Proofs are built from stored node hashes only:
O(log n) point reads, never a pass over the leaves.

**Trust comes from checkpoints.** Proofs are only given against the size of a signed checkpoint
(:class:`~dualcarbon.ledger.errors.UnknownTreeSize` otherwise), and the root a proof leads to is
the one in that checkpoint, never a value taken from a request.

Examples
--------
>>> from dualcarbon.ledger import Log, SqliteLogStore, generate_signer
>>> signer = generate_signer("mrv.example.cn/log")
>>> log = Log.create(SqliteLogStore(":memory:"), origin="mrv.example.cn/log", signer=signer)
>>> result = log.append([{"kind": "submission", "unit": "9111"}])
>>> result.first_index, result.tree_size
(0, 1)
>>> log.inclusion_proof(0)
[]
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dualcarbon.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from dualcarbon.ledger.errors import (
    ConcurrentAppend,
    EntryNotFound,
    InvalidSignature,
    LedgerError,
    MalformedInput,
    StoreCorrupted,
    UnknownTreeSize,
)
from dualcarbon.ledger.hashing import EMPTY_ROOT, canonical_json, leaf_hash, node_hash
from dualcarbon.ledger.note import Signer, Verifier, parse_note, parse_verifier
from dualcarbon.ledger.store import TILE_HEIGHT, LogStore, StoredCheckpoint, iter_entries, tile_offset
from dualcarbon.ledger.tree import consistency_ranges, perfect_subtrees

__all__ = ["AppendResult", "Log", "LogEntry"]

CACHE_MIN_LEVEL = 8
"""Node hashes of subtrees of 2**8 leaves and more are kept in memory once read (n/256 of all)."""


class _Edge:
    """The right edge of the tree of one size: its perfect subtrees and their right folds.

    ``parts[level]`` is the hash of the perfect subtree of that level in the decomposition of the
    size (one per set bit), and ``fold_le[level]`` the right fold of every part of that level and
    below: the MTH of the range from that part's first leaf to the end of the tree.
    """

    __slots__ = ("fold_le", "parts")

    def __init__(self, parts: dict[int, bytes], fold_le: dict[int, bytes]) -> None:
        self.parts = parts
        self.fold_le = fold_le


@dataclass(frozen=True)
class AppendResult:
    """What one batch append did: where its entries landed and the checkpoint that covers them."""

    first_index: int
    count: int
    tree_size: int
    checkpoint: str | None


@dataclass(frozen=True)
class LogEntry:
    """One entry of the log: its index, its canonical bytes and its leaf hash."""

    index: int
    data: bytes

    @property
    def value(self) -> Any:
        return json.loads(self.data)

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.data)


def _canonical(entry: Any) -> bytes:
    try:
        data = canonical_json(entry)
    except ValueError as exc:
        raise MalformedInput(str(exc)) from None
    return data


class Log:
    """An append-only Merkle log over a :class:`LogStore`, with signed checkpoints.

    Use :meth:`create` for a new log and :meth:`open` for an existing one.

    Parameters
    ----------
    store : LogStore
        Where rows are kept.
    origin : str
        The log's name, the first line of its checkpoints (e.g. ``"mrv.example.cn/2025"``).
    signer : Signer, optional
        The log's Ed25519 key (type 0x01). Without it the log can be read and proved from but not
        appended to with checkpoints.
    """

    def __init__(self, store: LogStore, *, origin: str, signer: Signer | None = None) -> None:
        self.store = store
        self.origin = origin
        self.signer = signer
        self._cache: dict[int, bytes] = {}
        self._edges: OrderedDict[int, _Edge] = OrderedDict()
        self._known_sizes: set[int] = set()  # checkpoint sizes seen (checkpoints are never removed)
        # (size, frontier, unfinished tile levels) after our last append, to skip re-reading them
        self._tail: tuple[int, tuple[bytes, ...], dict[int, tuple[bytes, ...]]] | None = None
        self._latest: StoredCheckpoint | None = None
        self._verifier: Verifier | None = None
        vkey = store.get_meta("log_key")
        if vkey is not None:
            self._verifier = parse_verifier(vkey)
        if signer is not None and self._verifier is not None and signer.verifier != self._verifier:
            raise InvalidSignature(
                f"the signer key {signer.verifier.vkey} is not this log's key {self._verifier.vkey}"
            )

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def create(cls, store: LogStore, *, origin: str, signer: Signer) -> Log:
        """Initialise ``store`` as the log ``origin`` signed by ``signer`` (idempotent)."""
        Checkpoint(origin, 0, EMPTY_ROOT)  # validates the origin
        store.set_meta("origin", origin)
        store.set_meta("log_key", signer.verifier.vkey)
        return cls(store, origin=origin, signer=signer)

    @classmethod
    def open(cls, store: LogStore, *, signer: Signer | None = None) -> Log:
        """Open a log created with :meth:`create`."""
        origin = store.get_meta("origin")
        if origin is None:
            raise MalformedInput("this store holds no log; create one with Log.create")
        return cls(store, origin=origin, signer=signer)

    @property
    def verifier(self) -> Verifier:
        """The log's public key (type 0x01)."""
        if self._verifier is None:
            raise MalformedInput("this log has no public key recorded")
        return self._verifier

    # -- sizes and checkpoints -----------------------------------------------------------------
    @property
    def size(self) -> int:
        """Entries committed, including any not yet covered by a checkpoint."""
        return self.store.size()

    def latest_checkpoint(self) -> str | None:
        """The latest signed checkpoint, with its witness cosignatures, or None."""
        cp = self.store.checkpoint()
        if cp is None:
            return None
        self._latest = cp
        return _with_cosignatures(cp)

    def checkpoint_note(self, size: int) -> str:
        """The signed checkpoint of ``size``, with its cosignatures."""
        return _with_cosignatures(self._checkpoint(size))

    def checkpoint_size(self, size: int | None = None) -> int:
        """``size`` if a signed checkpoint has it, or the latest checkpoint's size for None.

        Raises
        ------
        UnknownTreeSize
            If no signed checkpoint has that size (or there is none yet).
        """
        if size is not None and size in self._known_sizes and not isinstance(size, bool):
            return size
        found = self._checkpoint(size).size
        self._known_sizes.add(found)
        return found

    def _checkpoint(self, size: int | None) -> StoredCheckpoint:
        if size is None:
            cp = self.store.checkpoint()
            if cp is None:
                raise UnknownTreeSize("the log has no signed checkpoint yet")
            self._latest = cp
            return cp
        if self._latest is not None and self._latest.size == size:
            return self._latest
        if isinstance(size, bool) or not isinstance(size, int):
            raise UnknownTreeSize(f"tree size {size!r} is not an integer")
        cp = self.store.checkpoint(size)
        if cp is None:
            raise UnknownTreeSize(
                f"no signed checkpoint has size {size}; ask for the size of a published checkpoint",
                value=size,
            )
        return cp

    def sign_checkpoint(self) -> str:
        """Sign a checkpoint for the current size (if it is not signed yet) and return it."""
        signer = self._require_signer()
        for _ in range(5):
            size = self.store.size()
            latest = self.store.checkpoint()
            if latest is not None and latest.size == size:
                return _with_cosignatures(latest)
            root = self.root_at(size)
            note = sign_checkpoint(Checkpoint(self.origin, size, root), signer)
            try:
                self.store.add_checkpoint(StoredCheckpoint(size, root, note))
            except LedgerError:
                raise
            except Exception as exc:  # the store's driver error: a concurrent checkpoint won
                if self.store.checkpoint(size) is None:
                    raise StoreCorrupted(f"could not store the checkpoint of size {size}: {exc}") from exc
            return self.checkpoint_note(size)
        raise ConcurrentAppend("the log kept growing while signing a checkpoint; retry")

    def add_cosignatures(self, note: str, witness_keys: Sequence[Verifier]) -> int:
        """Store the witness cosignatures on ``note`` that verify under ``witness_keys``.

        ``note`` must be one of this log's checkpoints. Returns how many cosignatures were new.
        """
        parsed = parse_note(note)
        cp = Checkpoint.from_body(parsed.text)
        stored = self._checkpoint(cp.size)
        if parse_note(stored.note).text != parsed.text:
            raise InvalidSignature(
                f"the cosigned checkpoint differs from this log's checkpoint of size {cp.size}"
            )
        verified = open_checkpoint(note, [self.verifier, *witness_keys])
        added = 0
        cosigners = {(c.verifier.name, c.verifier.key_id) for c in verified.cosignatures}
        for sig in parsed.signatures:
            if (sig.name, sig.key_id) in cosigners and sig.line not in stored.cosignatures:
                self.store.add_cosignature(cp.size, sig.line)
                added += 1
        self._latest = None
        return added

    # -- appending ------------------------------------------------------------------------------
    def _require_signer(self) -> Signer:
        if self.signer is None:
            raise InvalidSignature("this log was opened without its signing key; it cannot sign checkpoints")
        return self.signer

    def append(self, entries: Iterable[Any], *, checkpoint: bool = True) -> AppendResult:
        """Append a batch of entries (JSON values) in one transaction.

        Every entry is stored as canonical JSON (sorted keys, UTF-8) and hashed as such. With
        ``checkpoint=True`` (the default) the checkpoint for the new size is signed and stored in
        the same transaction, so the log is never ahead of its last checkpoint after a crash.

        Raises
        ------
        MalformedInput
            If an entry is not JSON (nothing is written then).
        """
        data = [_canonical(e) for e in entries]
        return self._append(data, checkpoint)

    def append_canonical(self, data: Sequence[bytes], *, checkpoint: bool = True) -> AppendResult:
        """Append entries that are already canonical JSON bytes (checked, not re-encoded)."""
        for k, d in enumerate(data):
            try:
                if canonical_json(json.loads(d)) != d:
                    raise MalformedInput("entry is not canonical JSON (sorted keys, no spaces, UTF-8)", row=k)
            except (ValueError, UnicodeDecodeError) as exc:
                if isinstance(exc, MalformedInput):
                    raise
                raise MalformedInput(f"entry is not JSON: {exc}", row=k) from None
        return self._append(data, checkpoint)

    def _append(self, data: Sequence[bytes], checkpoint: bool) -> AppendResult:
        signer = self._require_signer() if checkpoint else None
        sha = hashlib.sha256
        for _ in range(5):
            start = self.store.size()
            if self._tail is not None and self._tail[0] == start:
                frontier, tiles = list(self._tail[1]), {lv: list(hs) for lv, hs in self._tail[2].items()}
            else:
                frontier, tiles = self._append_state(start)
            chains: list[bytes] = []
            for i, d in enumerate(data, start):
                h = sha(b"\x00" + d).digest()  # leaf_hash
                chain = h
                tiles.setdefault(0, []).append(h)
                completed = ((i + 1) & -(i + 1)).bit_length() - 1  # trailing 1-bits of i
                # Leaf i completes one subtree per trailing 1-bit of i: merge with the frontier.
                for level in range(1, completed + 1):
                    h = sha(b"\x01" + frontier.pop() + h).digest()  # node_hash(left, h)
                    chain += h
                    tiles.setdefault(level, []).append(h)
                frontier.append(h)
                # ...and one tile per tier of 16**t leaves it completes.
                for tier in range(1, completed // TILE_HEIGHT + 1):
                    base = TILE_HEIGHT * (tier - 1)
                    for level in range(base, base + TILE_HEIGHT):
                        chain += b"".join(tiles.pop(level))
                chains.append(chain)
            size = start + len(data)
            stored = None
            if signer is not None:
                latest = None if data else self.store.checkpoint()
                if latest is None or latest.size < size:
                    root = _fold(frontier) if frontier else EMPTY_ROOT
                    note = sign_checkpoint(Checkpoint(self.origin, size, root), signer)
                    stored = StoredCheckpoint(size, root, note)
            try:
                self.store.append(start, data, chains, stored)
            except ConcurrentAppend:
                self._tail = None
                continue
            self._tail = (size, tuple(frontier), {lv: tuple(hs) for lv, hs in tiles.items()})
            return AppendResult(start, len(data), size, _with_cosignatures(stored) if stored else None)
        raise ConcurrentAppend("other writers kept appending; the batch was not written")

    def _append_state(self, size: int) -> tuple[list[bytes], dict[int, list[bytes]]]:
        """The frontier of the tree of ``size``, and per level the node hashes of the unfinished
        tile blocks (what the next appends need to write tiles), read from the store."""
        frontier = [h for _, h in self._frontier(size)]
        wanted: list[tuple[int, int]] = []
        for level in range(max(1, size.bit_length())):
            tier = level // TILE_HEIGHT + 1
            block = 1 << (TILE_HEIGHT * tier)
            first = ((size // block) * block) >> level  # first node of the unfinished block at this level
            wanted += [(level, j) for j in range(first, size >> level)]
        hashes = self._node_hashes(wanted) if wanted else []
        tiles: dict[int, list[bytes]] = {}
        for (level, _), h in zip(wanted, hashes, strict=True):
            tiles.setdefault(level, []).append(h)
        return frontier, tiles

    def _frontier(self, size: int) -> list[tuple[int, bytes]]:
        """(level, hash) of the perfect subtrees that make up the tree of ``size``, left to right."""
        parts = perfect_subtrees(0, size)
        return list(zip((level for level, _ in parts), self._node_hashes(parts), strict=True))

    # -- reading --------------------------------------------------------------------------------
    def _node_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        """Hashes of perfect subtrees ``(level, index)``, from the cache or one store read.

        Subtree ``(level, index)`` is stored in the chain of leaf ``(index + 1) * 2**level - 1`` at
        offset ``32 * level`` (see :func:`dualcarbon.ledger.store.node_location`).
        """
        cache = self._cache
        out: list[bytes] = []
        missing: list[int] = []
        for level, index in nodes:
            h = cache.get((index << 6) | level)
            out.append(h if h is not None else b"")
            if h is None:
                missing.append(((index + 1) << level) - 1)
        if missing:
            chains = self.store.chains(missing)
            for k, (level, index) in enumerate(nodes):
                if not out[k]:
                    h = chains[((index + 1) << level) - 1][32 * level : 32 * level + 32]
                    if len(h) != 32:
                        raise StoreCorrupted(f"hash chain of entry {((index + 1) << level) - 1} is too short")
                    out[k] = h
                    if level >= CACHE_MIN_LEVEL:
                        cache[(index << 6) | level] = h
        return out

    def _range_hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        parts = [perfect_subtrees(a, b) for a, b in ranges]
        flat = self._node_hashes([p for ps in parts for p in ps])
        out, k = [], 0
        for ps in parts:
            out.append(_fold(flat[k : k + len(ps)]))
            k += len(ps)
        return out

    def warm_cache(self, min_level: int = CACHE_MIN_LEVEL, tree_size: int | None = None) -> int:
        """Read every subtree hash of ``min_level`` and above of a checkpoint's tree into memory.

        That is about ``size / 2**(min_level - 1)`` hashes (78,000 for 10 million entries at
        level 8), read in batches; afterwards a proof reads at most ``min_level`` rows. Returns the
        number of hashes cached.
        """
        size = self.checkpoint_size(tree_size)
        level = max(min_level, CACHE_MIN_LEVEL)
        nodes = [(lv, j) for lv in range(level, size.bit_length()) for j in range(size >> lv)]
        for k in range(0, len(nodes), 500):
            self._node_hashes(nodes[k : k + 500])
        return len(nodes)

    def root_at(self, size: int) -> bytes:
        """Root hash of the first ``size`` entries, computed from stored node hashes."""
        if size == 0:
            return EMPTY_ROOT
        if size > self.store.size():
            raise EntryNotFound(f"the log has fewer than {size} entries")
        return self._range_hashes([(0, size)])[0]

    def entry(self, index: int) -> LogEntry:
        """The entry at ``index``."""
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise EntryNotFound(f"leaf index {index!r} must be a non-negative integer")
        if index >= self.store.size():
            raise EntryNotFound(f"the log has no entry {index}")
        return LogEntry(index, self.store.entries(index, index + 1)[0])

    def stored_leaf_hash(self, index: int) -> bytes:
        """The leaf hash stored for entry ``index`` (as hashed when it was appended)."""
        self.entry(index)
        return self.store.chains([index])[index][:32]

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        """Audit path of entry ``index`` in the tree of a signed checkpoint (the latest by default).

        Raises
        ------
        UnknownTreeSize
            If ``tree_size`` is not the size of a signed checkpoint.
        EntryNotFound
            If ``index`` is not below that size.
        """
        size = self.checkpoint_size(tree_size)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise EntryNotFound(f"entry {index!r} is not in the checkpoint of size {size}")
        return self._inclusion(index, size)

    def _edge(self, size: int) -> _Edge:
        edge = self._edges.get(size)
        if edge is not None:
            self._edges.move_to_end(size)
            return edge
        frontier = self._frontier(size)
        parts = dict(frontier)
        fold_le: dict[int, bytes] = {}
        acc: bytes | None = None
        for level, h in reversed(frontier):
            acc = h if acc is None else node_hash(h, acc)
            fold_le[level] = acc
        edge = self._edges[size] = _Edge(parts, fold_le)
        if len(self._edges) > 16:
            self._edges.popitem(last=False)
        return edge

    def _inclusion(self, i: int, n: int) -> list[bytes]:
        """PATH(i, D[n]) from stored nodes: the siblings of ``i`` inside the perfect subtree of the
        right edge that holds it, then the fold of the edge to its right, then the edge to its left.
        This is the RFC 9162 recursion unrolled (see :func:`~dualcarbon.ledger.tree.inclusion_ranges`).
        """
        edge = self._edge(n)
        level_top = (i ^ n).bit_length() - 1  # level of the edge subtree that holds leaf i
        cache = self._cache
        out: list[bytes] = []
        missing: list[tuple[int, int, int]] = []  # (level, leaf whose record holds it, byte offset)
        for level in range(level_top):
            sibling = (i >> level) ^ 1
            h = cache.get((sibling << 6) | level) if level >= CACHE_MIN_LEVEL else None
            if h is None:
                leaf, offset = tile_offset(level, sibling)
                if leaf >= n:  # the block's tile is not written within this tree: use the chain
                    leaf, offset = ((sibling + 1) << level) - 1, 32 * level
                missing.append((level, leaf, offset))
                out.append(b"")
            else:
                out.append(h)
        if missing:
            records = self.store.chains(list({leaf for _, leaf, _ in missing}))
            for level, leaf, offset in missing:
                h = out[level] = records[leaf][offset : offset + 32]
                if len(h) != 32:
                    raise StoreCorrupted(f"the record of entry {leaf} is too short")
                if level >= CACHE_MIN_LEVEL:
                    cache[((i >> level) ^ 1) << 6 | level] = h
        low = n & ((1 << level_top) - 1)
        if low:
            out.append(edge.fold_le[low.bit_length() - 1])
        high, level = n >> (level_top + 1), level_top + 1
        while high:
            if high & 1:
                out.append(edge.parts[level])
            high >>= 1
            level += 1
        return out

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Proof that checkpoint ``old_size`` is a prefix of checkpoint ``new_size`` (latest by default).

        Both sizes must be sizes of signed checkpoints (``old_size`` may also be 0).
        """
        new = self.checkpoint_size(new_size)
        if old_size != 0:
            self.checkpoint_size(old_size)
        if not 0 <= old_size <= new:
            raise UnknownTreeSize(f"cannot prove size {old_size} against size {new}")
        ranges = consistency_ranges(old_size, new)
        edge = self._edge(new)
        out: list[bytes | None] = []
        perfect: list[tuple[int, int]] = []
        for a, b in ranges:
            if b == new and a == new & ~((2 << ((new - a).bit_length() - 1)) - 1):
                out.append(edge.fold_le[(new - a).bit_length() - 1])
            else:
                out.append(None)
                perfect.append((a, b))
        hashes = iter(self._range_hashes(perfect))
        return [h if h is not None else next(hashes) for h in out]

    def check_integrity(self, *, batch: int = 50_000) -> int:
        """Recompute every node hash from the entries and every checkpoint root; return the size.

        Raises
        ------
        StoreCorrupted
            On the first stored hash, entry or checkpoint that disagrees.
        """
        size = self.store.size()
        cps = {s: self.store.checkpoint(s) for s in self.store.checkpoint_sizes()}
        stack: list[tuple[int, bytes]] = []
        tiles: dict[int, list[bytes]] = {}
        for lo in range(0, size, batch):
            hi = min(size, lo + batch)
            entries = self.store.entries(lo, hi)
            records = self.store.chain_range(lo, hi)
            for i, (d, stored) in enumerate(zip(entries, records, strict=True), start=lo):
                if canonical_json(json.loads(d)) != d:
                    raise StoreCorrupted(f"entry {i} is not canonical JSON")
                h = leaf_hash(d)
                if stored[:32] != h:
                    raise StoreCorrupted(f"entry {i} does not match its stored leaf hash")
                tiles.setdefault(0, []).append(h)
                level = 0
                while stack and stack[-1][0] == level:
                    _, left = stack.pop()
                    h = node_hash(left, h)
                    level += 1
                    tiles.setdefault(level, []).append(h)
                    if stored[32 * level : 32 * level + 32] != h:
                        raise StoreCorrupted(
                            f"stored hash of the subtree of 2**{level} leaves ending at entry {i} is wrong"
                        )
                expected = b"".join(
                    b"".join(tiles.pop(lv))
                    for tier in range(1, level // TILE_HEIGHT + 1)
                    for lv in range(TILE_HEIGHT * (tier - 1), TILE_HEIGHT * tier)
                )
                if stored[32 * (level + 1) :] != expected:
                    raise StoreCorrupted(f"the tiles stored with entry {i} are wrong")
                stack.append((level, h))
                cp = cps.get(i + 1)
                if cp is not None:
                    self._check_checkpoint(cp, _fold([x for _, x in stack]))
        if 0 in cps and cps[0] is not None:
            self._check_checkpoint(cps[0], EMPTY_ROOT)
        return size

    def _check_checkpoint(self, cp: StoredCheckpoint, root: bytes) -> None:
        if cp.root_hash != root:
            raise StoreCorrupted(f"checkpoint of size {cp.size} does not match the entries")
        try:
            verified = open_checkpoint(cp.note, [self.verifier], origin=self.origin)
        except LedgerError as exc:
            raise StoreCorrupted(f"checkpoint of size {cp.size}: {exc}") from exc
        if verified.size != cp.size or verified.root_hash != root:
            raise StoreCorrupted(f"checkpoint of size {cp.size}: signed body differs from the stored row")

    def iter_entries(self, start: int = 0, end: int | None = None) -> Iterable[LogEntry]:
        """Entries ``start`` to ``end`` (the current size by default), in order."""
        stop = self.store.size() if end is None else end
        for i, d in iter_entries(self.store, start, stop):
            yield LogEntry(i, d)


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold ``H(h0, H(h1, ... H(h_{m-2}, h_{m-1})))`` of perfect subtree hashes."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def _with_cosignatures(cp: StoredCheckpoint) -> str:
    return cp.note + "".join(line if line.endswith("\n") else line + "\n" for line in cp.cosignatures)
