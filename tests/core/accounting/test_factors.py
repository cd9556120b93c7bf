"""The factor reference database: shipped tables, provenance, append-only versions, lookup."""

from __future__ import annotations

import csv
import json
from importlib.resources import files

import pytest

from dualcarbon.accounting import FactorDatabase, FactorRecord, JsonLinesFactorStore, Provenance, Uncertainty
from dualcarbon.accounting.factors import STATUSES
from dualcarbon.errors import DataNotFound, InputError

FOLDER = files("dualcarbon.data") / "factors"
PROVENANCE_FIELDS = {
    "table",
    "title",
    "source",
    "locator",
    "edition",
    "publisher",
    "document_no",
    "published_on",
    "source_url",
    "licence",
    "retrieval_note",
    "status",
}


def _tables():
    return sorted(p.name[:-4] for p in FOLDER.iterdir() if p.name.endswith(".csv"))


@pytest.mark.parametrize("table", _tables())
def test_every_table_has_a_complete_provenance_record(table):
    prov = json.loads((FOLDER / f"{table}.provenance.json").read_text(encoding="utf-8"))
    assert set(prov) >= PROVENANCE_FIELDS
    assert prov["table"] == table
    for key in ("title", "source", "locator", "edition", "publisher", "licence", "retrieval_note"):
        assert prov[key], f"{table}: provenance field {key} is empty"
    assert prov["status"] in STATUSES


@pytest.mark.parametrize("table", _tables())
def test_no_unconfirmed_value_is_presented_as_official(table):
    prov = json.loads((FOLDER / f"{table}.provenance.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((FOLDER / f"{table}.csv").read_text(encoding="utf-8").splitlines()))
    assert rows, table
    for row in rows:
        assert row["status"] in STATUSES
        if prov["status"] != "official":
            assert row["status"] != "official", f"{row['id']} is official in an unverified table"
    if not table.startswith("gwp_"):
        # research/accounting.md confirms only the GWP sets (read in a primary dataset)
        assert {r["status"] for r in rows} == {"transcribed-unverified"}


def test_ids_are_unique_and_tables_are_not_merged(shipped_db):
    # a shipped table may hold several versions of an id (the IPCC tables add version 2 rows with
    # their 95 % ranges), so versions are unique per id@version and each id lives in one table only
    refs = [r.ref for r in shipped_db]
    assert len(refs) == len(set(refs))
    table_of = {}
    for r in shipped_db:
        assert table_of.setdefault(r.id, r.provenance.table) == r.provenance.table, r.ref
    prefixes = {}
    for r in shipped_db:
        prefixes.setdefault(r.provenance.table, set()).add(r.id.rsplit(".", 2)[0])
    # the carbon-market grid factors and the MEE/NBS statistical factors live in different tables
    assert {r.provenance.table for r in shipped_db.find(family="grid_electricity", level="national")} >= {
        "cn_ets_grid_2022_485",
        "mee_nbs_electricity_2022",
    }


@pytest.mark.parametrize(
    ("ref", "value", "unit"),
    [
        ("cn_ets.grid.2022_485.co2@1", "0.5703", "tCO2/MWh"),
        ("cn_ets.grid.2022_111.co2@1", "0.5810", "tCO2/MWh"),
        ("cn_ets.grid.2019.co2@1", "0.6101", "tCO2/MWh"),
        ("mee_nbs.2021.national.co2@1", "0.5568", "kgCO2/kWh"),
        ("mee_nbs.2022.national.co2@1", "0.5366", "kgCO2/kWh"),
        ("mee_nbs.2023.national.co2@1", "0.5306", "kgCO2/kWh"),
        ("mee_nbs.2022.province_440000.co2@1", "0.4403", "kgCO2/kWh"),
        ("mee_nbs.2023.province_510000.co2@1", "0.1564", "kgCO2/kWh"),
        ("mee_nbs.2021.grid_north.co2@1", "0.7120", "kgCO2/kWh"),
        ("mee.power.2022rev.coal.cc@1", "0.03356", "tC/GJ"),
        ("mee.power.2022_485.coal.cc@1", "0.03085", "tC/GJ"),
        ("ipcc2006.v2.t1.4.natural_gas.co2@1", "56100", "kg/TJ"),
        ("ipcc2006.v2.t1.2.lignite.ncv@1", "11.9", "TJ/Gg"),
        ("ndrc2015.other.natural_gas.ncv@1", "389.31", "GJ/10^4 Nm3"),
        ("ndrc2015.other.purchased_heat.co2@1", "0.11", "tCO2/GJ"),
        ("gbt2589.2020.tce.energy@1", "29.3076", "GJ/tce"),
    ],
)
def test_research_values(shipped_db, ref, value, unit):
    rec = shipped_db.get(ref)
    assert (rec.value, rec.unit) == (value, unit)


def test_records_carry_provenance_fields(shipped_db):
    rec = shipped_db.get("mee_nbs.2022.national.co2")
    d = rec.to_dict()
    assert d["document_no"] == "生态环境部、国家统计局公告2024年第33号"
    assert d["published_on"] == "2024-12-26"
    assert d["publisher"].startswith("生态环境部")
    assert d["data_year"] == 2022 and d["status"] == "transcribed-unverified"


def test_coal_ncv_is_not_shipped_where_transcriptions_disagree(shipped_db):
    assert not shipped_db.find(family="ncv", item="anthracite", table="ndrc2015_other_industry")


def _user_record(fid="user.test.factor", version=1, value="1.5", supersedes="", unc=None):
    return FactorRecord(
        id=fid,
        version=version,
        family="process",
        item="widget",
        gas="CO2",
        value=value,
        unit="tCO2/t",
        status="user",
        provenance=Provenance(table="user", source="plant measurement 2024"),
        supersedes=supersedes,
        uncertainty=unc,
    )


def test_append_only_versions(tmp_path):
    db = FactorDatabase(JsonLinesFactorStore(tmp_path / "user.jsonl"))
    db.add(_user_record())
    with pytest.raises(InputError, match="append-only"):
        db.add(_user_record(value="2.0"))  # same id, version 1 again
    with pytest.raises(InputError, match="supersedes"):
        db.add(_user_record(version=2, value="2.0"))
    db.add(_user_record(version=2, value="2.0", supersedes="user.test.factor@1"))
    assert db.get("user.test.factor").value == "2.0"
    assert db.get("user.test.factor@1").value == "1.5"
    assert [r.version for r in db.versions("user.test.factor")] == [1, 2]
    # a fresh database reads the same history back from the store
    again = FactorDatabase(JsonLinesFactorStore(tmp_path / "user.jsonl"))
    assert again.get("user.test.factor@1").value == "1.5" and again.get("user.test.factor").version == 2


def test_correcting_a_shipped_factor_keeps_the_old_version():
    db = FactorDatabase()
    new = db.correct("cn_ets.grid.2022_485.co2", value="0.5700", status="user", note="test correction")
    assert new.ref == "cn_ets.grid.2022_485.co2@2" and new.supersedes == "cn_ets.grid.2022_485.co2@1"
    assert db.get("cn_ets.grid.2022_485.co2@1").value == "0.5703"


def test_lookup_errors(shipped_db):
    with pytest.raises(DataNotFound):
        shipped_db.get("no.such.factor")
    with pytest.raises(DataNotFound, match="no version 9"):
        shipped_db.get("cn_ets.grid.2022_485.co2@9")


def test_find_and_search(shipped_db):
    hits = shipped_db.find(family="grid_electricity", region="440000", year=2022)
    assert [h.value for h in hits] == ["0.4403"]
    assert (
        shipped_db.find(family="grid_electricity", region="CN", level="national", year=2024)[0].value
        == "0.5703"
    )
    found = shipped_db.search("485号")
    assert {r.id for r in found} >= {"cn_ets.grid.2022_485.co2", "mee.power.2022_485.coal.cc"}
    assert shipped_db.search("广东 2023")[0].value == "0.4419"


def test_bad_records_are_rejected():
    with pytest.raises(InputError, match="status"):
        FactorRecord(
            id="x.y",
            version=1,
            family="f",
            item="i",
            gas="CO2",
            value="1",
            unit="t/t",
            status="guess",
            provenance=Provenance(table="t"),
        )
    with pytest.raises(InputError, match="decimal"):
        FactorRecord(
            id="x.y",
            version=1,
            family="f",
            item="i",
            gas="CO2",
            value="one",
            unit="t/t",
            status="user",
            provenance=Provenance(table="t"),
        )
    with pytest.raises(InputError, match="lower-case"):
        FactorRecord(
            id="X Y",
            version=1,
            family="f",
            item="i",
            gas="CO2",
            value="1",
            unit="t/t",
            status="user",
            provenance=Provenance(table="t"),
        )
    with pytest.raises(InputError, match="distribution"):
        Uncertainty("cauchy", -5, 5)
    with pytest.raises(InputError, match="bounds"):
        Uncertainty("normal", 5, 10)


def test_value_is_exact(shipped_db):
    from fractions import Fraction

    assert shipped_db.get("mee.power.2022rev.coal.cc").exact == Fraction(3356, 100_000)
