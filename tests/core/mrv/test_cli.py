"""``dualcarbon mrv rules`` and ``dualcarbon mrv check`` with typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dualcarbon.accounting.engine import account
from dualcarbon.cli import app
from dualcarbon.mrv import DEFAULT_RULESET

runner = CliRunner()

LINES = [
    {"entity": "A", "category": "direct_gas", "item": "CH4", "quantity": 2.0, "unit": "t", "period": "2023"},
    {
        "entity": "A",
        "category": "purchased_electricity",
        "item": "electricity",
        "quantity": 1000,
        "unit": "MWh",
        "region": "440000",
        "period": "2023",
        "methodology": "CN-MEE-POWER-2022-485",
    },
]


def _record(tmp_path, name="rec.json", mutate=None):
    data = json.loads(json.dumps(account(LINES).record.to_dict(), default=str))
    if mutate:
        mutate(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path, data


def test_rules_lists_ids_sources_and_digest():
    r = runner.invoke(app, ["mrv", "rules"])
    assert r.exit_code == 0, r.output
    assert "year-on-year v1 [warning]" in r.output and "threshold=0.05" in r.output
    assert "《企业温室气体排放报告核查指南（试行）》" in r.output
    assert f"rule set dualcarbon.mrv.rules/1 digest {DEFAULT_RULESET.digest}" in r.output
    as_json = json.loads(runner.invoke(app, ["mrv", "rules", "--json"]).output)
    assert as_json["digest"] == DEFAULT_RULESET.digest and len(as_json["rules"]) == 6


def test_check_passes_a_good_record(tmp_path):
    path, _ = _record(tmp_path)
    r = runner.invoke(app, ["mrv", "check", str(path)])
    assert r.exit_code == 0, r.output
    assert "✓ completeness v1 [info]" in r.output
    assert "– year-on-year v1 [info] No submission of the previous year" in r.output
    assert "– separation-of-duties" in r.output


def test_check_with_previous_warns_but_exits_0(tmp_path):
    path, _ = _record(tmp_path)
    prev, _ = _record(
        tmp_path,
        "prev.json",
        lambda d: d["results"].__setitem__("total_tco2e", d["results"]["total_tco2e"] / 2),
    )
    r = runner.invoke(app, ["mrv", "check", str(path), "--previous", str(prev)])
    assert r.exit_code == 0, r.output
    assert "✗ year-on-year v1 [warning] Change beyond the threshold" in r.output
    assert "+100.00 %" in r.output


def test_check_exits_1_on_a_nonconformity(tmp_path):
    def tamper(d):
        d["results"]["entities"]["A"] += 1.0

    path, _ = _record(tmp_path, mutate=tamper)
    r = runner.invoke(app, ["mrv", "check", str(path), "--json"])
    assert r.exit_code == 1
    report = json.loads(r.output)
    f = next(f for f in report["findings"] if f["rule"] == "completeness")
    assert (f["status"], f["severity"]) == ("fail", "nonconformity")
    assert report["counts"]["nonconformity"] == 1


def test_check_refuses_what_is_not_a_record(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"format": "other"}')
    r = runner.invoke(app, ["mrv", "check", str(bad)])
    assert r.exit_code == 2
    r = runner.invoke(app, ["mrv", "check", str(tmp_path / "missing.json")])
    assert r.exit_code == 2
