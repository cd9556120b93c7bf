"""The MRV log on the platform: the ORM store gives the core's proofs, the tables refuse changes in
the database, the public API serves checkpoints, bundles and consistency proofs that verify offline,
and the page tells anyone whether a pasted record or bundle is in the log."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from dualcarbon.ledger import (
    ConcurrentAppend,
    Witness,
    canonical_json,
    consistency_proof,
    generate_signer,
    inclusion_proof,
    leaf_hash,
    parse_verifier,
    verify_bundle,
    verify_consistency,
)
from dualcarbon_web.ledger import services
from dualcarbon_web.ledger.models import LedgerEntry
from dualcarbon_web.ledger.store import OrmLogStore
from dualcarbon_web.platform.models import AuditEntry

EVENTS = [
    [{"kind": "submission", "unit": "91110000MA001", "period": "2025", "单位": "吨CO₂e"}],
    [{"kind": "evidence", "unit": "91110000MA001", "sha256": f"{k:064x}"} for k in range(6)],
    [
        {"kind": "rule", "rule": "deadline-40d", "ok": True},
        {"kind": "rule", "rule": "completeness", "ok": False},
    ],
]


@pytest.fixture
def filled(db):
    """Three batches, each with its own signed checkpoint (sizes 1, 7, 9)."""
    values = []
    for batch in EVENTS:
        services.ledger_append(events=batch)
        values += batch
    return values


def test_store_proofs_equal_the_pure_functions(filled) -> None:
    from dualcarbon.ledger import Log

    log = Log.open(OrmLogStore())
    data = [canonical_json(v) for v in filled]
    assert log.store.checkpoint_sizes() == [1, 7, 9]
    for i in range(len(data)):
        assert log.inclusion_proof(i) == inclusion_proof(data, i)
    for old in (1, 7):
        assert log.consistency_proof(old) == consistency_proof(data, old)
    assert log.check_integrity() == 9
    with pytest.raises(ConcurrentAppend):
        log.store.append(2, [b"{}"], [leaf_hash(b"{}")], None)


def test_appends_are_audited(filled) -> None:
    assert AuditEntry.objects.filter(action="ledger.append").count() == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_ledgerentry SET entry = '{}' WHERE idx = 1",
        "DELETE FROM ledger_ledgerentry WHERE idx = 8",
        "UPDATE ledger_ledgercheckpoint SET size = 100",
        "DELETE FROM ledger_ledgercheckpoint",
        "UPDATE ledger_ledgermeta SET value = 'x'",
        "INSERT INTO ledger_ledgerentry (idx, chain, leaf_hash, entry, created) VALUES (20, x'00', x'00', '{}', '2025-01-01')",
    ],
)
def test_database_refuses_changes(filled, sql) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    assert LedgerEntry.objects.count() == 9


def test_checkpoint_endpoint_is_public(filled) -> None:
    r = Client().get("/api/v1/ledger/checkpoint")
    assert r.status_code == 200
    data = r.json()
    assert data["size"] == 9 and data["origin"] == "dualcarbon.local/mrv"
    assert data["checkpoint"].split("\n")[:2] == ["dualcarbon.local/mrv", "9"]
    parse_verifier(data["log_key"])


def test_entry_bundle_verifies_offline_with_the_published_key(filled) -> None:
    client = Client()
    key = parse_verifier(client.get("/api/v1/ledger/checkpoint").json()["log_key"])
    for index in range(9):
        bundle = client.get(f"/api/v1/ledger/entries/{index}").json()
        assert bundle["entry"] == filled[index]
        assert verify_bundle(bundle, [key]).ok
    older = client.get("/api/v1/ledger/entries/3?size=7").json()
    assert older["tree_size"] == 7 and verify_bundle(older, [key]).ok


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/ledger/entries/9", 404),
        ("/api/v1/ledger/entries/2?size=5", 422),  # 5 is not a signed checkpoint's size
        ("/api/v1/ledger/entries/99999999999999999999999", 400),
        ("/api/v1/ledger/entries/-1", 400),
        ("/api/v1/ledger/consistency?old_size=3", 422),
        ("/api/v1/ledger/consistency?old_size=-4", 400),
    ],
)
def test_bad_requests_answer_with_the_error_shape(filled, url, status) -> None:
    r = Client().get(url)
    assert r.status_code == status, r.content
    assert set(r.json()) == {"message", "code", "extra"}


def test_consistency_proof_verifies(filled) -> None:
    client = Client()
    data = client.get("/api/v1/ledger/consistency?old_size=1&new_size=9").json()
    old_root = base64.b64decode(
        client.get("/api/v1/ledger/entries/0?size=1").json()["checkpoint"].split("\n")[2]
    )
    new_root = base64.b64decode(data["checkpoint"].split("\n")[2])
    proof = [base64.b64decode(h) for h in data["proof"]]
    assert verify_consistency(1, 9, old_root, new_root, proof)


def test_empty_log_answers_404(db) -> None:
    assert Client().get("/api/v1/ledger/checkpoint").status_code == 404
    assert Client().get("/api/v1/ledger/entries/0").status_code == 404
    assert Client().get("/ledger/verify/").status_code == 200


def test_menu_page_needs_sign_in_and_public_page_does_not(filled, demo, login) -> None:
    assert Client().get("/ledger/").status_code == 302
    assert login(demo.enterprise1).get("/ledger/").status_code == 200
    assert Client().get("/ledger/verify/").status_code == 200


def test_check_endpoint_finds_a_record_and_refuses_a_tampered_bundle(filled) -> None:
    client = Client()
    found = client.post(
        "/api/v1/ledger/check", {"text": json.dumps(filled[4])}, content_type="application/json"
    ).json()
    assert found["kind"] == "record" and found["ok"] and found["index"] == 4
    missing = dict(filled[4], sha256="f" * 64)
    r = client.post(
        "/api/v1/ledger/check", {"text": json.dumps(missing)}, content_type="application/json"
    ).json()
    assert r["kind"] == "record" and not r["found"]
    bundle = client.get("/api/v1/ledger/entries/4").json()
    bundle["entry"]["unit"] = "forged"
    r = client.post(
        "/api/v1/ledger/check", {"text": json.dumps(bundle)}, content_type="application/json"
    ).json()
    assert r["kind"] == "bundle" and not r["ok"]
    assert {c["name"] for c in r["checks"] if not c["ok"]} == {"entry", "inclusion proof"}
    r = client.post("/api/v1/ledger/check", {"text": "{not json"}, content_type="application/json").json()
    assert r["kind"] == "invalid" and not r["ok"]


def test_page_tells_anyone_whether_a_record_is_in_the_log(filled) -> None:
    client = Client()
    page = client.get("/ledger/verify/")
    assert page.status_code == 200
    assert 'data-testid="ledger-size">9<' in page.content.decode()
    r = client.post("/ledger/verify/", {"text": json.dumps(filled[1], ensure_ascii=False)})
    body = r.content.decode()
    assert 'data-ok="true"' in body and "/ledger/entries/1/" in body
    r = client.post("/ledger/verify/", {"text": json.dumps({"kind": "never appended"})})
    assert 'data-testid="ledger-verdict" data-ok="false"' in r.content.decode()


def test_page_reports_which_check_a_tampered_bundle_fails(filled) -> None:
    client = Client()
    bundle = client.get("/ledger/entries/2/bundle.json").json()
    bundle["tree_size"] = 8
    body = client.post("/ledger/verify/", {"text": json.dumps(bundle)}).content.decode()
    assert 'data-check="tree size" data-ok="false"' in body


def test_entry_page_and_bundle_download(filled) -> None:
    client = Client()
    page = client.get("/ledger/entries/0/")
    assert page.status_code == 200 and "吨CO₂e" in page.content.decode()
    r = client.get("/ledger/entries/0/bundle.json?size=1")
    assert r["Content-Disposition"].startswith("attachment")
    key = parse_verifier(client.get("/api/v1/ledger/checkpoint").json()["log_key"])
    assert verify_bundle(r.content, [key]).ok
    assert client.get("/ledger/entries/50/").status_code == 404
    assert client.get("/ledger/entries/0/?size=abc").status_code == 404


def test_witness_cosignatures_are_stored_and_shown(filled, monkeypatch) -> None:
    witness_key = generate_signer("regulator.example.cn/witness", cosigner=True)
    monkeypatch.setenv("DUALCARBON_LEDGER_WITNESS_KEYS", witness_key.verifier.vkey)
    client = Client()
    data = client.get("/api/v1/ledger/checkpoint").json()
    witness = Witness(witness_key, [parse_verifier(data["log_key"])])
    cosigned = witness.cosign(data["checkpoint"], [])
    assert services.ledger_cosignatures_add(note=cosigned) == 1
    data = client.get("/api/v1/ledger/checkpoint").json()
    assert data["witnesses"] == ["regulator.example.cn/witness"]
    bundle = client.get("/api/v1/ledger/entries/5").json()
    keys = [parse_verifier(data["log_key"]), witness_key.verifier]
    assert verify_bundle(bundle, keys, min_witnesses=1).ok
    # The next checkpoint is cosigned only after a consistency proof from size 9.
    services.ledger_append(events=[{"kind": "conclusion"}])
    new = client.get("/api/v1/ledger/checkpoint").json()
    proof = [base64.b64decode(h) for h in client.get("/api/v1/ledger/consistency?old_size=9").json()["proof"]]
    assert services.ledger_cosignatures_add(note=witness.cosign(new["checkpoint"], proof)) == 1
