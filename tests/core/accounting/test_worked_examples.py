"""Every worked example under worked_examples/ (derived by hand from the guideline equations and
defaults cited in each case) against the engine: to float precision, and exactly on the exact
per-key coefficients."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from dualcarbon.accounting import account

from .conftest import load_worked_examples

CASES = load_worked_examples()


def _exact(text: object) -> Fraction:
    s = str(text)
    return Fraction(s) if "/" in s else Fraction(Decimal(s))


def _close(actual: float, expected: Fraction) -> bool:
    return abs(Fraction(actual) - expected) <= abs(expected) * Fraction(1, 10**12) + Fraction(1, 10**9)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['_file']}::{c['id']}" for c in CASES])
def test_worked_example(case, shipped_db):
    assert case.get("source") and case.get("equation"), "every worked example cites its source and equation"
    res = account(
        case["lines"],
        gwp=case.get("gwp", "AR5"),
        factor_set=case.get("factor_set"),
        vintage=case.get("vintage", "exact"),
        db=shipped_db,
    )
    exp = case["expected"]
    entity = res.entities[case["lines"][0]["entity"]]
    assert _close(res.total_tco2e, _exact(exp["total_tco2e"])), (res.total_tco2e, exp["total_tco2e"])
    for section in ("by_gas_t", "by_gas", "by_scope", "by_category"):
        for name, value in exp.get(section, {}).items():
            assert _close(entity[section].get(name, 0.0), _exact(value)), (section, name, entity[section])
    for name in ("scope2_location_based", "scope2_market_based"):
        if name in exp:
            assert _close(entity[name], _exact(exp[name])), (name, entity[name])


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not any(m in str(c["lines"]) for m in ("GHGP-S2-MB",))],
    ids=lambda c: f"{c['_file']}::{c['id']}",
)
def test_worked_example_exact(case, shipped_db):
    """Recompute the total in exact rational arithmetic from the engine's exact coefficients and the
    row values: it must equal the hand-derived value to the last digit."""
    res = account(
        case["lines"],
        gwp=case.get("gwp", "AR5"),
        factor_set=case.get("factor_set"),
        vintage=case.get("vintage", "exact"),
        db=shipped_db,
    )
    lines = res.lines
    total = Fraction(0)
    for line, row in zip(lines.iter_rows(named=True), case["lines"], strict=True):
        key = next(
            k
            for k in res.keys.values()
            if k.key.category == row["category"]
            and k.key.item == str(row["item"]).strip()
            and k.key.unit == str(row["unit"]).strip()
            and set(k.refs) == set(line["factors"])
        )
        for slot in key.slots:
            value = _exact(row["quantity"]) * slot.coef
            for col in slot.uses:
                value *= _exact(row[col])
            gwp = (
                shipped_db.get(slot.gwp_ref).exact
                if slot.gwp_ref
                else (Fraction(0) if slot.gas == "CO2_biogenic" else 1)
            )
            total += value * gwp
    assert total == _exact(case["expected"]["total_tco2e"])
