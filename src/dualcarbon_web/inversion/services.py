"""Writes of the inversion app: observation sets (upload, synthetic OSSE) and inversion runs.

Every write runs in one transaction with its audit entry. An upload is all or nothing: every row
of the observations and the meteorology is checked, and a file with any bad row stores nothing and
answers :class:`ObservationsRejected` listing each bad row, column and reason.

The numbers come from the core (:mod:`dualcarbon.inversion`): the files are parsed by
:func:`~dualcarbon.inversion.io.read_observations` and
:func:`~dualcarbon.inversion.io.read_meteorology`, the Jacobian is a
:class:`~dualcarbon.inversion.operators.PlumeJacobian` (Gaussian plume, Briggs 1973 sigmas), the
posterior is :func:`~dualcarbon.inversion.invert` and the flags are
:func:`~dualcarbon.inversion.inventory_check` with the reported inventory as the prior.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from dualcarbon.errors import InputError
from dualcarbon.inversion import (
    PlumeJacobian,
    emission_g_s,
    inventory_check,
    invert,
    local_xy_m,
    mixing_ratio,
)
from dualcarbon.inversion.io import Meteorology, Observations, read_meteorology, read_observations
from dualcarbon_web.inversion import selectors
from dualcarbon_web.inversion.choices import (
    ObservationSetKindChoices,
    ObservationUnitChoices,
    StabilityChoices,
    TerrainChoices,
)
from dualcarbon_web.inversion.models import FacilityEstimate, InversionRun, ObservationSet
from dualcarbon_web.organizations.models import Region
from dualcarbon_web.platform.audit import audit_record
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.errors import NotAllowed, ValidationFailed
from dualcarbon_web.platform.visibility import region_code_prefix, region_in_jurisdiction

__all__ = (
    "MAX_OBSERVATIONS",
    "RUN_SETTINGS",
    "ObservationsRejected",
    "inversion_run_create",
    "inversion_run_execute",
    "jacobian_for",
    "meteorology_from_json",
    "observation_set_generate_osse",
    "observation_set_upload",
    "observations_from_json",
)

#: Largest observation set stored (rows); larger sets belong in files run by ``dualcarbon invert``.
MAX_OBSERVATIONS = 200_000
#: Largest Jacobian (observations x facilities) a platform run builds in memory.
MAX_JACOBIAN_ENTRIES = 50_000_000

Progress = Callable[..., None]

#: Settings of a run, with (default, low, high) bounds; the same names in the form and the API.
RUN_SETTINGS: dict[str, tuple[float, float, float]] = {
    "prior_relative_sd": (0.5, 0.01, 10.0),
    "prior_sd_floor_t": (1000.0, 1e-6, 1e9),
    "obs_error_scale": (1.0, 0.01, 100.0),
    "model_error": (0.0, 0.0, 1e6),
    "gamma": (1.0, 1e-6, 1e6),
    "z_threshold": (3.0, 0.1, 100.0),
    "stack_height_m": (100.0, 0.0, 1000.0),
    "receptor_height_m": (10.0, 0.0, 1000.0),
    "background": (0.0, -1e6, 1e9),
}

_OBS_REQUIRED = ("time", "lon", "lat", "value", "uncertainty", "id")
_OBS_ALIASES = {
    "time": ("time", "datetime", "timestamp"),
    "lon": ("lon", "longitude"),
    "lat": ("lat", "latitude"),
    "value": ("value",),
    "uncertainty": ("uncertainty", "error", "sigma"),
    "id": ("id", "station", "station_id", "satellite", "platform"),
    "height_m": ("height_m", "height", "altitude_m", "z_m"),
    "background": ("background",),
}


class ObservationsRejected(ValidationFailed):
    """An observation upload with bad rows: nothing was stored. ``extra["rows"]`` lists {file, row, column, reason}."""

    def __init__(self, message: str, *, rows: list[dict[str, Any]]) -> None:
        super().__init__(message, extra={"rows": rows})
        self.rows = rows


# --------------------------------------------------------------------------- permissions, region


def _require_user(user) -> None:
    if not selectors.user_may_use_inversion(user):
        raise NotAllowed("Inversions are for regulators, analysts and administrators.")


def _region_for(user, region_code: str | None) -> Region:
    """The region a write is for: a regulator's jurisdiction (or a region inside it); others name one."""
    code = (region_code or "").strip()
    if user.role == RoleChoices.REGULATOR and not user.is_platform_admin:
        jurisdiction = user.jurisdiction
        if jurisdiction is None:
            raise NotAllowed("Your organisation has no jurisdiction; ask an administrator to set it.")
        if not code:
            return jurisdiction
    if not code:
        raise ValidationFailed("region is required", extra={"fields": {"region": ["Give a GB/T 2260 code."]}})
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(
            "unknown region", extra={"fields": {"region": [f"No region with GB/T 2260 code {code!r}."]}}
        )
    if (
        user.role == RoleChoices.REGULATOR
        and not user.is_platform_admin
        and not region_in_jurisdiction(user, region)
    ):
        raise ValidationFailed(
            "region outside your jurisdiction",
            extra={"fields": {"region": [f"{region} is outside your jurisdiction."]}},
        )
    return region


def _name(value: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{field} is required", extra={"fields": {field: ["This field is required."]}})
    if len(value) > 200:
        raise ValidationFailed(f"{field} is too long", extra={"fields": {field: ["At most 200 characters."]}})
    return value


# --------------------------------------------------------------------------- JSON <-> core types


def _iso(times: np.ndarray) -> list[str]:
    return [str(t) + "Z" for t in np.datetime_as_string(np.asarray(times).astype("datetime64[s]"), unit="s")]


def _times(values: list[str]) -> np.ndarray:
    return np.array([v.rstrip("Z") for v in values], dtype="datetime64[s]")


def observations_to_json(obs: Observations) -> dict[str, list]:
    data: dict[str, list] = {
        "time": _iso(obs.time),
        "lon": obs.lon.tolist(),
        "lat": obs.lat.tolist(),
        "value": obs.value.tolist(),
        "uncertainty": obs.uncertainty.tolist(),
        "id": [str(s) for s in obs.source_id],
    }
    if obs.height_m is not None:
        data["height_m"] = obs.height_m.tolist()
    if obs.background is not None:
        data["background"] = obs.background.tolist()
    return data


def observations_from_json(data: Mapping[str, list], unit: str = "") -> Observations:
    """The stored columns of an :class:`ObservationSet` as the core's :class:`Observations`."""
    return Observations(
        time=_times(data["time"]),
        lon=np.asarray(data["lon"], dtype=np.float64),
        lat=np.asarray(data["lat"], dtype=np.float64),
        value=np.asarray(data["value"], dtype=np.float64),
        uncertainty=np.asarray(data["uncertainty"], dtype=np.float64),
        source_id=np.asarray(data["id"], dtype=object),
        height_m=np.asarray(data["height_m"], dtype=np.float64) if "height_m" in data else None,
        background=np.asarray(data["background"], dtype=np.float64) if "background" in data else None,
        unit=unit,
    )


def meteorology_to_json(met: Meteorology) -> dict[str, list]:
    data: dict[str, list] = {
        "time": _iso(met.time),
        "wind_speed_m_s": met.wind_speed_m_s.tolist(),
        "wind_from_deg": met.wind_from_deg.tolist(),
        "stability": [str(s) for s in met.stability],
    }
    if met.mixing_height_m is not None:
        data["mixing_height_m"] = met.mixing_height_m.tolist()
    return data


def meteorology_from_json(data: Mapping[str, list]) -> Meteorology:
    return Meteorology(
        time=_times(data["time"]),
        wind_speed_m_s=np.asarray(data["wind_speed_m_s"], dtype=np.float64),
        wind_from_deg=np.asarray(data["wind_from_deg"], dtype=np.float64),
        stability=np.asarray(data["stability"]).astype(str),
        mixing_height_m=np.asarray(data["mixing_height_m"], dtype=np.float64)
        if "mixing_height_m" in data
        else None,
    )


def _stations(obs: Observations) -> list[dict[str, Any]]:
    """One entry per station/satellite id: mean position and number of observations."""
    out: dict[str, dict[str, Any]] = {}
    for sid, lon, lat in zip(obs.source_id, obs.lon, obs.lat, strict=True):
        e = out.setdefault(str(sid), {"id": str(sid), "lon": 0.0, "lat": 0.0, "n": 0})
        e["lon"] += float(lon)
        e["lat"] += float(lat)
        e["n"] += 1
    for e in out.values():
        e["lon"] = round(e["lon"] / e["n"], 6)
        e["lat"] = round(e["lat"] / e["n"], 6)
    return sorted(out.values(), key=lambda e: e["id"])


# --------------------------------------------------------------------------- upload


def _row_problems(path: Path, label: str) -> list[dict[str, Any]]:
    """Every bad row of an observations CSV (the core's reader stops at the first one).

    Rows are spreadsheet rows (the header is row 1). Checks: numbers are finite, uncertainty > 0,
    longitude within [-180, 180], latitude within [-90, 90], time is ISO 8601 (UTC), id not empty.
    """
    import polars as pl

    try:
        df = pl.read_csv(path, infer_schema_length=0)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError) as exc:
        return [{"file": label, "row": None, "column": None, "reason": f"cannot read CSV: {exc}"}]
    columns = {c.strip().lower(): c for c in df.columns}
    problems: list[dict[str, Any]] = []
    found: dict[str, str] = {}
    for key, aliases in _OBS_ALIASES.items():
        hit = next((columns[a] for a in aliases if a in columns), None)
        if hit is not None:
            found[key] = hit
        elif key in _OBS_REQUIRED:
            problems.append(
                {
                    "file": label,
                    "row": 1,
                    "column": key,
                    "reason": f"missing column (also accepted: {', '.join(aliases[1:]) or 'none'})",
                }
            )
    if problems:
        return problems
    if df.height == 0:
        return [{"file": label, "row": 2, "column": "time", "reason": "no data rows below the header"}]
    limits = {"lon": (-180.0, 180.0), "lat": (-90.0, 90.0)}
    for key in ("lon", "lat", "value", "uncertainty", "height_m", "background"):
        if key not in found:
            continue
        for i, raw in enumerate(df[found[key]].to_list()):
            text = (raw or "").strip()
            try:
                v = float(text)
            except ValueError:
                problems.append(
                    {"file": label, "row": i + 2, "column": key, "reason": f"{text!r} is not a number"}
                )
                continue
            if not math.isfinite(v):
                problems.append(
                    {"file": label, "row": i + 2, "column": key, "reason": f"{text!r} is not finite"}
                )
            elif key == "uncertainty" and v <= 0:
                problems.append(
                    {"file": label, "row": i + 2, "column": key, "reason": "must be > 0 (1-sigma)"}
                )
            elif key in limits and not limits[key][0] <= v <= limits[key][1]:
                lo, hi = limits[key]
                problems.append(
                    {
                        "file": label,
                        "row": i + 2,
                        "column": key,
                        "reason": f"{v} is outside [{lo:g}, {hi:g}] degrees",
                    }
                )
    for i, raw in enumerate(df[found["time"]].to_list()):
        text = (raw or "").strip()
        base = text[:-1] if text.endswith("Z") else text
        if len(base) > 19 and base[19:] in ("+00:00", "+0000"):
            base = base[:19]
        try:
            np.datetime64(base.replace(" ", "T"), "s")
        except ValueError:
            problems.append(
                {
                    "file": label,
                    "row": i + 2,
                    "column": "time",
                    "reason": f"{text!r} is not an ISO 8601 UTC time",
                }
            )
    for i, raw in enumerate(df[found["id"]].to_list()):
        if not (raw or "").strip():
            problems.append(
                {"file": label, "row": i + 2, "column": "id", "reason": "empty station/satellite id"}
            )
    return problems


def _core_problem(exc: InputError, label: str) -> dict[str, Any]:
    reason = str(exc.args[0]) if exc.args else str(exc)
    row = exc.row + 1 if isinstance(exc.row, int) else None  # core rows count data rows from 1
    return {"file": label, "row": row, "column": exc.column, "reason": reason}


def _read_upload(content: bytes, filename: str, reader, label: str, *, scan=None):
    suffix = Path(filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".nc", ".nc4", ".netcdf", ".cdf"):
        raise ObservationsRejected(
            f"{filename}: unsupported file type; upload .csv or NetCDF (.nc); nothing was stored.",
            rows=[
                {
                    "file": label,
                    "row": None,
                    "column": None,
                    "reason": f"unsupported file type {suffix or '(none)'}",
                }
            ],
        )
    with tempfile.TemporaryDirectory(prefix="dc-obs-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        if scan is not None and suffix == ".csv":
            problems = scan(path, label)
            if problems:
                return None, problems
        try:
            return reader(path), []
        except InputError as exc:
            return None, [_core_problem(exc, label)]
        except (OSError, ValueError, KeyError, IndexError) as exc:  # NetCDF library errors
            return None, [{"file": label, "row": None, "column": None, "reason": f"cannot read file: {exc}"}]


def observation_set_upload(
    *,
    user,
    name: str,
    content: bytes,
    filename: str,
    met_content: bytes,
    met_filename: str,
    unit: str = ObservationUnitChoices.PPM,
    gas: str = "CO2",
    region_code: str | None = None,
) -> ObservationSet:
    """Store an uploaded observation set (observations + the meteorology valid at their times).

    All or nothing: every row of both files is checked (the core's readers decide; bad CSV rows are
    all listed); an observation time without meteorology within an hour is a bad row too.
    """
    _require_user(user)
    name = _name(name)
    region = _region_for(user, region_code)
    if unit not in ObservationUnitChoices.values:
        raise ValidationFailed(
            "unit", extra={"fields": {"unit": [f"Choose one of {', '.join(ObservationUnitChoices.values)}."]}}
        )
    if gas not in ("CO2", "CH4", "N2O", "CO"):
        raise ValidationFailed("gas", extra={"fields": {"gas": ["Choose CO2, CH4, N2O or CO."]}})
    obs, problems = _read_upload(
        content, filename, lambda p: read_observations(p, unit=unit), "observations", scan=_row_problems
    )
    met, met_problems = _read_upload(met_content, met_filename, read_meteorology, "meteorology")
    problems += met_problems
    if obs is not None and not problems:
        if len(obs) == 0:
            problems.append({"file": "observations", "row": 2, "column": "time", "reason": "no observations"})
        elif len(obs) > MAX_OBSERVATIONS:
            problems.append(
                {
                    "file": "observations",
                    "row": None,
                    "column": None,
                    "reason": f"{len(obs)} rows; the platform stores at most {MAX_OBSERVATIONS} "
                    "(run larger problems with `dualcarbon invert CONFIG`)",
                }
            )
        else:
            problems += _met_coverage(obs, met)
    if problems:
        rows = sorted(
            {(p["file"], p["row"] or 0, p["column"] or "", p["reason"]): p for p in problems}.values(),
            key=lambda p: (p["file"], p["row"] or 0, p["column"] or ""),
        )
        raise ObservationsRejected(f"{len(rows)} problem(s) in the upload; nothing was stored.", rows=rows)
    with transaction.atomic():
        obs_set = ObservationSet.objects.create(
            name=name,
            kind=ObservationSetKindChoices.UPLOADED,
            region=region,
            gas=gas,
            unit=unit,
            n_obs=len(obs),
            stations=_stations(obs),
            data=observations_to_json(obs),
            met=meteorology_to_json(met),
            filename=Path(filename).name[:200],
            met_filename=Path(met_filename).name[:200],
            created_by=user,
            organization=user.organization,
        )
        audit_record(
            user=user,
            action=AuditActionChoices.IMPORT,
            instance=obs_set,
            after=_set_summary(obs_set),
            note=f"upload {obs_set.filename} + {obs_set.met_filename}",
        )
    return obs_set


def _met_coverage(obs: Observations, met: Meteorology, max_gap_s: float = 3600.0) -> list[dict[str, Any]]:
    """Observation rows with no meteorology within ``max_gap_s`` (checked with the core's ``Meteorology.at``)."""
    t = met.time.astype("datetime64[s]").astype(np.int64)
    q = obs.time.astype("datetime64[s]").astype(np.int64)
    ts = np.sort(t)
    idx = np.clip(np.searchsorted(ts, q), 0, len(ts) - 1)
    gap = np.minimum(np.abs(ts[idx] - q), np.abs(ts[np.maximum(idx - 1, 0)] - q))
    bad = np.flatnonzero(gap > max_gap_s)
    problems = [
        {
            "file": "observations",
            "row": int(i) + 2,
            "column": "time",
            "reason": f"no meteorology within {max_gap_s:.0f} s of {np.datetime_as_string(obs.time[i], unit='s')}",
        }
        for i in bad[:1000]
    ]
    if not problems:
        try:
            met.at(obs.time, max_gap_s=max_gap_s)
        except InputError as exc:
            problems.append(_core_problem(exc, "observations"))
    return problems


def _set_summary(obs_set: ObservationSet) -> dict[str, Any]:
    return {
        "name": obs_set.name,
        "kind": obs_set.kind,
        "region_id": obs_set.region_id,
        "gas": obs_set.gas,
        "unit": obs_set.unit,
        "n_obs": obs_set.n_obs,
        "stations": len(obs_set.stations),
        "filename": obs_set.filename,
        "met_filename": obs_set.met_filename,
        "synthetic": {k: v for k, v in obs_set.synthetic.items() if k != "truth_t"} or None,
    }


# --------------------------------------------------------------------------- forward model


def _jacobian_scale(unit: str, gas: str) -> float:
    """(observation unit) per (t/yr) from the plume's (µg/m³) per (g/s)."""
    per_ug = 1.0 if unit == ObservationUnitChoices.UG_M3 else float(mixing_ratio(1.0, gas=gas, unit=unit))
    return float(emission_g_s(1.0)) * per_ug


def jacobian_for(
    *,
    obs: Observations,
    met: Meteorology,
    lon: np.ndarray,
    lat: np.ndarray,
    stack_height_m: float,
    receptor_height_m: float,
    terrain: str,
    gas: str,
) -> PlumeJacobian:
    """The Gaussian-plume Jacobian (obs unit per t/yr) of point sources at ``lon``/``lat`` for ``obs``."""
    at = met.at(obs.time)
    lon0, lat0 = float(np.mean(lon)), float(np.mean(lat))
    sx, sy = local_xy_m(lon, lat, lon0, lat0)
    rx, ry = local_xy_m(obs.lon, obs.lat, lon0, lat0)
    rz = obs.height_m if obs.height_m is not None else np.full(len(obs), float(receptor_height_m))
    return PlumeJacobian(
        source_x_m=np.atleast_1d(sx),
        source_y_m=np.atleast_1d(sy),
        source_h_m=np.full(len(lon), float(stack_height_m)),
        receptor_x_m=np.atleast_1d(rx),
        receptor_y_m=np.atleast_1d(ry),
        receptor_z_m=rz,
        wind_speed_m_s=at["wind_speed_m_s"],
        wind_from_deg=at["wind_from_deg"],
        stability=at["stability"],
        mixing_height_m=at.get("mixing_height_m"),
        terrain=terrain,
        scale=_jacobian_scale(obs.unit, gas),
    )


# --------------------------------------------------------------------------- synthetic OSSE


def observation_set_generate_osse(
    *,
    user,
    name: str,
    year: int,
    seed: int = 0,
    factors: Mapping[int, float] | None = None,
    region_code: str | None = None,
    hours: int = 24,
    station_distance_m: float = 2000.0,
    noise_sd: float = 0.5,
    background: float = 420.0,
    wind_speed_m_s: float = 4.0,
    stability: str = "D",
    mixing_height_m: float = 1000.0,
    stack_height_m: float = 100.0,
    receptor_height_m: float = 10.0,
    terrain: str = TerrainChoices.RURAL,
    start: str = "",
) -> ObservationSet:
    """Simulate observations (CO2, ppm) of the region's facilities from a known truth (an identical-twin OSSE).

    The truth of each facility is its reported direct emission (:func:`selectors.inversion_prior`)
    times ``factors[facility_id]`` (default 1). Four stations stand ``station_distance_m`` north,
    east, south and west of every facility at ``receptor_height_m``; the wind turns through the
    compass in ``hours`` hourly steps at ``wind_speed_m_s`` with Pasquill class ``stability``.
    ``value = background + K x_true + e`` with ``e ~ N(0, noise_sd^2)`` drawn with ``seed``, ``K``
    the same Gaussian plume the inversion uses (so the test is optimistic about transport error).
    """
    _require_user(user)
    name = _name(name)
    region = _region_for(user, region_code)
    fields: dict[str, list[str]] = {}
    if not 1 <= int(hours) <= 24 * 366:
        fields["hours"] = ["Between 1 and 8784."]
    if not 100.0 <= float(station_distance_m) <= 50_000.0:
        fields["station_distance_m"] = ["Between 100 and 50,000 m."]
    if not float(noise_sd) > 0:
        fields["noise_sd"] = ["Must be > 0."]
    if stability not in StabilityChoices.values:
        fields["stability"] = ["A Pasquill class A-F."]
    if terrain not in TerrainChoices.values:
        fields["terrain"] = ["rural or urban."]
    if not 0.5 <= float(wind_speed_m_s) <= 30:
        fields["wind_speed_m_s"] = ["Between 0.5 and 30 m/s."]
    if not 1990 <= int(year) <= 2100:
        fields["year"] = ["Between 1990 and 2100."]
    factors = {int(k): float(v) for k, v in (factors or {}).items()}
    if any(not (math.isfinite(v) and v >= 0) for v in factors.values()):
        fields["factors"] = ["Truth factors must be finite and >= 0."]
    if fields:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": fields})
    prior = selectors.inversion_prior(user=user, region=region, year=int(year))
    if not prior.facilities:
        raise ValidationFailed(
            "no prior",
            extra={
                "fields": {
                    "year": [f"No facility in {region} has a calculated {year} inventory you may see."]
                }
            },
        )
    n_obs = 4 * len(prior) * int(hours)
    if n_obs > MAX_OBSERVATIONS:
        raise ValidationFailed(
            "too many observations",
            extra={
                "fields": {"hours": [f"{n_obs} observations; at most {MAX_OBSERVATIONS}: use fewer hours."]}
            },
        )
    unknown = set(factors) - {p.facility_id for p in prior.facilities}
    if unknown:
        raise ValidationFailed(
            "factors", extra={"fields": {"factors": [f"Facilities {sorted(unknown)} are not in the prior."]}}
        )
    lon = np.array([p.lon for p in prior.facilities])
    lat = np.array([p.lat for p in prior.facilities])
    truth = np.array([p.emission_t * factors.get(p.facility_id, 1.0) for p in prior.facilities])

    # stations: N, E, S, W of each facility
    d_lat = np.rad2deg(station_distance_m / 6_371_008.8)
    st_lon, st_lat, st_id = [], [], []
    for p in prior.facilities:
        d_lon = d_lat / math.cos(math.radians(p.lat))
        for tag, (dx, dy) in zip("NESW", ((0, 1), (1, 0), (0, -1), (-1, 0)), strict=True):
            st_lon.append(p.lon + dx * d_lon)
            st_lat.append(p.lat + dy * d_lat)
            st_id.append(f"OSSE-{p.code or p.facility_id}-{tag}")
    t0 = np.datetime64(start.rstrip("Z") if start else f"{int(year)}-07-01T00:00:00", "s")
    hours = int(hours)
    met_time = t0 + np.arange(hours).astype("timedelta64[h]")
    met = Meteorology(
        time=met_time.astype("datetime64[s]"),
        wind_speed_m_s=np.full(hours, float(wind_speed_m_s)),
        wind_from_deg=(np.arange(hours) * (360.0 / hours)) % 360.0,
        stability=np.full(hours, stability),
        mixing_height_m=np.full(hours, float(mixing_height_m)),
    )
    n_st = len(st_id)
    obs_time = np.repeat(met.time, n_st)
    rng = np.random.default_rng(int(seed))
    shell = Observations(
        time=obs_time,
        lon=np.tile(np.array(st_lon), hours),
        lat=np.tile(np.array(st_lat), hours),
        value=np.zeros(n_st * hours),
        uncertainty=np.full(n_st * hours, float(noise_sd)),
        source_id=np.tile(np.array(st_id, dtype=object), hours),
        height_m=np.full(n_st * hours, float(receptor_height_m)),
        background=np.full(n_st * hours, float(background)),
        unit="ppm",
    )
    k = jacobian_for(
        obs=shell,
        met=met,
        lon=lon,
        lat=lat,
        stack_height_m=stack_height_m,
        receptor_height_m=receptor_height_m,
        terrain=terrain,
        gas="CO2",
    ).to_array()
    value = float(background) + k @ truth + rng.normal(0.0, float(noise_sd), size=k.shape[0])
    obs = Observations(
        time=shell.time,
        lon=shell.lon,
        lat=shell.lat,
        value=value,
        uncertainty=shell.uncertainty,
        source_id=shell.source_id,
        height_m=shell.height_m,
        background=shell.background,
        unit="ppm",
    )
    synthetic = {
        "seed": int(seed),
        "year": int(year),
        "factors": {str(k_): v for k_, v in factors.items()},
        "truth_t": {str(p.facility_id): float(t) for p, t in zip(prior.facilities, truth, strict=True)},
        "noise_sd": float(noise_sd),
        "background": float(background),
        "hours": hours,
        "station_distance_m": float(station_distance_m),
        "wind_speed_m_s": float(wind_speed_m_s),
        "stability": stability,
        "mixing_height_m": float(mixing_height_m),
        "stack_height_m": float(stack_height_m),
        "receptor_height_m": float(receptor_height_m),
        "terrain": terrain,
        "note": "SYNTHETIC identical-twin OSSE: simulated with the Gaussian plume the inversion uses.",
    }
    with transaction.atomic():
        obs_set = ObservationSet.objects.create(
            name=name,
            kind=ObservationSetKindChoices.SYNTHETIC,
            region=region,
            gas="CO2",
            unit=ObservationUnitChoices.PPM,
            n_obs=len(obs),
            stations=_stations(obs),
            data=observations_to_json(obs),
            met=meteorology_to_json(met),
            synthetic=synthetic,
            created_by=user,
            organization=user.organization,
        )
        audit_record(
            user=user,
            action=AuditActionChoices.CREATE,
            instance=obs_set,
            after=_set_summary(obs_set),
            note=f"synthetic OSSE seed {seed}",
        )
    return obs_set


# --------------------------------------------------------------------------- runs


def _settings(values: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    fields: dict[str, list[str]] = {}
    for key, (default, lo, hi) in RUN_SETTINGS.items():
        raw = values.get(key)
        if raw is None or raw == "":
            out[key] = default
            continue
        try:
            v = float(raw)
        except (TypeError, ValueError):
            fields[key] = [f"{raw!r} is not a number."]
            continue
        if not (math.isfinite(v) and lo <= v <= hi):
            fields[key] = [f"Between {lo:g} and {hi:g}."]
            continue
        out[key] = v
    if fields:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": fields})
    return out


def inversion_run_create(
    *,
    user,
    name: str,
    observation_set: ObservationSet,
    year: int,
    settings: Mapping[str, Any] | None = None,
    terrain: str = TerrainChoices.RURAL,
    region_code: str | None = None,
    run_now: bool = False,
) -> InversionRun:
    """Create a run for the user's region and queue it as a background job (kind ``inversion.run``).

    ``run_now`` runs the job's work in this process instead (used by :mod:`~.demo`); the job row
    still records it.
    """
    from dualcarbon_web.inversion.jobs import RUN_JOB_KIND
    from dualcarbon_web.platform.jobs import job_enqueue

    _require_user(user)
    name = _name(name)
    region = _region_for(user, region_code)
    values = _settings(settings or {})
    fields: dict[str, list[str]] = {}
    if terrain not in TerrainChoices.values:
        fields["terrain"] = ["rural or urban."]
    try:
        year = int(year)
    except (TypeError, ValueError):
        fields["year"] = ["A year."]
    else:
        if not 1990 <= year <= 2100:
            fields["year"] = ["Between 1990 and 2100."]
    if fields:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": fields})
    if not observation_set.region.code.startswith(
        region_code_prefix_of(region)
    ) and not region.code.startswith(region_code_prefix_of(observation_set.region)):
        raise ValidationFailed(
            "observation set of another region",
            extra={
                "fields": {"observation_set": [f"The set covers {observation_set.region}, not {region}."]}
            },
        )
    prior = selectors.inversion_prior(user=user, region=region, year=year)
    if not prior.facilities:
        raise ValidationFailed(
            "no prior",
            extra={
                "fields": {
                    "year": [f"No facility in {region} has a calculated {year} inventory you may see."]
                }
            },
        )
    n_entries = observation_set.n_obs * len(prior)
    if n_entries > MAX_JACOBIAN_ENTRIES:
        raise ValidationFailed(
            "too large",
            extra={
                "fields": {
                    "observation_set": [
                        f"{observation_set.n_obs} observations x {len(prior)} facilities is too large for a "
                        "platform run; use `dualcarbon invert CONFIG`."
                    ]
                }
            },
        )
    with transaction.atomic():
        run = InversionRun.objects.create(
            name=name,
            region=region,
            year=year,
            observation_set=observation_set,
            terrain=terrain,
            created_by=user,
            organization=user.organization,
            **values,
        )
        audit_record(
            user=user,
            action=AuditActionChoices.CREATE,
            instance=run,
            after=_run_summary(run),
        )
    # queued after the run row is committed (as platform.jobs does for its own row)
    job = job_enqueue(
        kind=RUN_JOB_KIND,
        title=f"反演 {run.name}"[:200],
        user=user,
        params={"run_id": run.pk},
        organization=user.organization,
    )
    InversionRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    if run_now:
        from dualcarbon_web.platform.jobs import run_job

        run_job.call(str(job.pk))
        run = InversionRun.objects.select_related("job", "region", "observation_set").get(pk=run.pk)
    return run


def region_code_prefix_of(region: Region) -> str:
    return region_code_prefix(region)


def _run_summary(run: InversionRun) -> dict[str, Any]:
    return {
        "name": run.name,
        "region_id": run.region_id,
        "year": run.year,
        "observation_set_id": run.observation_set_id,
        "terrain": run.terrain,
        **{k: getattr(run, k) for k in RUN_SETTINGS},
    }


def inversion_run_execute(*, run: InversionRun, progress: Progress | None = None) -> dict[str, Any]:
    """Do a run's work (the job handler calls this): prior, Jacobian, posterior, cross-check, store.

    Progress: 1 step for the prior, one per observation while the Jacobian is built and folded
    into the normal equations (or the innovation covariance), 1 for the cross-check, 1 for saving.
    Everything is written in one transaction at the end, so a failed run stores no result.
    """
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    user = run.created_by
    if user is None:
        raise InputError("the user who started this run no longer exists", column="created_by")
    obs_set = ObservationSet.objects.get(pk=run.observation_set_id)
    obs = observations_from_json(obs_set.data, obs_set.unit)
    met = meteorology_from_json(obs_set.met)
    m = len(obs)
    total = m + 3
    report = progress or (lambda *a, **k: None)
    report(0, total, "先验：读取排放报告 / prior from the reported inventories")
    prior = selectors.inversion_prior(user=user, region=run.region, year=run.year)
    if not prior.facilities:
        raise InputError(f"no facility in {run.region} has a calculated {run.year} inventory", column="year")
    n = len(prior)
    xa = np.array([p.emission_t for p in prior.facilities])
    sa_sd = np.maximum(run.prior_relative_sd * np.abs(xa), run.prior_sd_floor_t)
    background = obs.background if obs.background is not None else np.full(m, run.background)
    y = obs.value - background
    r_var = (run.obs_error_scale * obs.uncertainty) ** 2 + run.model_error**2
    report(1, total, f"雅可比矩阵与求解 / Jacobian and solve: {m} × {n}")
    k = jacobian_for(
        obs=obs,
        met=met,
        lon=np.array([p.lon for p in prior.facilities]),
        lat=np.array([p.lat for p in prior.facilities]),
        stack_height_m=run.stack_height_m,
        receptor_height_m=run.receptor_height_m,
        terrain=run.terrain,
        gas=obs_set.gas,
    )
    timings["prepare_s"] = time.perf_counter() - t_start

    def on_rows(done: int, rows_total: int) -> None:
        report(1 + int(done), total, f"雅可比矩阵 / Jacobian rows {done}/{rows_total}")

    t0 = time.perf_counter()
    result = invert(
        k,
        y,
        xa,
        sa_sd**2,
        r_var,
        gamma=run.gamma,
        form="auto",
        covariance="full",
        chunk_rows=max(64, m // 20),
        progress=on_rows,
    )
    timings["invert_s"] = time.perf_counter() - t0
    report(m + 1, total, "交叉核验 / cross-check")
    check = inventory_check(result, threshold=run.z_threshold)
    ones = np.ones((1, n))
    post_tot, post_sd = result.aggregate(ones)
    prior_tot, prior_sd = result.prior_aggregate(ones)
    region_check = inventory_check(result, weights=ones, threshold=run.z_threshold)
    sens = result.sensitivities
    truth = obs_set.synthetic.get("truth_t", {}) if obs_set.is_synthetic else {}
    report(m + 2, total, "保存结果 / saving")
    attributions: dict[str, int] = {}
    for p in prior.facilities:
        attributions[p.attribution] = attributions.get(p.attribution, 0) + 1
    summary = {
        "skipped": prior.skipped,
        "attribution": attributions,
        "prior_cost_per_element": result.prior_cost_per_element,
        "obs_cost_per_obs": result.obs_cost_per_obs,
        "gamma": result.gamma,
        "backend": result.backend,
        "timings_s": {k_: round(v, 4) for k_, v in timings.items()},
        "observation_set_kind": obs_set.kind,
        "region_flagged": bool(region_check.flagged[0]),
    }
    with transaction.atomic():
        locked = InversionRun.objects.select_for_update().get(pk=run.pk)
        if locked.finished is not None:
            raise InputError("this run already has results", column="run")
        FacilityEstimate.objects.bulk_create(
            [
                FacilityEstimate(
                    run_id=run.pk,
                    index=i,
                    facility_id=p.facility_id,
                    inventory_id=p.inventory_id,
                    attribution=p.attribution,
                    name=p.name,
                    organization_name=p.organization_name,
                    lon=p.lon,
                    lat=p.lat,
                    prior_t=float(xa[i]),
                    prior_sd_t=float(sa_sd[i]),
                    posterior_t=float(result.posterior_mean[i]),
                    posterior_sd_t=float(result.posterior_sd[i]),
                    sensitivity=float(sens[i]),
                    z=float(check.z[i]),
                    flagged=bool(check.flagged[i]),
                    truth_t=float(truth[str(p.facility_id)]) if str(p.facility_id) in truth else None,
                )
                for i, p in enumerate(prior.facilities)
            ]
        )
        fields = {
            "finished": timezone.now(),
            "n_state": n,
            "n_obs": m,
            "form": result.form,
            "dofs": float(result.dofs),
            "cost_prior": float(result.cost_prior),
            "cost_obs": float(result.cost_obs),
            "prior_total_t": float(prior_tot[0]),
            "prior_total_sd_t": float(prior_sd[0]),
            "posterior_total_t": float(post_tot[0]),
            "posterior_total_sd_t": float(post_sd[0]),
            "region_z": float(region_check.z[0]),
            "n_flagged": int(check.flagged.sum()),
            "summary": summary,
        }
        InversionRun.objects.filter(pk=run.pk).update(**fields)
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=run,
            after={k_: v for k_, v in fields.items() if k_ not in ("summary", "finished")},
            note="inversion results",
        )
    report(total, total, "完成 / done")
    return {
        "run_id": run.pk,
        "dofs": fields["dofs"],
        "n_flagged": fields["n_flagged"],
        "posterior_total_t": fields["posterior_total_t"],
        "url": f"/inversion/{run.pk}/",
    }
