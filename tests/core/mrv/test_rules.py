"""Verification rules: each rule's pass / fail / not_applicable with its message, the rule-set digest,
the report's canonical JSON, and determinism (hypothesis: any order of lines, keys, estimates and
rules gives the same report bytes)."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.accounting.engine import account
from dualcarbon.ledger import canonical_json
from dualcarbon.mrv import DEFAULT_RULESET, Outcome, Rule, RuleContext, RuleReport, RuleSet, evaluate

LINES = [
    {
        "entity": "ZJ-U1",
        "category": "combustion",
        "item": "coal",
        "quantity": 1_226_000,
        "unit": "t",
        "ncv": 21.5,
        "ncv_unit": "GJ/t",
        "period": "2023",
        "methodology": "CN-MEE-POWER-2022-485",
    },
    {
        "entity": "ZJ-U1",
        "category": "combustion",
        "item": "diesel",
        "quantity": 180,
        "unit": "t",
        "period": "2023",
        "methodology": "CN-MEE-POWER-2022-485",
    },
    {
        "entity": "ZJ-U1",
        "category": "purchased_electricity",
        "item": "electricity",
        "quantity": 5200,
        "unit": "MWh",
        "region": "440000",
        "period": "2023",
        "methodology": "CN-MEE-POWER-2022-485",
    },
    {"entity": "X", "category": "direct_gas", "item": "CH4", "quantity": 1.0, "unit": "t", "period": "2023"},
]


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads(json.dumps(account(LINES, gwp="AR5").record.to_dict(), default=str))


def finding(record, rule_id, **ctx):
    report = evaluate(DEFAULT_RULESET, RuleContext(record=record, **ctx))
    return next(f for f in report.findings if f.rule == rule_id)


# --------------------------------------------------------------------------- completeness


def test_completeness_passes_and_readds_the_total(record):
    f = finding(record, "completeness")
    assert f.status == "pass" and f.severity == "info"
    assert f.details["lines"] == 4
    assert f.details["readded_total_tco2e"] == pytest.approx(record["results"]["total_tco2e"], rel=1e-12)
    assert "4 lines complete" in f.message


def test_completeness_fails_when_a_total_was_altered(record):
    bad = copy.deepcopy(record)
    bad["results"]["entities"]["X"] = 29.0
    f = finding(bad, "completeness")
    assert (f.status, f.severity) == ("fail", "nonconformity")
    assert "entity X: lines add to 28.0 tCO2e, the record says 29.0" in f.message


def test_completeness_fails_naming_a_missing_row_value(record):
    bad = copy.deepcopy(record)
    coal = next(k for k in bad["keys"] if k["item"] == "coal")
    coal["slots"][0]["times_row_columns"] = ["ncv", "purity"]  # a key that multiplies a column the row lacks
    f = finding(bad, "completeness")
    assert f.status == "fail"
    assert "row 1: purity is missing, needed by CN-MEE-POWER-2022-485@1 for CO2" in f.message


def test_completeness_fails_on_a_line_without_key_or_quantity(record):
    bad = copy.deepcopy(record)
    bad["inputs"][1]["item"] = "petrol"
    bad["inputs"][3]["quantity"] = None
    f = finding(bad, "completeness")
    assert f.status == "fail"
    assert "row 2: combustion/petrol [t] matches no resolved key of the record" in f.message
    assert "row 4: quantity None is missing or not a number" in f.message


def test_completeness_not_applicable_without_inputs(record):
    bare = {k: v for k, v in record.items() if k != "inputs"}
    assert finding(bare, "completeness").status == "not_applicable"


# --------------------------------------------------------------------------- grid vintage


def test_grid_vintage_passes_for_the_reporting_year(record):
    f = finding(record, "grid-factor-vintage")
    assert f.status == "pass"
    assert f.message == "Grid factors cn_ets.grid.2022_485.co2@1 are those of 2023."


def test_grid_vintage_warns_when_the_user_chose_latest(record):
    bad = copy.deepcopy(record)
    bad["options"]["vintage"] = "latest"
    key = next(k for k in bad["keys"] if k["category"] == "purchased_electricity")
    key["flags"] = [
        "--vintage latest: mee-nbs factor of data year 2021 (x@1) used for 广东 (440000) in 2023, …"
    ]
    f = finding(bad, "grid-factor-vintage")
    assert (f.status, f.severity) == ("fail", "warning")
    assert f.message.startswith("The record says the user chose vintage 'latest': --vintage latest: mee-nbs")


def test_grid_vintage_nonconformity_for_another_year(record):
    f = finding(record, "grid-factor-vintage", year=2024)
    assert (f.status, f.severity) == ("fail", "nonconformity")
    assert "key 3 (cn_ets.grid.2022_485.co2@1) is for 2023, the report for 2024" in f.message


def test_grid_vintage_not_applicable_without_grid_lines(record):
    bare = copy.deepcopy(record)
    bare["keys"] = [k for k in bare["keys"] if k["category"] != "purchased_electricity"]
    assert finding(bare, "grid-factor-vintage").status == "not_applicable"


# --------------------------------------------------------------------------- unverified defaults


def test_unverified_defaults_listed_as_a_note(record):
    f = finding(record, "unverified-defaults")
    assert (f.status, f.severity) == ("pass", "info")
    assert f.message.startswith("Note: 6 default factor(s) not yet checked against the official text:")
    assert (
        "ndrc2015.other.diesel.ncv@1 (transcribed-unverified, 发改办气候〔2015〕1722号) in rows 2"
        in f.message
    )
    assert f.details["factors"]["cn_ets.grid.2022_485.co2@1"]["rows"] == [3]
    assert "gwp.ar5.ch4@1" not in f.details["factors"]  # official


def test_unverified_defaults_pass_when_all_official(record):
    ok = copy.deepcopy(record)
    for fac in ok["factors"].values():
        fac["status"] = "official"
    f = finding(ok, "unverified-defaults")
    assert f.status == "pass" and f.message == "No line uses a default factor with an unverified status."


# --------------------------------------------------------------------------- year on year


def test_year_on_year(record):
    total = record["results"]["total_tco2e"]
    assert finding(record, "year-on-year").status == "not_applicable"
    small = finding(record, "year-on-year", previous={"year": 2022, "total_tco2e": total / 1.04})
    assert small.status == "pass" and "+4.00 % (threshold ±5 %)" in small.message
    big = finding(
        record, "year-on-year", previous={"year": 2022, "total_tco2e": total / 1.06, "leaf_index": 7}
    )
    assert (big.status, big.severity) == ("fail", "warning")
    assert "+6.00 % (threshold ±5 %)" in big.message and big.details["previous_leaf_index"] == 7
    strict = DEFAULT_RULESET.with_parameters("year-on-year", threshold=0.03)
    rep = evaluate(strict, RuleContext(record=record, previous={"year": 2022, "total_tco2e": total / 1.04}))
    f = next(f for f in rep.findings if f.rule == "year-on-year")
    assert f.status == "fail" and "threshold ±3 %" in f.message


# --------------------------------------------------------------------------- separation of duties


def test_separation_of_duties(record):
    sub = {"id": 5, "organization_id": 10, "role": "enterprise"}
    assert finding(record, "separation-of-duties").status == "not_applicable"
    ok = finding(
        record,
        "separation-of-duties",
        submitter=sub,
        evaluator={"id": 9, "organization_id": 30, "role": "verifier"},
    )
    assert ok.status == "pass"
    same = finding(
        record,
        "separation-of-duties",
        submitter=sub,
        evaluator={"id": 5, "organization_id": 10, "role": "admin"},
    )
    assert (same.status, same.severity) == ("fail", "nonconformity")
    assert same.message == "The evaluator (user 5) submitted this report."
    member = finding(
        record,
        "separation-of-duties",
        submitter=sub,
        evaluator={"id": 6, "organization_id": 10, "role": "verifier"},
    )
    assert member.message == "The evaluator (user 6) belongs to the submitting organisation 10."


# --------------------------------------------------------------------------- inversion cross-check


def test_inversion_cross_check(record):
    assert finding(record, "inversion-cross-check").status == "not_applicable"
    assert finding(record, "inversion-cross-check", inversion=[]).status == "not_applicable"
    calm = [{"run": 3, "facility": "ZJ-U1", "z": 0.84, "flagged": False, "threshold": 3.0}]
    ok = finding(record, "inversion-cross-check", inversion=calm)
    assert ok.status == "pass" and "run #3 facility ZJ-U1: z = 0.84" in ok.message
    hot = [*calm, {"run": 4, "facility": "ZJ-U2", "z": -3.41, "flagged": True, "threshold": 3.0}]
    bad = finding(record, "inversion-cross-check", inversion=hot)
    assert (bad.status, bad.severity) == ("fail", "warning")
    assert bad.message == "inversion run #4 flagged facility ZJ-U2: z = -3.41 (|z| ≥ 3)"


# --------------------------------------------------------------------------- digest and report


def _rule(fn, **params):
    return Rule(
        id="t",
        version=1,
        title_zh="测",
        title_en="t",
        source="test",
        severity="warning",
        check=fn,
        parameters=params,
    )


def _always_pass(ctx, p):
    return Outcome("pass", "ok")


def _always_pass_too(ctx, p):
    return Outcome("pass", "ok!")


def test_digest_changes_with_code_and_parameters_and_is_stable_otherwise():
    d = DEFAULT_RULESET.digest
    assert len(d) == 64 and d == DEFAULT_RULESET.digest
    assert RuleSet(DEFAULT_RULESET.id, reversed(DEFAULT_RULESET.rules)).digest == d
    assert DEFAULT_RULESET.with_parameters("year-on-year", threshold=0.05).digest == d
    assert DEFAULT_RULESET.with_parameters("year-on-year", threshold=0.02).digest != d
    assert RuleSet("x", [_rule(_always_pass)]).digest != RuleSet("x", [_rule(_always_pass_too)]).digest
    assert RuleSet("x", [_rule(_always_pass, a=1)]).digest != RuleSet("x", [_rule(_always_pass, a=2)]).digest
    one = _rule(_always_pass)
    bumped = Rule(**{**one.__dict__, "version": 2})
    assert RuleSet("x", [one]).digest != RuleSet("x", [bumped]).digest
    with pytest.raises(ValueError, match="unique"):
        RuleSet("x", [one, one])
    with pytest.raises(KeyError):
        DEFAULT_RULESET.with_parameters("year-on-year", nope=1)


def test_report_canonical_json_round_trip(record):
    rep = evaluate(DEFAULT_RULESET, RuleContext(record=record, previous={"year": 2022, "total_tco2e": 1.0}))
    data = rep.canonical_json()
    assert hashlib.sha256(data).hexdigest() == rep.sha256
    again = RuleReport.from_json(data)
    assert again == rep and again.canonical_json() == data
    assert json.loads(data)["ruleset"] == {"id": "dualcarbon.mrv.rules/1", "digest": DEFAULT_RULESET.digest}
    assert json.loads(data)["record_sha256"] == hashlib.sha256(canonical_json(record)).hexdigest()
    assert rep.counts == {
        "pass": 3,
        "fail": 1,
        "not_applicable": 2,
        "info": 5,
        "warning": 1,
        "nonconformity": 0,
    }
    with pytest.raises(ValueError, match="rule report"):
        RuleReport.from_dict({"format": "x"})


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_evaluation_is_deterministic_and_order_independent(record, data):
    estimates = [
        {"run": 1, "facility": "A", "z": 1.0, "flagged": False, "threshold": 3.0},
        {"run": 2, "facility": "B", "z": 3.5, "flagged": True, "threshold": 3.0},
        {"run": 2, "facility": "A", "z": -0.5, "flagged": False, "threshold": 3.0},
    ]
    ctx = {"previous": {"year": 2022, "total_tco2e": 2.9e6}, "inversion": estimates}
    base = evaluate(DEFAULT_RULESET, RuleContext(record=record, **ctx)).canonical_json()
    shuffled = copy.deepcopy(record)
    shuffled["inputs"] = data.draw(st.permutations(shuffled["inputs"]))
    shuffled["keys"] = data.draw(st.permutations(shuffled["keys"]))
    rules = data.draw(st.permutations(list(DEFAULT_RULESET.rules)))
    est = data.draw(st.permutations(estimates))
    # the record's digest depends on its list order (it is the digest of those bytes); the findings do not
    again = evaluate(
        RuleSet(DEFAULT_RULESET.id, rules),
        RuleContext(record=shuffled, previous=ctx["previous"], inversion=est),
    )
    same = evaluate(DEFAULT_RULESET, RuleContext(record=record, **ctx)).canonical_json()
    assert same == base  # deterministic
    assert json.loads(again.canonical_json())["findings"] == json.loads(base)["findings"]
    assert again.ruleset_digest == DEFAULT_RULESET.digest
