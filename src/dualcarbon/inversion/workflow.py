"""Running a configured inversion end to end: read, build ``K``, invert, cross-check, write.

This is what ``dualcarbon invert CONFIG`` (and the platform's background job) calls. Reading and
writing files happens here, at the edge; the numbers come from the pure functions of the package.

Steps of :func:`run_inversion`:

1. read observations, the prior (facilities or grid) and the meteorology;
2. observations: ``y = value - background`` (the file's ``background`` column, else the config's),
   ``R = diag((obs_error_scale * uncertainty)^2 + model_error^2)``;
3. prior: ``x_a = emission``, ``S_a = diag((error_scale * uncertainty)^2)``;
4. Jacobian: Gaussian plumes from every source to every observation with the meteorology valid at
   the observation time (streamed in blocks), in (obs unit) per (prior unit); or precomputed
   ``.npy`` files;
5. :func:`~dualcarbon.inversion.posterior.invert`;
6. :func:`~dualcarbon.inversion.crosscheck.inventory_check` with the prior as the reported
   inventory: facilities beyond the threshold are flagged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dualcarbon.inversion.config import InversionConfig
from dualcarbon.inversion.conversions import emission_g_s, mixing_ratio
from dualcarbon.inversion.crosscheck import InventoryCheck, inventory_check
from dualcarbon.inversion.errors import InvalidConfig, ShapeMismatch
from dualcarbon.inversion.io import (
    Observations,
    PointSources,
    read_meteorology,
    read_observations,
    read_prior,
    write_table,
)
from dualcarbon.inversion.jacobian import ChunkedJacobian, JacobianSource
from dualcarbon.inversion.operators import PlumeJacobian, local_xy_m
from dualcarbon.inversion.posterior import invert
from dualcarbon.inversion.result import InversionResult

__all__ = ["InversionRun", "jacobian_scale", "run_inversion", "write_outputs"]

#: ``progress(stage, done, total)``; stages: "read", "jacobian", "solve", "write".
StageProgress = Callable[[str, int, int], None]

_STATE_TO_G_S = {"t/yr": float(emission_g_s(1.0)), "kg/s": 1000.0, "g/s": 1.0}


def jacobian_scale(cfg: InversionConfig) -> float:
    """Factor from the plume's (µg/m³)/(g/s) to (observation unit)/(prior unit)."""
    state = _STATE_TO_G_S[cfg.prior.unit]
    unit = cfg.observations.unit
    if unit == "ug/m3":
        obs = 1.0
    else:
        obs = float(
            mixing_ratio(
                1.0,
                gas=cfg.forward.gas,
                unit=unit,
                temperature_k=cfg.forward.temperature_k,
                pressure_pa=cfg.forward.pressure_pa,
            )
        )
    return state * obs


@dataclass(eq=False)
class InversionRun:
    """Everything a configured inversion produced."""

    config: InversionConfig
    observations: Observations
    sources: PointSources
    result: InversionResult
    check: InventoryCheck
    timings_s: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)


def _jacobian(cfg: InversionConfig, obs: Observations, sources: PointSources) -> JacobianSource:
    m, n = len(obs), len(sources)
    if cfg.forward.model == "jacobian":
        k = ChunkedJacobian.from_files(cfg.forward.jacobian)
        if k.shape != (m, n):
            raise ShapeMismatch(
                f"the Jacobian files hold {k.shape}; the observations and prior need {(m, n)}",
                source=str(cfg.source),
                column="forward.jacobian",
            )
        return k
    met = read_meteorology(cfg.met.path).at(obs.time, max_gap_s=cfg.met.max_gap_s)  # type: ignore[arg-type]
    lon0, lat0 = cfg.forward.origin or (float(np.mean(sources.lon)), float(np.mean(sources.lat)))
    sx, sy = local_xy_m(sources.lon, sources.lat, lon0, lat0)
    rx, ry = local_xy_m(obs.lon, obs.lat, lon0, lat0)
    heights = sources.height_m if sources.height_m is not None else np.full(n, cfg.prior.default_height_m)
    rz = obs.height_m if obs.height_m is not None else np.full(m, cfg.observations.default_height_m)
    return PlumeJacobian(
        source_x_m=sx,
        source_y_m=sy,
        source_h_m=heights,
        receptor_x_m=rx,
        receptor_y_m=ry,
        receptor_z_m=rz,
        wind_speed_m_s=met["wind_speed_m_s"],
        wind_from_deg=met["wind_from_deg"],
        stability=met["stability"],
        mixing_height_m=met.get("mixing_height_m"),
        terrain=cfg.forward.terrain,
        scale=jacobian_scale(cfg),
    )


def run_inversion(cfg: InversionConfig, *, progress: StageProgress | None = None) -> InversionRun:
    """Run the inversion described by ``cfg`` (nothing is written; see :func:`write_outputs`)."""
    notify = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    notify("read", 0, 1)
    obs = read_observations(cfg.observations.path, unit=cfg.observations.unit)
    sources = read_prior(
        cfg.prior.path,
        kind=cfg.prior.kind,
        unit=cfg.prior.unit,
        relative_uncertainty=cfg.prior.relative_uncertainty,
    )
    if len(obs) == 0 or len(sources) == 0:
        raise InvalidConfig("no observations or no prior state elements to invert", source=str(cfg.source))
    background = obs.background if obs.background is not None else cfg.observations.background
    y = obs.value - background
    obs_var = (cfg.errors.obs_error_scale * obs.uncertainty) ** 2 + cfg.errors.model_error**2
    prior_var = (cfg.prior.error_scale * sources.uncertainty) ** 2
    k = _jacobian(cfg, obs, sources)
    notify("read", 1, 1)
    timings["read"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    inv = cfg.inversion
    result = invert(
        k,
        y,
        sources.emission,
        prior_var,
        obs_var,
        gamma=inv.gamma,
        form=inv.form,
        backend=inv.backend,
        covariance=inv.covariance,
        chunk_rows=inv.chunk_rows or None,
        progress=lambda done, total: notify("jacobian", done, total),
    )
    check = inventory_check(result, threshold=cfg.crosscheck.threshold)
    notify("solve", 1, 1)
    timings["solve"] = time.perf_counter() - t1
    return InversionRun(
        config=cfg, observations=obs, sources=sources, result=result, check=check, timings_s=timings
    )


def _summary(run: InversionRun) -> dict[str, Any]:
    from dualcarbon import __version__

    res, chk, src, cfg = run.result, run.check, run.sources, run.config
    ones = np.ones((1, res.n_state))
    prior_total, prior_sd = res.prior_aggregate(ones)
    post_total, post_sd = res.aggregate(ones)
    flagged = []
    for i in chk.flagged_indices:
        flagged.append(
            {
                "id": str(src.id[i]),
                "name": None if src.name is None else str(src.name[i]),
                "lon": float(src.lon[i]),
                "lat": float(src.lat[i]),
                "reported": float(chk.reported[i]),
                "reported_sd": float(chk.reported_sd[i]),
                "posterior": float(chk.posterior[i]),
                "posterior_sd": float(chk.posterior_sd[i]),
                "z": float(chk.z[i]),
            }
        )
    return {
        "dualcarbon_version": __version__,
        "config": str(cfg.source),
        "form": res.form,
        "backend": res.backend,
        "n_state": res.n_state,
        "n_obs": res.n_obs,
        "gamma": res.gamma,
        "dofs": res.dofs,
        "cost_prior": res.cost_prior,
        "cost_obs": res.cost_obs,
        "prior_cost_per_element": res.prior_cost_per_element,
        "obs_cost_per_obs": res.obs_cost_per_obs,
        "unit": src.unit,
        "total": {
            "prior": float(prior_total[0]),
            "prior_sd": float(prior_sd[0]),
            "posterior": float(post_total[0]),
            "posterior_sd": float(post_sd[0]),
        },
        "crosscheck": {"mode": chk.mode, "threshold": chk.threshold, "n_flagged": len(flagged)},
        "flagged_facilities": flagged,
        "outputs": {k: str(v) for k, v in run.outputs.items()},
        "timings_s": run.timings_s,
    }


def write_outputs(run: InversionRun, *, progress: StageProgress | None = None) -> dict[str, Path]:
    """Write the posterior table (CSV and/or NetCDF) and the summary JSON named in the config."""
    notify = progress or (lambda stage, done, total: None)
    cfg, res, chk, src = run.config, run.result, run.check, run.sources
    t0 = time.perf_counter()
    notify("write", 0, 1)
    columns: dict[str, Any] = {
        "id": src.id,
        "lon": src.lon,
        "lat": src.lat,
        "prior": res.prior_mean,
        "prior_sd": np.sqrt(res.prior_variances),
        "posterior": res.posterior_mean,
        "posterior_sd": res.posterior_sd,
        "sensitivity": res.sensitivities,
        "error_reduction": res.error_reduction,
        "z": chk.z,
        "flagged": chk.flagged,
    }
    if src.name is not None:
        columns["name"] = src.name
    outputs: dict[str, Path] = {}
    csv_path = cfg.output_path(cfg.output.csv)
    if csv_path is not None:
        outputs["csv"] = write_table(csv_path, columns)
    nc_path = cfg.output_path(cfg.output.netcdf)
    if nc_path is not None:
        attrs = {
            "title": "dualcarbon inversion posterior",
            "form": res.form,
            "backend": res.backend,
            "gamma": res.gamma,
            "dofs": res.dofs,
            "cost_prior": res.cost_prior,
            "cost_obs": res.cost_obs,
            "n_obs": res.n_obs,
            "unit": src.unit,
            "crosscheck_threshold": chk.threshold,
        }
        units = dict.fromkeys(("prior", "prior_sd", "posterior", "posterior_sd"), src.unit)
        outputs["netcdf"] = write_table(nc_path, columns, dim="state", attrs=attrs, units=units)
        wc = cfg.output.write_covariance
        if res.covariance == "full" and (wc is True or (wc == "auto" and res.n_state <= 5000)):
            import netCDF4

            with netCDF4.Dataset(nc_path, "a") as ds:
                ds.createDimension("state_b", res.n_state)
                var = ds.createVariable("posterior_cov", "f8", ("state", "state_b"), zlib=True)
                var.units = f"({src.unit})^2"
                var[:] = res.posterior_cov
    run.outputs.update(outputs)
    run.timings_s["write"] = time.perf_counter() - t0
    summary_path = cfg.output.directory / cfg.output.summary
    run.outputs["summary"] = summary_path
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(_summary(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    notify("write", 1, 1)
    return dict(run.outputs)
