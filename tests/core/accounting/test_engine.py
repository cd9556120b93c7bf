"""The engine: bad input for every column, row numbering, scopes, overrides, vintages."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.accounting import ActivityDataError, account, read_lines

BASE = {
    "entity": "A",
    "period": "2022",
    "category": "combustion",
    "item": "natural_gas",
    "quantity": 1,
    "unit": "10^4 Nm3",
}


def _errors(rows, **kw):
    with pytest.raises(ActivityDataError) as info:
        account(rows, **kw)
    return [(e.row, e.column, e.reason) for e in info.value.errors]


def _one(**changes):
    return [{**BASE, **changes}]


# -- bad input, one test per column ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"entity": None}, "entity", "required"),
        ({"entity": "   "}, "entity", "required"),
        ({"period": None}, "period", "required"),
        ({"period": "FY22"}, "period", "four-digit year"),
        ({"category": "scope3"}, "category", "unknown category"),
        ({"category": None}, "category", "required"),
        ({"item": None}, "item", "required"),
        ({"item": "unobtainium"}, "carbon_content", "no default carbon content"),
        ({"quantity": None}, "quantity", "required"),
        ({"quantity": "12,5x"}, "quantity", "not a number"),
        ({"quantity": -1}, "quantity", "negative"),
        ({"quantity": float("inf")}, "quantity", "finite"),
        ({"unit": None}, "unit", "required"),
        ({"unit": "furlongs"}, "unit", "unknown unit"),
        ({"unit": "MWh", "item": "diesel", "ncv": 43, "ncv_unit": "GJ/t"}, "ncv", "ncv is not used"),
        ({"ncv": 0, "ncv_unit": "GJ/t"}, "ncv", "positive"),
        ({"ncv": "abc", "ncv_unit": "GJ/t"}, "ncv", "not a number"),
        ({"ncv": 38}, "ncv_unit", "unit is required"),
        ({"ncv": 38, "ncv_unit": "bananas/t"}, "ncv_unit", "cannot parse"),
        ({"ncv": 38, "ncv_unit": "tC/t"}, "ncv_unit", "not an energy"),
        ({"carbon_content": -1, "carbon_content_unit": "tC/TJ"}, "carbon_content", "positive"),
        ({"carbon_content": 15.3}, "carbon_content_unit", "unit is required"),
        (
            {"carbon_content": 15.3, "carbon_content_unit": "GJ/t"},
            "carbon_content_unit",
            "not a carbon content",
        ),
        ({"oxidation_rate": 99}, "oxidation_rate", "fraction"),
        ({"oxidation_rate": 0}, "oxidation_rate", "fraction"),
        ({"factor": -2, "factor_unit": "tCO2/t"}, "factor", "negative"),
        ({"factor": 2}, "factor_unit", "unit is required"),
        ({"factor": 2, "factor_unit": "GJ/t"}, "factor_unit", "mass of gas"),
        ({"factor": 2, "factor_unit": "tC/t"}, "factor_unit", "carbon_content"),
        (
            {"factor": 2, "factor_unit": "tCO2/t", "oxidation_rate": 0.9},
            "oxidation_rate",
            "cannot be combined",
        ),
        ({"purity": 0.9}, "purity", "does not apply"),
        (
            {"category": "purchased_electricity", "unit": "MWh", "region": "Atlantis"},
            "region",
            "unknown region",
        ),
        ({"category": "purchased_electricity", "unit": "MWh", "region": "山西"}, "region", "no mee-nbs"),
        (
            {"category": "purchased_electricity", "unit": "MWh", "period": "2019"},
            "period",
            "available: 2021, 2022, 2023",
        ),
        ({"category": "purchased_electricity", "unit": "t"}, "unit", "energy"),
        ({"methodology": "MADE-UP-1"}, "methodology", "unknown methodology"),
        ({"methodology": "GHGP-S2-LB"}, "category", "not accounted by methodology"),
        ({"uncertainty_pct": -3}, "uncertainty_pct", "negative"),
        ({"uncertainty_pct": "lots"}, "uncertainty_pct", "not a number"),
        ({"category": "direct_gas", "item": "unobtainium", "unit": "t"}, "item", "unknown gas"),
        ({"category": "direct_gas", "item": "SF6", "unit": "MWh"}, "unit", "mass of the gas"),
        ({"category": "recovered_co2", "item": "CO2", "unit": "10^4 Nm3"}, "purity", "purity"),
        (
            {"category": "recovered_co2", "item": "CO2", "unit": "10^4 Nm3", "purity": 1.5},
            "purity",
            "fraction",
        ),
        (
            {"category": "process", "item": "unknown_process", "unit": "t"},
            "factor",
            "no default process factor",
        ),
        (
            {"category": "combustion", "item": "coal", "unit": "t"},
            "carbon_content",
            "no default carbon content",
        ),
        (
            {"category": "combustion", "item": "coal", "unit": "t", "methodology": "CN-MEE-POWER-2022rev"},
            "ncv",
            "no default NCV",
        ),
        ({"category": "combustion", "item": "diesel", "unit": "L"}, "unit", "density"),
        ({"methodology": "IPCC2006-T2"}, "factor", "country- or plant-specific"),
    ],
)
def test_bad_input_names_row_column_and_reason(changes, column, reason):
    errors = _errors(_one(**changes))
    assert len(errors) >= 1
    row, col, why = errors[0]
    assert row == 1 and col == column and reason in why, errors


def test_missing_required_column():
    rows = [{k: v for k, v in BASE.items() if k != "unit"}]
    assert _errors(rows) == [(1, "unit", "required column is missing (header row)")]


def test_every_bad_row_is_listed_not_just_the_first():
    rows = [
        BASE,
        {**BASE, "quantity": -1},
        BASE,
        {**BASE, "unit": "x"},
        {**BASE, "category": "y", "quantity": "z"},
    ]
    errors = _errors(rows)
    assert [(r, c) for r, c, _ in errors] == [(2, "quantity"), (4, "unit"), (5, "category"), (5, "quantity")]


def test_no_partial_result_on_error():
    with pytest.raises(ActivityDataError):
        account([BASE, {**BASE, "quantity": -1}])


def test_empty_input():
    assert _errors([]) == [(1, "entity", "the input has no activity lines")]


# -- row numbers in files ---------------------------------------------------------------------------
def _write_csv(path, rows):
    cols = list(dict.fromkeys(c for r in rows for c in r))
    lines = [",".join(cols)] + [",".join("" if r.get(c) is None else str(r[c]) for c in cols) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_csv_rows_count_the_header(tmp_path):
    p = tmp_path / "a.csv"
    _write_csv(p, [BASE, {**BASE, "quantity": "oops"}, {**BASE, "unit": "parsecs"}])
    frame, label = read_lines(p)
    with pytest.raises(ActivityDataError) as info:
        account(frame, source=str(p))
    errs = info.value.errors
    assert label == "row"
    assert [(e.row, e.column) for e in errs] == [(3, "quantity"), (4, "unit")]
    assert str(errs[0]).startswith(f"{p}, row 3, column 'quantity':")


def test_xlsx_rows_are_worksheet_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(BASE))
    ws.append(list(BASE.values()))
    ws.append([])  # an empty row keeps its number
    ws.append([*list(BASE.values())[:4], -5, "10^4 Nm3"])
    p = tmp_path / "a.xlsx"
    wb.save(p)
    frame, _ = read_lines(p)
    with pytest.raises(ActivityDataError) as info:
        account(frame, source=str(p))
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "quantity")]
    good = account(read_lines(p)[0].filter(pl.col("_row") < 4))
    assert good.total_tco2e == pytest.approx(21.62188809, rel=1e-12)


def test_json_records_are_numbered_from_one(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(json.dumps({"lines": [BASE, {**BASE, "quantity": "x"}]}), encoding="utf-8")
    frame, label = read_lines(p)
    with pytest.raises(ActivityDataError) as info:
        account(frame, source=str(p))
    e = info.value.errors[0]
    assert label == "record" and e.row_label == "record" and e.row == 2
    assert "record 2" in str(e)


def test_csv_and_xlsx_and_json_agree(tmp_path):
    rows = [
        BASE,
        {
            **BASE,
            "category": "purchased_electricity",
            "item": "grid",
            "unit": "MWh",
            "quantity": 10,
            "region": "江苏",
        },
    ]
    _write_csv(tmp_path / "a.csv", rows)
    (tmp_path / "a.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    cols = list(rows[1])
    ws.append(cols)
    for r in rows:
        ws.append([r.get(c) for c in cols])
    wb.save(tmp_path / "a.xlsx")
    totals = {
        ext: account(read_lines(tmp_path / f"a.{ext}")[0]).total_tco2e for ext in ("csv", "xlsx", "json")
    }
    assert len(set(totals.values())) == 1
    assert totals["csv"] == pytest.approx(21.62188809 + 10 * 0.5978, rel=1e-12)


# -- semantics ----------------------------------------------------------------------------------------
def test_scopes_and_gases_are_separated():
    res = account(
        [
            BASE,
            {**BASE, "category": "direct_gas", "item": "CH4", "quantity": 1, "unit": "t"},
            {**BASE, "category": "purchased_heat", "item": "steam", "quantity": 100, "unit": "GJ"},
        ],
        gwp="AR5",
    )
    e = res.entities["A"]
    assert e["by_scope"]["scope1"] == pytest.approx(21.62188809 + 28, rel=1e-12)
    assert e["by_scope"]["scope2"] == pytest.approx(11, rel=1e-12)
    assert e["by_gas"]["CH4"] == pytest.approx(28) and e["by_gas_t"]["CH4"] == pytest.approx(1)
    assert e["total_tco2e"] == pytest.approx(sum(e["by_gas"].values()), rel=1e-12)
    assert e["total_tco2e"] == pytest.approx(sum(e["by_scope"].values()), rel=1e-12)
    assert e["total_tco2e"] == pytest.approx(sum(e["by_category"].values()), rel=1e-12)


def test_gwp_choice_changes_only_non_co2():
    rows = [BASE, {**BASE, "category": "direct_gas", "item": "N2O", "quantity": 1, "unit": "t"}]
    ar4, ar6 = account(rows, gwp="AR4"), account(rows, gwp="AR6")
    assert ar6.total_tco2e - ar4.total_tco2e == pytest.approx(273 - 298)
    assert ar6.to_json()["gwp"] == "AR6"


def test_row_value_overrides_default():
    default = account(_one(item="diesel", quantity=10, unit="t"))
    measured = account(_one(item="diesel", quantity=10, unit="t", ncv=43, ncv_unit="GJ/t"))
    # 10 x 43 x 0.0202 x 0.98 x 44/12 versus the default NCV 42.652
    assert measured.total_tco2e == pytest.approx(10 * 43 * 0.0202 * 0.98 * 44 / 12, rel=1e-12)
    assert measured.total_tco2e / default.total_tco2e == pytest.approx(43 / 42.652, rel=1e-12)
    assert "ndrc2015.other.diesel.ncv@1" not in measured.record.factor_refs


def test_electricity_factor_from_region_and_year():
    rows = [
        {
            **BASE,
            "category": "purchased_electricity",
            "item": "grid",
            "unit": "MWh",
            "quantity": 1,
            "region": r,
            "period": y,
        }
        for r, y in [("110000", "2021"), ("北京", "2022"), ("Beijing", "2023")]
    ]
    res = account(rows)
    refs = res.lines["factors"].to_list()
    assert [f[0] for f in refs] == [
        "mee_nbs.2021.province_110000.co2@1",
        "mee_nbs.2022.province_110000.co2@1",
        "mee_nbs.2023.province_110000.co2@1",
    ]
    assert res.total_tco2e == pytest.approx(0.5688 + 0.5580 + 0.5554, rel=1e-12)


def test_vintage_is_never_chosen_silently():
    row = _one(category="purchased_electricity", item="grid", unit="MWh", region="广东", period="2025")
    assert _errors(row)[0][1] == "period"
    res = account(row, vintage="latest")
    assert res.lines["factors"][0][0] == "mee_nbs.2023.province_440000.co2@1"
    assert "data year 2023" in res.lines["flags"][0] and any("--vintage latest" in n for n in res.notes)


def test_pinned_grid_factor_outside_its_years_is_flagged():
    res = account(
        _one(
            category="purchased_electricity",
            item="grid",
            unit="MWh",
            period="2024",
            methodology="CN-MEE-POWER-2022rev",
        )
    )
    assert res.total_tco2e == pytest.approx(0.5810)
    assert "documented for data years 2021-2021" in res.lines["flags"][0]


def test_factor_set_cn_ets_follows_validity_years():
    rows = [
        {
            **BASE,
            "category": "purchased_electricity",
            "item": "grid",
            "unit": "MWh",
            "quantity": 1000,
            "period": y,
        }
        for y in ("2019", "2021", "2024")
    ]
    res = account(rows, factor_set="cn-ets")
    assert [f[0] for f in res.lines["factors"].to_list()] == [
        "cn_ets.grid.2019.co2@1",
        "cn_ets.grid.2022_111.co2@1",
        "cn_ets.grid.2022_485.co2@1",
    ]
    assert res.total_tco2e == pytest.approx(610.1 + 581.0 + 570.3, rel=1e-12)


def test_unverified_factors_are_flagged_in_the_result():
    res = account([BASE])
    assert res.factor_statuses.get("transcribed-unverified", 0) >= 3
    assert any("transcribed-unverified" in n for n in res.notes)


def test_lines_carry_factor_ids_and_trace():
    res = account([BASE])
    line = res.lines.row(0, named=True)
    assert line["row"] == 1 and line["tco2e"] == pytest.approx(21.62188809, rel=1e-12)
    assert "ndrc2015.other.natural_gas.ncv@1" in line["factors"]
    key = next(iter(res.keys.values()))
    assert any("44/12" in step for step in key.trace)


def test_input_frame_is_not_modified():
    df = pl.DataFrame([BASE])
    before = df.clone()
    account(df)
    assert df.equals(before)


def test_counterparty_is_carried_to_lines():
    res = account(
        [
            {
                **BASE,
                "category": "purchased_electricity",
                "item": "grid",
                "unit": "MWh",
                "region": "广东",
                "counterparty": "B",
            }
        ]
    )
    assert res.lines["counterparty"].to_list() == ["B"]


# -- properties ---------------------------------------------------------------------------------------

_kinds = [
    {"category": "combustion", "item": "diesel", "unit": "t"},
    {"category": "combustion", "item": "natural_gas", "unit": "10^4 Nm3"},
    {"category": "purchased_electricity", "item": "grid", "unit": "MWh", "region": "广东"},
    {"category": "exported_heat", "item": "steam", "unit": "GJ"},
    {"category": "direct_gas", "item": "CH4", "unit": "kg"},
]
_line = st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.sampled_from(range(len(_kinds))),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_line, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_row_order_and_entities_add_up(lines, rnd):
    rows = [{"entity": e, "period": "2022", "quantity": q, **_kinds[k]} for e, k, q in lines]
    res = account(rows, keep_lines=False)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    again = account(shuffled, keep_lines=False)
    for e, v in res.entities.items():
        assert again.entities[e]["total_tco2e"] == pytest.approx(v["total_tco2e"], rel=1e-12, abs=1e-9)
    assert sum(v["total_tco2e"] for v in res.entities.values()) == pytest.approx(
        res.total_tco2e, rel=1e-12, abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(range(len(_kinds))), st.floats(min_value=0.001, max_value=1e6), st.floats(0.01, 0.99))
def test_splitting_a_line_does_not_change_the_total(kind, quantity, share):
    one = account([{"entity": "A", "period": "2022", "quantity": quantity, **_kinds[kind]}])
    two = account(
        [
            {"entity": "A", "period": "2022", "quantity": quantity * share, **_kinds[kind]},
            {"entity": "A", "period": "2022", "quantity": quantity * (1 - share), **_kinds[kind]},
        ]
    )
    assert two.total_tco2e == pytest.approx(one.total_tco2e, rel=1e-9, abs=1e-9)


def test_category_breakdown_is_optional_and_consistent():
    rows = [{"entity": "A", "period": "2022", "quantity": 3.5, **k} for k in _kinds]
    full, lean = account(rows), account(rows, categories=False)
    assert lean.entities["A"]["by_category"] == {}
    for key in ("total_tco2e",):
        assert lean.entities["A"][key] == pytest.approx(full.entities["A"][key], rel=1e-12)
    assert lean.entities["A"]["by_scope"] == pytest.approx(full.entities["A"]["by_scope"], rel=1e-12)
    assert lean.entities["A"]["by_gas"] == pytest.approx(full.entities["A"]["by_gas"], rel=1e-12)
