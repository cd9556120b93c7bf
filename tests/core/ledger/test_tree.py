"""RFC 9162 §2.1 tree functions against published vectors, the RFC's example, pymerkle and properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.ledger import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from dualcarbon.ledger.tree import consistency_ranges, inclusion_ranges, perfect_subtrees

V = json.loads((Path(__file__).parent / "data" / "transparency_dev_vectors.json").read_text(encoding="utf-8"))
LEAVES = [bytes.fromhex(x) for x in V["leaf_inputs_hex"]]
ROOTS = [bytes.fromhex(x) for x in V["root_hashes_by_size"]]
H = bytes.fromhex


# -- published vectors (transparency-dev/merkle) ------------------------------------------------
@pytest.mark.parametrize("size", range(9))
def test_root_matches_published_root(size: int) -> None:
    assert root_hash(LEAVES[:size]) == ROOTS[size]


def test_empty_root_is_sha256_of_empty_string() -> None:
    assert root_hash([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_hash([]) == EMPTY_ROOT


def test_every_perfect_subtree_matches_published_node_hash() -> None:
    for level, row in enumerate(V["node_hashes_by_level"]):
        for index, expected in enumerate(row):
            width = 1 << level
            assert root_hash(LEAVES[index * width : (index + 1) * width]).hex() == expected


@pytest.mark.parametrize(
    "case", V["inclusion_proofs"], ids=lambda c: f"{c['from']}:{c['index']}/{c['tree_size']}"
)
def test_inclusion_proof_matches_published_vector(case: dict) -> None:
    entries, index, size = LEAVES[: case["tree_size"]], case["index"], case["tree_size"]
    proof = [H(p) for p in case["proof"]]
    assert inclusion_proof(entries, index) == proof
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size])


@pytest.mark.parametrize(
    "case", V["consistency_proofs"], ids=lambda c: f"{c['from']}:{c['old_size']}->{c['new_size']}"
)
def test_consistency_proof_matches_published_vector(case: dict) -> None:
    m, n = case["old_size"], case["new_size"]
    proof = [H(p) for p in case["proof"]]
    assert consistency_proof(LEAVES[:n], m) == proof
    assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


def _inclusion_probes(index, size, proof, root, leaf):
    """The corruptions transparency-dev/merkle applies to each good inclusion proof (verify_test.go)."""
    some = H("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (index - 1, size, root, leaf, proof),
        (index + 1, size, root, leaf, proof),
        (index ^ 2, size, root, leaf, proof),
        (index, size * 2, root, leaf, proof),
        (index, size // 2, root, leaf, proof),
        (index, size, root, b"WrongLeaf", proof),
        (index, size, EMPTY_ROOT, leaf, proof),
        (index, size, some, leaf, proof),
        (index, size, root, leaf, [*proof, b""]),
        (index, size, root, leaf, [*proof, root]),
        (index, size, root, leaf, [b"", *proof]),
        (index, size, root, leaf, [root, *proof]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        probes.append((index, size, root, leaf, bad))
    if proof:
        probes.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, root, leaf, [proof[0], some, *proof[1:]]))
    return probes


@pytest.mark.parametrize(
    "case", V["inclusion_proofs"], ids=lambda c: f"{c['from']}:{c['index']}/{c['tree_size']}"
)
def test_corrupted_inclusion_proofs_fail(case: dict) -> None:
    index, size = case["index"], case["tree_size"]
    proof = [H(p) for p in case["proof"]]
    for probe in _inclusion_probes(index, size, proof, ROOTS[size], leaf_hash(LEAVES[index])):
        if probe[0] < 0:
            continue
        assert not verify_inclusion(probe[3], probe[0], probe[1], probe[4], probe[2]), probe[:2]


@pytest.mark.parametrize("case", [c for c in V["consistency_proofs"] if c["proof"]], ids=lambda c: c["from"])
def test_corrupted_consistency_proofs_fail(case: dict) -> None:
    m, n = case["old_size"], case["new_size"]
    proof = [H(p) for p in case["proof"]]
    r1, r2 = ROOTS[m], ROOTS[n]
    probes = [
        (m - 1, n, r1, r2, proof),
        (m + 1, n, r1, r2, proof),
        (m ^ 2, n, r1, r2, proof),
        (m, n * 2, r1, r2, proof),
        (m, n // 2, r1, r2, proof),
        (m, n, b"WrongRoot", r2, proof),
        (m, n, r1, b"WrongRoot", proof),
        (m, n, r2, r1, proof),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*proof, b""]),
        (m, n, r1, r2, [*proof, r1]),
        (m, n, r1, r2, [*proof, r2]),
        (m, n, r1, r2, [b"", *proof]),
        (m, n, r1, r2, [r1, *proof]),
        (m, n, r1, r2, [r2, *proof]),
        (m, n, r1, r2, [proof[0], *proof]),
        (m, n, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        probes.append((m, n, r1, r2, bad))
    for probe in probes:
        assert not verify_consistency(*probe), probe[:2]


def test_consistency_edge_cases() -> None:
    """transparency-dev/merkle TestVerifyConsistency, with this module's stricter size-0 rule."""
    r1, r2 = H("11" * 32), H("22" * 32)
    assert not verify_consistency(0, 0, r1, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, r2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    # Size 0 is consistent with anything, but only as the empty tree (stricter than transparency-dev).
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 1, EMPTY_ROOT, r2, [])
    assert not verify_consistency(0, 1, r1, r2, [])


def test_inclusion_edge_cases() -> None:
    """transparency-dev/merkle TestVerifyInclusion and TestVerifyInclusionSingleEntry."""
    some = H("abacaba000000000000000000000000000000000000000000060061e00123456")
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        assert not verify_inclusion(some, index, size, [], b"")
        assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
        assert not verify_inclusion(some, index, size, [], EMPTY_ROOT)
    h = leaf_hash(b"data")
    assert verify_inclusion(h, 0, 1, [], h)
    assert not verify_inclusion(b"", 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [], b"")


# -- RFC 9162 §2.1.5: the seven-leaf example ----------------------------------------------------
# Letters name the RFC's figure: a..g are leaves d0..d6 (a=d0), h=(d2,d3), i=(d4,d5), j=d6,
# k=(d0..d3), l=(d4..d6). Ranges are (start, end) of leaves.
RFC_NODES = {
    "b": (1, 2),
    "c": (2, 3),
    "d": (3, 4),
    "f": (5, 6),
    "g": (0, 2),
    "h": (2, 4),
    "i": (4, 6),
    "j": (6, 7),
    "k": (0, 4),
    "l": (4, 7),
}


@pytest.mark.parametrize(("index", "path"), [(0, "bhl"), (3, "cgl"), (4, "fjk"), (6, "ik")])
def test_rfc_example_inclusion_layout(index: int, path: str) -> None:
    assert inclusion_ranges(index, 7) == [RFC_NODES[x] for x in path]


@pytest.mark.parametrize(("old", "path"), [(3, "cdgl"), (4, "l"), (6, "ijk")])
def test_rfc_example_consistency_layout(old: int, path: str) -> None:
    assert consistency_ranges(old, 7) == [RFC_NODES[x] for x in path]


def test_perfect_subtrees_fold_to_range_root() -> None:
    entries = [bytes([i]) for i in range(37)]
    for start, end in [r for i in range(37) for r in inclusion_ranges(i, 37)]:
        parts = perfect_subtrees(start, end)
        hashes = [root_hash(entries[i << lv : (i + 1) << lv]) for lv, i in parts]
        h = hashes[-1]
        for left in reversed(hashes[:-1]):
            h = node_hash(left, h)
        assert h == root_hash(entries[start:end])


# -- an independent implementation: pymerkle 7 (roots and inclusion paths) ----------------------
def test_roots_and_inclusion_paths_match_pymerkle() -> None:
    pymerkle = pytest.importorskip("pymerkle")
    for size in [1, 2, 3, 5, 8, 13, 64, 100, 129, 255]:
        entries = [f"entry-{size}-{i}".encode() for i in range(size)]
        tree = pymerkle.InmemoryTree()
        for e in entries:
            tree.append_entry(e)
        assert tree.get_root() == root_hash(entries)
        for index in {0, size // 3, size - 1}:
            theirs = tree.prove_inclusion(index + 1).path  # pymerkle is 1-based, path[0] is the leaf
            assert theirs[0] == leaf_hash(entries[index])
            assert list(theirs[1:]) == inclusion_proof(entries, index)


# -- properties ------------------------------------------------------------------------------------
sizes = st.integers(min_value=1, max_value=70)


@st.composite
def tree_and_index(draw):
    n = draw(sizes)
    return [str(i).encode() for i in range(n)], draw(st.integers(0, n - 1))


@st.composite
def tree_and_old_size(draw):
    n = draw(sizes)
    return [str(i).encode() for i in range(n)], draw(st.integers(0, n))


@settings(max_examples=150, deadline=None)
@given(tree_and_index())
def test_every_inclusion_proof_verifies(case) -> None:
    entries, index = case
    proof = inclusion_proof(entries, index)
    assert verify_inclusion(leaf_hash(entries[index]), index, len(entries), proof, root_hash(entries))


@settings(max_examples=150, deadline=None)
@given(tree_and_old_size())
def test_every_consistency_proof_verifies(case) -> None:
    entries, m = case
    proof = consistency_proof(entries, m)
    assert verify_consistency(m, len(entries), root_hash(entries[:m]), root_hash(entries), proof)


@settings(max_examples=150, deadline=None)
@given(tree_and_index(), st.data())
def test_tampered_inclusion_proof_fails(case, data) -> None:
    entries, index = case
    n, root, leaf = len(entries), root_hash(entries), leaf_hash(entries[index])
    proof = inclusion_proof(entries, index)
    kind = data.draw(st.sampled_from(["flip", "drop", "add", "index", "leaf"]))
    if kind == "flip" and proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        byte = data.draw(st.integers(0, 31))
        bit = data.draw(st.integers(0, 7))
        bad = bytearray(proof[i])
        bad[byte] ^= 1 << bit
        proof[i] = bytes(bad)
    elif kind == "drop" and proof:
        del proof[data.draw(st.integers(0, len(proof) - 1))]
    elif kind == "add":
        proof.insert(data.draw(st.integers(0, len(proof))), data.draw(st.binary(min_size=32, max_size=32)))
    elif kind == "index" and n > 1:
        index = data.draw(st.integers(0, n - 1).filter(lambda j: j != index))
        leaf = leaf_hash(entries[case[1]])
        if entries[index] == entries[case[1]]:
            return
    elif kind == "leaf":
        leaf = leaf_hash(entries[index] + b"x")
    else:
        return
    assert not verify_inclusion(leaf, index, n, proof, root)


@settings(max_examples=150, deadline=None)
@given(tree_and_old_size(), st.data())
def test_tampered_consistency_proof_fails(case, data) -> None:
    entries, m = case
    n = len(entries)
    proof = consistency_proof(entries, m)
    if not proof:
        return
    kind = data.draw(st.sampled_from(["flip", "drop", "add"]))
    if kind == "flip":
        i = data.draw(st.integers(0, len(proof) - 1))
        bad = bytearray(proof[i])
        bad[data.draw(st.integers(0, 31))] ^= 1 << data.draw(st.integers(0, 7))
        proof[i] = bytes(bad)
    elif kind == "drop":
        del proof[data.draw(st.integers(0, len(proof) - 1))]
    else:
        proof.insert(data.draw(st.integers(0, len(proof))), data.draw(st.binary(min_size=32, max_size=32)))
    assert not verify_consistency(m, n, root_hash(entries[:m]), root_hash(entries), proof)


def test_inclusion_proof_does_not_bind_the_tree_size() -> None:
    """Why sizes are only taken from signed checkpoints: the RFC 9162 algorithm accepts the same
    proof for another size whose tree has the same shape along the leaf's path (here 33 and 34).
    The root is still the one of the real tree, so this is not a forgery, but a size from a
    request cannot be trusted; dualcarbon's log only proves against checkpoint sizes."""
    entries = [str(i).encode() for i in range(33)]
    proof, root = inclusion_proof(entries, 5), root_hash(entries)
    assert verify_inclusion(leaf_hash(entries[5]), 5, 33, proof, root)
    assert verify_inclusion(leaf_hash(entries[5]), 5, 34, proof, root)


garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=5),
    st.binary(max_size=40),
    st.lists(st.binary(max_size=40), max_size=5),
    st.lists(st.one_of(st.none(), st.integers(), st.text()), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(garbage, garbage, garbage, garbage, garbage)
def test_verifiers_never_raise(a, b, c, d, e) -> None:
    assert verify_inclusion(a, b, c, d, e) in (True, False)
    assert verify_consistency(a, b, c, d, e) in (True, False)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.integers(0, 2**64),
    st.integers(0, 2**64),
    st.lists(st.binary(min_size=32, max_size=32), max_size=70),
    st.binary(min_size=32, max_size=32),
)
def test_verifiers_never_raise_on_well_typed_garbage(leaf, index, size, proof, root) -> None:
    assert verify_inclusion(leaf, index, size, proof, root) in (True, False)
    assert verify_consistency(index, size, leaf, root, proof) in (True, False)
