"""Calculation records: re-running an old record gives the same numbers after new factor versions."""

from __future__ import annotations

import json

import pytest

from dualcarbon.accounting import CalculationRecord, FactorDatabase, RecordMismatch, account, rerun

ROWS = [
    {
        "entity": "A",
        "period": "2022",
        "category": "purchased_electricity",
        "item": "grid",
        "quantity": 1000,
        "unit": "MWh",
        "region": "广东",
    },
    {
        "entity": "A",
        "period": "2022",
        "category": "combustion",
        "item": "natural_gas",
        "quantity": 10,
        "unit": "10^4 Nm3",
        "uncertainty_pct": 3,
    },
]


def test_record_pins_factor_versions_and_keeps_the_trace():
    res = account(ROWS)
    rec = res.record
    assert "mee_nbs.2022.province_440000.co2@1" in rec.factor_refs
    assert rec.methodology_refs == ["CN-GBT32150-2015@1"]
    assert rec.options["gwp"] == "AR5"
    d = rec.to_dict()
    assert d["factors"]["mee_nbs.2022.province_440000.co2@1"]["value"] == "0.4403"
    slot = next(k for k in d["keys"] if k["category"] == "purchased_electricity")["slots"][0]
    assert slot["t_per_unit"] == "4403/10000"  # exact per-unit coefficient, tCO2 per MWh
    assert all(k["trace"] for k in d["keys"])


def test_rerun_after_a_new_factor_version_gives_the_same_numbers():
    db = FactorDatabase()
    first = account(ROWS, db=db)
    db.correct(
        "mee_nbs.2022.province_440000.co2", value="0.5000", status="user", note="hypothetical correction"
    )
    # a new calculation uses the new version ...
    assert account(ROWS, db=db).total_tco2e != first.total_tco2e
    # ... but re-running the old record reproduces the old numbers exactly
    again = rerun(first.record, db)
    assert again.total_tco2e == first.total_tco2e
    assert again.record.factor_refs == first.record.factor_refs


def test_record_survives_json_round_trip(tmp_path):
    res = account(ROWS)
    path = tmp_path / "record.json"
    path.write_text(res.record.to_json(), encoding="utf-8")
    loaded = CalculationRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert rerun(loaded).total_tco2e == res.total_tco2e


def test_tampered_record_is_detected():
    d = account(ROWS).record.to_dict()
    d["inputs"][0]["quantity"] = 999.0
    with pytest.raises(RecordMismatch, match="input_sha256"):
        CalculationRecord.from_dict(d)
    d = account(ROWS).record.to_dict()
    d["results"]["total_tco2e"] = 1.0
    with pytest.raises(RecordMismatch, match="differs"):
        rerun(CalculationRecord.from_dict(d))
