"""Observation uploads: all or nothing. A file with bad rows stores nothing and answers every bad row
(file, row, column, reason) on the page and in the API's one error shape; good CSV and NetCDF files
are parsed by the core's readers and stored with an audit entry."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dualcarbon.inversion.io import Observations, write_observations
from dualcarbon_web.inversion import services
from dualcarbon_web.inversion.models import ObservationSet
from dualcarbon_web.platform.models import AuditEntry

GOOD = (
    "time,lon,lat,value,uncertainty,id\n"
    "2023-07-01T00:00:00Z,113.14,23.03,421.5,0.5,GZ-01\n"
    "2023-07-01T01:00:00Z,113.14,23.03,422.0,0.5,GZ-01\n"
    "2023-07-01T01:00:00Z,113.15,23.04,420.9,0.5,GZ-02\n"
)
MET = (
    "time,wind_speed_m_s,wind_from_deg,stability,mixing_height_m\n"
    "2023-07-01T00:00:00Z,4.0,270,D,1000\n"
    "2023-07-01T01:00:00Z,3.5,280,C,1200\n"
)
BAD = (
    "time,lon,lat,value,uncertainty,id\n"
    "2023-07-01T00:00:00Z,113.14,23.03,421.5,0.5,GZ-01\n"  # row 2: fine
    "yesterday,113.14,23.03,422.0,0.5,GZ-01\n"  # row 3: time
    "2023-07-01T01:00:00Z,213.14,23.03,abc,0,GZ-02\n"  # row 4: lon, value, uncertainty
    "2023-07-01T01:00:00Z,113.15,23.04,420.9,0.5,\n"  # row 5: id
)


def _upload(user, obs=GOOD, met=MET, name="站点观测", obs_name="obs.csv"):
    return services.observation_set_upload(
        user=user,
        name=name,
        content=obs.encode() if isinstance(obs, str) else obs,
        filename=obs_name,
        met_content=met.encode(),
        met_filename="met.csv",
        region_code=None,
    )


def test_good_csv_is_stored_with_an_audit_entry(province):
    obs_set = _upload(province.regulator)
    assert obs_set.n_obs == 3 and obs_set.region == province.regulator.jurisdiction
    assert [s["id"] for s in obs_set.stations] == ["GZ-01", "GZ-02"]
    assert obs_set.data["value"] == [421.5, 422.0, 420.9]
    assert obs_set.met["stability"] == ["D", "C"]
    entry = AuditEntry.objects.get(object_type="inversion.observationset", object_id=str(obs_set.pk))
    assert entry.action == "import" and entry.after["n_obs"] == 3 and entry.user == province.regulator


def test_netcdf_is_read_by_the_core(province, tmp_path):
    obs = Observations(
        time=np.array(["2023-07-01T00:00:00", "2023-07-01T01:00:00"], dtype="datetime64[s]"),
        lon=np.array([113.1, 113.2]),
        lat=np.array([23.0, 23.1]),
        value=np.array([420.5, 421.0]),
        uncertainty=np.array([0.3, 0.3]),
        source_id=np.array(["A", "B"], dtype=object),
        unit="ppm",
    )
    path = write_observations(tmp_path / "obs.nc", obs)
    obs_set = _upload(province.regulator, obs=path.read_bytes(), obs_name="obs.nc")
    assert obs_set.n_obs == 2 and obs_set.data["time"] == ["2023-07-01T00:00:00Z", "2023-07-01T01:00:00Z"]


def test_bad_rows_are_all_named_and_nothing_is_stored(province):
    before = AuditEntry.objects.count()
    with pytest.raises(services.ObservationsRejected) as exc:
        _upload(province.regulator, obs=BAD)
    got = {(r["row"], r["column"]) for r in exc.value.rows}
    assert got == {(3, "time"), (4, "lon"), (4, "value"), (4, "uncertainty"), (5, "id")}
    reasons = {(r["row"], r["column"]): r["reason"] for r in exc.value.rows}
    assert "not an ISO 8601" in reasons[(3, "time")]
    assert "outside [-180, 180]" in reasons[(4, "lon")]
    assert "> 0" in reasons[(4, "uncertainty")]
    assert ObservationSet.objects.count() == 0 and AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("obs", "met", "expected"),
    [
        (GOOD.replace("uncertainty", "sd"), MET, ("observations", 1, "uncertainty")),
        (GOOD.replace("2023-07-01T01:00:00Z", "2023-07-03T01:00:00Z"), MET, ("observations", 3, "time")),
        (GOOD, MET.replace(",D,", ",Q,"), ("meteorology", 2, "stability")),
    ],
)
def test_missing_columns_met_gaps_and_bad_met_rows(province, obs, met, expected):
    with pytest.raises(services.ObservationsRejected) as exc:
        _upload(province.regulator, obs=obs, met=met)
    assert (exc.value.rows[0]["file"], exc.value.rows[0]["row"], exc.value.rows[0]["column"]) == expected
    assert ObservationSet.objects.count() == 0


def test_upload_page_lists_bad_rows(province, login):
    client = login(province.regulator)
    resp = client.post(
        "/inversion/observations/upload/",
        {
            "name": "坏文件",
            "unit": "ppm",
            "gas": "CO2",
            "file": SimpleUploadedFile("obs.csv", BAD.encode()),
            "met_file": SimpleUploadedFile("met.csv", MET.encode()),
        },
    )
    html = resp.content.decode()
    assert resp.status_code == 400 and 'data-testid="row-errors"' in html
    assert 'data-row="4" data-column="uncertainty"' in html
    assert ObservationSet.objects.count() == 0
    resp = client.post(
        "/inversion/observations/upload/",
        {
            "name": "好文件",
            "unit": "ppm",
            "gas": "CO2",
            "file": SimpleUploadedFile("obs.csv", GOOD.encode()),
            "met_file": SimpleUploadedFile("met.csv", MET.encode()),
        },
    )
    assert resp.status_code == 302 and ObservationSet.objects.get().name == "好文件"


def test_upload_api_error_shape(province, token_client):
    api = token_client(province.regulator)
    resp = api.post(
        "/api/v1/inversion/observation-sets",
        {"name": "bad", "file": _named(BAD, "obs.csv"), "met_file": _named(MET)},
    )
    body = resp.json()
    assert resp.status_code == 400 and body["code"] == "validation_error"
    assert {(r["row"], r["column"]) for r in body["extra"]["rows"]} >= {(4, "lon"), (5, "id")}
    assert ObservationSet.objects.count() == 0
    resp = api.post(
        "/api/v1/inversion/observation-sets",
        {"name": "good", "file": _named(GOOD, "obs.csv"), "met_file": _named(MET)},
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["n_obs"] == 3 and resp.json()["kind"] == "uploaded"
    listed = api.get("/api/v1/inversion/observation-sets").json()
    assert listed["count"] == 1
    # a region outside the jurisdiction is a field error
    resp = api.post(
        "/api/v1/inversion/observation-sets",
        {"name": "x", "region": "430300", "file": _named(GOOD, "obs.csv"), "met_file": _named(MET)},
    )
    assert resp.status_code == 400 and "region" in resp.json()["extra"]["fields"]


def _named(text: str, name: str = "met.csv") -> io.BytesIO:
    f = io.BytesIO(text.encode())
    f.name = name
    return f
