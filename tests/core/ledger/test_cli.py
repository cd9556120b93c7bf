"""``dualcarbon ledger``: the offline flow end to end from the shell, with clear verdicts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dualcarbon.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, ["ledger", *args], input=input)


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("init", "mrv.db", "--origin", "mrv.example.cn/log").exit_code == 0
    events = "\n".join(
        json.dumps({"kind": "evidence", "k": k, "单位": "吨"}, ensure_ascii=False) for k in range(5)
    )
    assert run("append", "mrv.db", "-", input=events).exit_code == 0
    assert run("keygen", "regulator.example.cn/w", "--witness", "-o", "w.key").exit_code == 0
    r = run("cosign", "mrv.db", "--witness-key", "w.key", "--state", "w.json", "--log-key", "mrv.db.vkey")
    assert r.exit_code == 0, r.output
    assert (
        run(
            "append", "mrv.db", "-", input='[{"kind": "rule", "ok": true}, {"kind": "rule", "ok": false}]'
        ).exit_code
        == 0
    )
    r = run("cosign", "mrv.db", "--witness-key", "w.key", "--state", "w.json", "--log-key", "mrv.db.vkey")
    assert r.exit_code == 0, r.output
    return tmp_path


def test_verify_prints_a_verdict_and_exits_zero(demo) -> None:
    assert run("prove", "mrv.db", "3", "--out", "b.json").exit_code == 0
    r = run("verify", "b.json", "--key", "mrv.db.vkey", "--key", "w.key.vkey", "--min-witnesses", "1")
    assert r.exit_code == 0, r.output
    assert "VERIFIED" in r.output and "inclusion proof" in r.output


def test_verify_accepts_a_key_given_inline(demo) -> None:
    run("prove", "mrv.db", "0", "--out", "b.json")
    vkey = (demo / "mrv.db.vkey").read_text().strip()
    assert run("verify", "b.json", "--key", vkey).exit_code == 0


def test_verify_reports_a_tampered_entry_and_exits_one(demo) -> None:
    run("prove", "mrv.db", "3", "--out", "b.json")
    bundle = json.loads((demo / "b.json").read_text())
    bundle["entry"]["k"] = 4
    (demo / "b.json").write_text(json.dumps(bundle))
    r = run("verify", "b.json", "--key", "mrv.db.vkey", "--json")
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert {c["name"] for c in report["checks"] if not c["ok"]} == {"entry", "inclusion proof"}


def test_verify_without_trusted_key_fails(demo) -> None:
    run("prove", "mrv.db", "0", "--out", "b.json")
    r = run("verify", "b.json")
    assert r.exit_code != 0


def test_audit_passes_then_catches_a_rewritten_entry(demo) -> None:
    assert run("export", "mrv.db", "ex.jsonl").exit_code == 0
    r = run("audit", "ex.jsonl", "-k", "mrv.db.vkey", "-k", "w.key.vkey", "--min-witnesses", "1")
    assert r.exit_code == 0, r.output
    assert "VERIFIED" in r.output
    text = (demo / "ex.jsonl").read_text(encoding="utf-8").replace('"k": 2', '"k": 22')
    (demo / "ex.jsonl").write_text(text, encoding="utf-8")
    r = run("audit", "ex.jsonl", "-k", "mrv.db.vkey")
    assert r.exit_code == 1
    assert "FAILED" in r.output and "checkpoint of size 5" in r.output


def test_check_and_consistency_on_a_local_log(demo) -> None:
    assert "OK 7 entries" in run("check", "mrv.db").output
    r = run("consistency", "mrv.db", "5")
    assert r.exit_code == 0
    assert json.loads(r.output)["new_size"] == 7
    assert run("consistency", "mrv.db", "4").exit_code == 1  # not a checkpoint size


def test_witness_refuses_a_rewritten_log(demo, tmp_path) -> None:
    # A second log under the same key and origin, with different history: the witness has seen size 7.
    import shutil

    shutil.copy(demo / "mrv.db.key", demo / "fork.db.key")
    assert run("init", "fork.db", "--origin", "mrv.example.cn/log").exit_code == 0
    run(
        "append",
        "fork.db",
        "-",
        input='[{"forged": 1}, {"forged": 2}, {"forged": 3}, {"forged": 4}, {"forged": 5}, {"forged": 6}, {"forged": 7}, {"forged": 8}]',
    )
    r = run("cosign", "fork.db", "--witness-key", "w.key", "--state", "w.json", "--log-key", "mrv.db.vkey")
    assert r.exit_code == 1
    assert "witness refuses" in r.output
