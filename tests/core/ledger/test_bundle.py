"""Offline verification: every tampered entry, reordered entry, forged proof, wrong size or
truncated log is detected, and the report says which check failed."""

from __future__ import annotations

import base64
import copy
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualcarbon.ledger import (
    Witness,
    audit_export,
    export_log,
    generate_signer,
    make_bundle,
    verify_bundle,
)


@pytest.fixture
def witnessed(log, signer, witness_signer):
    """A log of 5 batches, every checkpoint cosigned by one witness."""
    witness = Witness(witness_signer, [signer.verifier])
    for b in range(5):
        result = log.append(
            [{"kind": "evidence", "batch": b, "k": k, "sha256": f"{b:02x}{k:02x}" * 16} for k in range(7)]
        )
        seen = witness.last_seen(log.origin)
        cosigned = witness.cosign(result.checkpoint, log.consistency_proof(seen[0]) if seen else [])
        log.add_cosignatures(cosigned, [witness_signer.verifier])
    return log


def keys(signer, witness_signer):
    return [signer.verifier, witness_signer.verifier]


# -- bundles -----------------------------------------------------------------------------------------
def test_good_bundle_verifies_with_witness_quorum(witnessed, signer, witness_signer) -> None:
    bundle = make_bundle(witnessed, 17)
    report = verify_bundle(json.dumps(bundle), keys(signer, witness_signer), min_witnesses=1)
    assert report.ok, report.as_dict()
    assert [c.name for c in report.checks] == [
        "format",
        "checkpoint signature",
        "origin",
        "tree size",
        "entry",
        "inclusion proof",
    ]


def test_bundle_against_an_older_checkpoint_verifies(witnessed, signer) -> None:
    assert verify_bundle(make_bundle(witnessed, 3, 14), [signer.verifier]).ok


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


TAMPERINGS = {
    "entry value changed": (lambda b: b["entry"].update(batch=9), {"entry", "inclusion proof"}),
    "entry key added": (lambda b: b["entry"].update(extra=True), {"entry", "inclusion proof"}),
    "index moved (reordered entry)": (lambda b: b.update(index=b["index"] + 1), {"inclusion proof"}),
    "proof hash flipped": (
        lambda b: b["inclusion_proof"].__setitem__(0, _flip(b["inclusion_proof"][0])),
        {"inclusion proof"},
    ),
    "proof hash dropped": (lambda b: b["inclusion_proof"].pop(), {"inclusion proof"}),
    "proof hash added": (lambda b: b["inclusion_proof"].append(b["inclusion_proof"][0]), {"inclusion proof"}),
    "tree size changed": (lambda b: b.update(tree_size=b["tree_size"] + 1), {"tree size"}),
    "origin changed": (lambda b: b.update(origin="other.example/log"), {"origin"}),
    "leaf hash swapped": (lambda b: b.update(leaf_hash=_flip(b["leaf_hash"])), {"entry"}),
    "checkpoint size forged": (
        lambda b: b.update(checkpoint=b["checkpoint"].replace("\n35\n", "\n36\n", 1)),
        {"checkpoint signature"},
    ),
    "checkpoint signature flipped": (
        lambda b: b.update(
            checkpoint=b["checkpoint"].replace("— mrv.example.cn/log ", "— mrv.example.cn/log X", 1)
        ),
        {"checkpoint signature"},
    ),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampered_bundle_fails_and_names_the_check(witnessed, signer, name) -> None:
    bundle = copy.deepcopy(make_bundle(witnessed, 17))
    mutate, expected = TAMPERINGS[name]
    mutate(bundle)
    report = verify_bundle(bundle, [signer.verifier])
    assert not report.ok
    assert expected <= {c.name for c in report.failures}, report.as_dict()


def test_bundle_signed_by_another_key_fails(witnessed) -> None:
    report = verify_bundle(make_bundle(witnessed, 0), [generate_signer("mrv.example.cn/log").verifier])
    assert [c.name for c in report.failures] == ["checkpoint signature"]
    assert "no signature from a trusted key" in report.failures[0].detail


def test_keys_inside_the_bundle_are_never_trusted(witnessed) -> None:
    report = verify_bundle(make_bundle(witnessed, 0), [])
    assert not report.ok


def test_missing_witness_quorum_fails(witnessed, signer, witness_signer) -> None:
    other = generate_signer("verifier.example.cn/witness", cosigner=True)
    report = verify_bundle(make_bundle(witnessed, 0), [signer.verifier, other.verifier], min_witnesses=1)
    assert "1 required" in report.failures[0].detail


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        "{}",
        '{"format": "dualcarbon-ledger-bundle", "version": 2}',
        '{"format": "dualcarbon-ledger-bundle", "version": 1, "index": -1, "tree_size": 1}',
        '{"format": "dualcarbon-ledger-bundle", "version": 1, "index": 0, "tree_size": 1, "entry": 1, "inclusion_proof": ["%%%"], "checkpoint": "x"}',
        '{"format": "dualcarbon-ledger-bundle", "version": 1, "index": 0, "tree_size": 1, "entry": 1, "inclusion_proof": [], "checkpoint": "x\\n"}',
    ],
)
def test_garbage_bundles_fail_without_raising(signer, raw) -> None:
    report = verify_bundle(raw, [signer.verifier])
    assert not report.ok


# -- whole-log exports ----------------------------------------------------------------------------------
def _export(log) -> list[str]:
    buf = io.StringIO()
    export_log(log, buf)
    return buf.getvalue().splitlines(keepends=True)


def test_good_export_audits(witnessed, signer, witness_signer) -> None:
    report = audit_export(
        _export(witnessed),
        keys(signer, witness_signer),
        min_witnesses=1,
        latest_checkpoint=witnessed.latest_checkpoint(),
    )
    assert report.ok, report.as_dict()


def _entry_lines(lines):
    return [i for i, line in enumerate(lines) if '"index"' in line and "checkpoint" not in line]


def _swap(lines, a, b):
    lines[a], lines[b] = lines[b], lines[a]


def _tamper_entry(lines):
    i = _entry_lines(lines)[10]
    obj = json.loads(lines[i])
    obj["entry"]["batch"] = 99
    lines[i] = json.dumps(obj) + "\n"


def _reorder_keeping_indices(lines):
    a, b = _entry_lines(lines)[3], _entry_lines(lines)[4]
    oa, ob = json.loads(lines[a]), json.loads(lines[b])
    oa["entry"], ob["entry"] = ob["entry"], oa["entry"]
    lines[a], lines[b] = json.dumps(oa) + "\n", json.dumps(ob) + "\n"


def _forge_consistency(lines):
    i = max(i for i, line in enumerate(lines) if '"checkpoint"' in line)
    obj = json.loads(lines[i])
    obj["consistency_proof"][0] = _flip(obj["consistency_proof"][0])
    lines[i] = json.dumps(obj) + "\n"


EXPORT_TAMPERINGS = {
    "entry changed": (_tamper_entry, "checkpoint of size 14"),
    "entries swapped": (lambda ls: _swap(ls, _entry_lines(ls)[3], _entry_lines(ls)[4]), "entry on line"),
    "entries reordered, indices rewritten": (_reorder_keeping_indices, "checkpoint of size 7"),
    "entry removed": (lambda ls: ls.pop(_entry_lines(ls)[5]), "entry on line"),
    "entry duplicated": (lambda ls: ls.insert(_entry_lines(ls)[5], ls[_entry_lines(ls)[5]]), "entry on line"),
    "consistency proof forged": (_forge_consistency, "checkpoint of size 35"),
    "tail cut, header kept": (lambda ls: ls.__delitem__(slice(-3, None)), "completeness"),
}


@pytest.mark.parametrize("name", list(EXPORT_TAMPERINGS))
def test_tampered_export_fails_and_names_the_check(witnessed, signer, name) -> None:
    lines = _export(witnessed)
    mutate, failing = EXPORT_TAMPERINGS[name]
    mutate(lines)
    report = audit_export(lines, [signer.verifier])
    assert not report.ok
    assert any(c.name.startswith(failing) for c in report.failures), report.as_dict()


def test_export_cut_before_a_checkpoint_the_auditor_holds_is_caught(witnessed, signer) -> None:
    latest = witnessed.latest_checkpoint()
    lines = _export(witnessed)
    header = json.loads(lines[0])
    keep = [i for i, line in enumerate(lines) if '"checkpoint"' in line][-2]  # up to the size-28 checkpoint
    header["size"] = 28
    truncated = [json.dumps(header) + "\n", *lines[1 : keep + 1]]
    assert audit_export(truncated, [signer.verifier]).ok  # on its own it looks whole...
    report = audit_export(truncated, [signer.verifier], latest_checkpoint=latest)
    assert [c.name for c in report.failures] == ["latest checkpoint"]  # ...but not against what you hold
    assert "truncated" in report.failures[0].detail


def test_export_with_forged_checkpoint_signature_fails(witnessed, signer) -> None:
    lines = _export(witnessed)
    i = [i for i, line in enumerate(lines) if '"checkpoint"' in line][1]
    obj = json.loads(lines[i])
    obj["checkpoint"] = obj["checkpoint"].replace("\n14\n", "\n15\n")
    lines[i] = json.dumps(obj) + "\n"
    report = audit_export(lines, [signer.verifier])
    assert "does not verify" in report.failures[0].detail


def test_garbage_exports_fail_without_raising(signer) -> None:
    for lines in (
        [],
        ["not json\n"],
        ['{"format": "x"}\n'],
        ['{"format":"dualcarbon-ledger-export","version":1}\n', "[1]\n"],
    ):
        assert not audit_export(lines, [signer.verifier]).ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
BUNDLE_FIELDS = [
    "format",
    "version",
    "origin",
    "index",
    "tree_size",
    "entry",
    "leaf_hash",
    "inclusion_proof",
    "checkpoint",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(BUNDLE_FIELDS), json_values)
def test_verify_bundle_never_raises_for_any_field_value(witnessed, signer, field, value) -> None:
    bundle = make_bundle(witnessed, 5)
    bundle[field] = value
    report = verify_bundle(bundle, [signer.verifier])
    assert report.ok in (True, False)
    if field not in ("entry", "origin", "leaf_hash"):
        assert not report.ok or value == make_bundle(witnessed, 5)[field]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_audit_never_raises_for_mangled_lines(witnessed, signer, data) -> None:
    lines = _export(witnessed)
    i = data.draw(st.integers(0, len(lines) - 1))
    lines[i] = data.draw(st.one_of(st.text(max_size=40), json_values.map(json.dumps))) + "\n"
    report = audit_export(lines, [signer.verifier])
    assert report.ok in (True, False)
