"""Reading and writing observations, priors and meteorology (CSV and NetCDF)."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.errors import InputError
from dualcarbon.inversion.io import (
    Observations,
    read_facilities,
    read_gridded_prior,
    read_meteorology,
    read_observations,
    read_prior,
    write_observations,
    write_table,
)

from .inversion_problems import DATA


def _obs() -> Observations:
    return Observations(
        time=np.array(["2026-01-01T00:00:00", "2026-01-01T01:30:00"], dtype="datetime64[s]"),
        lon=np.array([116.1, 116.2]),
        lat=np.array([39.9, 40.0]),
        value=np.array([421.5, 419.25]),
        uncertainty=np.array([0.5, 0.7]),
        source_id=np.array(["S1", "OCO2"], dtype=object),
        height_m=np.array([10.0, 0.0]),
        background=np.array([420.0, 419.0]),
        unit="ppm",
    )


@pytest.mark.parametrize("suffix", [".csv", ".nc"])
def test_observations_round_trip(tmp_path, suffix) -> None:
    path = write_observations(tmp_path / f"obs{suffix}", _obs())
    back = read_observations(path)
    ref = _obs()
    np.testing.assert_array_equal(back.time, ref.time)
    for name in ("lon", "lat", "value", "uncertainty", "height_m", "background"):
        np.testing.assert_allclose(getattr(back, name), getattr(ref, name))
    assert back.source_id.tolist() == ["S1", "OCO2"]
    assert len(back) == 2
    if suffix == ".nc":
        assert back.unit == "ppm"


def test_observation_aliases_and_utc_suffix(tmp_path) -> None:
    p = tmp_path / "o.csv"
    p.write_text(
        "Timestamp,Longitude,Latitude,Value,Sigma,Station\n"
        "2026-01-01T00:00:00Z,116,40,1.5,0.1,A\n2026-01-01 01:00:00+00:00,116,40,1.0,0.1,A\n"
    )
    obs = read_observations(p)
    assert obs.time.tolist()[1] == np.datetime64("2026-01-01T01:00:00").astype(object)
    assert obs.height_m is None and obs.background is None


def test_missing_column_and_bad_values_name_the_place(tmp_path) -> None:
    p = tmp_path / "o.csv"
    p.write_text("time,lon,lat,value,id\n2026-01-01T00:00:00,116,40,1.5,A\n")
    with pytest.raises(InputError, match="missing column 'uncertainty'") as exc:
        read_observations(p)
    assert exc.value.column == "uncertainty"
    p.write_text("time,lon,lat,value,uncertainty,id\n2026-01-01T00:00:00,116,40,1.5,0,A\n")
    with pytest.raises(InputError, match="row 1") as exc:
        read_observations(p)
    assert exc.value.column == "uncertainty"
    p.write_text("time,lon,lat,value,uncertainty,id\nyesterday,116,40,1.5,1,A\n")
    with pytest.raises(InputError, match="ISO 8601"):
        read_observations(p)
    with pytest.raises(InputError, match="not found"):
        read_observations(tmp_path / "nope.csv")


def test_example_facilities_and_met() -> None:
    fac = read_facilities(DATA / "facilities.csv")
    assert len(fac) == 8 and fac.id[2] == "F03" and fac.height_m is not None and fac.name is not None
    met = read_meteorology(DATA / "met.csv")
    assert len(met.time) == 72 and set(met.stability) <= set("ABCDEF")
    assert read_prior(DATA / "facilities.csv").kind == "facilities"


def test_duplicate_facility_ids_are_rejected(tmp_path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("id,lon,lat,emission,uncertainty\nA,1,1,10,1\nA,2,2,10,1\n")
    with pytest.raises(InputError, match="unique"):
        read_facilities(p)


def test_meteorology_nearest_record_and_gap(tmp_path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("time,wind_speed,wd,stability\n2026-01-01T00:00:00,2,270,d\n2026-01-01T01:00:00,3,90,E\n")
    met = read_meteorology(p)
    t = np.array(["2026-01-01T00:20:00", "2026-01-01T00:40:00", "2026-01-01T01:50:00"], dtype="datetime64[s]")
    at = met.at(t)
    assert at["wind_speed_m_s"].tolist() == [2.0, 3.0, 3.0]
    assert at["stability"].tolist() == ["D", "E", "E"]
    with pytest.raises(InputError, match="no meteorology within 600 s"):
        met.at(t, max_gap_s=600)
    p.write_text("time,wind_speed,wd,stability\n2026-01-01T00:00:00,2,270,Q\n")
    with pytest.raises(InputError, match="Pasquill"):
        read_meteorology(p)


def test_gridded_prior(tmp_path) -> None:
    import netCDF4

    path = tmp_path / "grid.nc"
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("lat", 2)
        ds.createDimension("lon", 3)
        ds.createVariable("lat", "f8", ("lat",))[:] = [39.9, 40.0]
        ds.createVariable("lon", "f8", ("lon",))[:] = [116.0, 116.1, 116.2]
        ds.createVariable("emission", "f8", ("lat", "lon"))[:] = [[1.0, 0.0, 3.0], [4.0, 5.0, 6.0]]
    grid = read_gridded_prior(path, relative_uncertainty=0.5)
    assert grid.kind == "grid" and len(grid) == 5  # the zero cell has no uncertainty: left out
    assert grid.id.tolist() == ["cell_0_0", "cell_0_2", "cell_1_0", "cell_1_1", "cell_1_2"]
    np.testing.assert_allclose(grid.uncertainty, [0.5, 1.5, 2.0, 2.5, 3.0])
    np.testing.assert_allclose(grid.lat, [39.9, 39.9, 40.0, 40.0, 40.0])
    with pytest.raises(InputError, match="relative_uncertainty"):
        read_gridded_prior(path)


def test_write_table_netcdf_types(tmp_path) -> None:
    import netCDF4

    p = write_table(
        tmp_path / "t.nc",
        {
            "id": np.array(["a", "b"], dtype=object),
            "x": np.array([1.0, 2.0]),
            "flag": np.array([True, False]),
        },
        dim="state",
        attrs={"dofs": 1.5},
        units={"x": "t/yr"},
    )
    with netCDF4.Dataset(p) as ds:
        assert ds.dofs == 1.5 and ds["x"].units == "t/yr" and list(ds["flag"][:]) == [1, 0]
        assert list(ds["id"][:]) == ["a", "b"]
