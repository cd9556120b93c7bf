"""``dualcarbon invert CONFIG`` end to end on the shipped synthetic example."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from dualcarbon.cli import app

from .inversion_problems import DATA


@pytest.fixture
def example(tmp_path):
    for name in ("example.toml", "facilities.csv", "met.csv", "observations.csv", "truth.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def test_invert_example_writes_outputs_and_flags_the_misreporting_facility(example) -> None:
    result = CliRunner().invoke(app, ["invert", str(example / "example.toml")])
    assert result.exit_code == 0, result.output
    assert "flagged F03" in result.output
    out = example / "example-output"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["form"] == "state" and summary["n_state"] == 8 and summary["n_obs"] == 432
    assert [f["id"] for f in summary["flagged_facilities"]] == ["F03"]
    assert summary["flagged_facilities"][0]["z"] > 3.0
    assert 0 < summary["dofs"] <= 8
    assert summary["crosscheck"]["threshold"] == 3.0
    assert summary["total"]["posterior_sd"] < summary["total"]["prior_sd"]

    import polars as pl

    table = pl.read_csv(out / "posterior.csv")
    truth = pl.read_csv(example / "truth.csv")
    assert table["id"].to_list() == truth["id"].to_list()
    # the posterior recovers the synthetic truth within 3 posterior sigma (plus 2 % for the transport error)
    err = np.abs(table["posterior"].to_numpy() - truth["true_emission"].to_numpy())
    assert (err <= 3 * table["posterior_sd"].to_numpy() + 0.02 * truth["true_emission"].to_numpy()).all()

    import netCDF4

    with netCDF4.Dataset(out / "posterior.nc") as ds:
        assert ds["posterior_cov"].shape == (8, 8)
        assert ds.form == "state" and ds["posterior"].units == "t/yr"


def test_invert_options_override_the_config(example, tmp_path) -> None:
    target = tmp_path / "elsewhere"
    result = CliRunner().invoke(
        app,
        [
            "invert",
            str(example / "example.toml"),
            "--form",
            "observation",
            "--output-dir",
            str(target),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((target / "summary.json").read_text())
    assert summary["form"] == "observation"
    assert [f["id"] for f in summary["flagged_facilities"]] == ["F03"]


def test_invert_reports_config_errors_cleanly(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[observations]\npath = "missing.csv"\n[prior]\npath = "f.csv"\n[met]\npath = "m.csv"\n')
    result = CliRunner().invoke(app, ["invert", str(bad)])
    assert result.exit_code == 1
    assert "missing.csv:filenotfound" in "".join(result.output.split())  # rich wraps lines anywhere


def test_invert_with_a_precomputed_jacobian(tmp_path) -> None:
    rng = np.random.default_rng(3)
    K = rng.uniform(0, 1, (50, 4))
    truth = np.array([10.0, 20.0, 30.0, 40.0])
    np.save(tmp_path / "K.npy", K)
    t = np.datetime_as_string(np.datetime64("2026-01-01T00:00:00") + np.arange(50).astype("timedelta64[h]"))
    rows = "\n".join(
        f"{t[i]},116,40,{v:.6f},0.1,S" for i, v in enumerate(K @ truth + 0.1 * rng.standard_normal(50))
    )
    (tmp_path / "o.csv").write_text("time,lon,lat,value,uncertainty,id\n" + rows + "\n")
    (tmp_path / "f.csv").write_text(
        "id,lon,lat,emission,uncertainty\n" + "\n".join(f"P{i},116,40,25,20" for i in range(4)) + "\n"
    )
    (tmp_path / "c.toml").write_text(
        '[observations]\npath="o.csv"\n[prior]\npath="f.csv"\nunit="g/s"\n'
        '[forward]\nmodel="jacobian"\njacobian=["K.npy"]\n'
        '[output]\ndirectory="out"\nnetcdf=""\n'
    )
    result = CliRunner().invoke(app, ["invert", str(tmp_path / "c.toml"), "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "netcdf" not in summary["outputs"]
    import polars as pl

    post = pl.read_csv(tmp_path / "out" / "posterior.csv")["posterior"].to_numpy()
    np.testing.assert_allclose(post, truth, atol=0.5)
