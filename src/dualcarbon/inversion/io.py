"""Reading observations, priors and meteorology; writing posteriors (CSV and NetCDF).

File layouts (column names are case-insensitive; aliases in brackets):

**Observations** (CSV, or NetCDF with one dimension ``obs``):
``time`` [datetime, timestamp] ISO 8601 in CSV, CF ``units = "seconds since ..."`` in NetCDF;
``lon`` [longitude]; ``lat`` [latitude]; ``value``; ``uncertainty`` [error, sigma] (1-sigma, same
unit as ``value``); ``id`` [station, station_id, satellite, platform]; optional ``height_m``
[height, altitude_m, z_m] (intake height above ground) and ``background`` (same unit as value).

**Facilities** (the prior as the accounting module reports it; CSV or NetCDF dimension ``facility``):
``id`` [facility_id]; ``lon``; ``lat``; ``emission`` [emission_t_yr]; ``uncertainty`` [emission_sd, sd]
(1-sigma, same unit); optional ``height_m`` [stack_height_m] and ``name``.

**Gridded prior** (NetCDF): coordinates ``lon`` and ``lat`` (cell centres), variables
``emission(lat, lon)`` and optionally ``uncertainty(lat, lon)``; every cell with uncertainty > 0
becomes one state element located at its centre, with id ``cell_<ilat>_<ilon>``.

**Meteorology** (CSV or NetCDF dimension ``time``): ``time``; ``wind_speed_m_s`` [wind_speed, ws];
``wind_from_deg`` [wind_direction_deg, wind_dir, wd] (meteorological convention); ``stability``
[stability_class] (Pasquill A-F); optional ``mixing_height_m`` [pblh, blh].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dualcarbon.errors import InputError

__all__ = [
    "Meteorology",
    "Observations",
    "PointSources",
    "read_facilities",
    "read_gridded_prior",
    "read_meteorology",
    "read_observations",
    "read_prior",
    "write_observations",
    "write_table",
]

_OBS_COLUMNS = {
    "time": ("time", "datetime", "timestamp"),
    "lon": ("lon", "longitude"),
    "lat": ("lat", "latitude"),
    "value": ("value",),
    "uncertainty": ("uncertainty", "error", "sigma"),
    "id": ("id", "station", "station_id", "satellite", "platform"),
}
_OBS_OPTIONAL = {"height_m": ("height_m", "height", "altitude_m", "z_m"), "background": ("background",)}
_FAC_COLUMNS = {
    "id": ("id", "facility_id"),
    "lon": ("lon", "longitude"),
    "lat": ("lat", "latitude"),
    "emission": ("emission", "emission_t_yr"),
    "uncertainty": ("uncertainty", "emission_sd", "sd"),
}
_FAC_OPTIONAL = {"height_m": ("height_m", "stack_height_m"), "name": ("name",)}
_MET_COLUMNS = {
    "time": ("time", "datetime", "timestamp"),
    "wind_speed_m_s": ("wind_speed_m_s", "wind_speed", "ws"),
    "wind_from_deg": ("wind_from_deg", "wind_direction_deg", "wind_dir", "wd"),
    "stability": ("stability", "stability_class"),
}
_MET_OPTIONAL = {"mixing_height_m": ("mixing_height_m", "pblh", "blh")}


def _floats(table: dict[str, np.ndarray], name: str, source: str, *, positive: bool = False) -> np.ndarray:
    try:
        a = np.asarray(table[name], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"values must be numbers ({exc})", source=source, column=name) from None
    bad = ~np.isfinite(a) | ((a <= 0) if positive else False)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "finite and > 0" if positive else "finite"
        raise InputError(f"value {a[i]!r} must be {need}", source=source, row=i + 1, column=name, value=a[i])
    return a


@dataclass(frozen=True, eq=False)
class Observations:
    """Observations of concentration or column (one row each), in ``unit``."""

    time: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    value: np.ndarray
    uncertainty: np.ndarray
    source_id: np.ndarray
    height_m: np.ndarray | None = None
    background: np.ndarray | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        m = len(self.value)
        for name in ("time", "lon", "lat", "uncertainty", "source_id", "height_m", "background"):
            a = getattr(self, name)
            if a is not None and len(a) != m:
                raise InputError(f"{name} has {len(a)} entries; value has {m}", column=name)
        if m and not (np.asarray(self.uncertainty) > 0).all():
            raise InputError("uncertainties must be > 0", column="uncertainty")

    def __len__(self) -> int:
        return len(self.value)


@dataclass(frozen=True, eq=False)
class PointSources:
    """State elements located at points: facilities, or grid cells at their centres."""

    id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    emission: np.ndarray
    uncertainty: np.ndarray
    height_m: np.ndarray | None = None
    name: np.ndarray | None = None
    unit: str = "t/yr"
    kind: str = "facilities"
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.emission)


@dataclass(frozen=True, eq=False)
class Meteorology:
    """A time series of wind, stability and mixing height for the domain."""

    time: np.ndarray
    wind_speed_m_s: np.ndarray
    wind_from_deg: np.ndarray
    stability: np.ndarray
    mixing_height_m: np.ndarray | None = None

    def at(self, times: np.ndarray, *, max_gap_s: float = 3600.0) -> dict[str, np.ndarray]:
        """Meteorology at each of ``times``: the nearest record, at most ``max_gap_s`` away."""
        t = self.time.astype("datetime64[s]").astype(np.int64)
        order = np.argsort(t, kind="stable")
        t = t[order]
        q = np.asarray(times).astype("datetime64[s]").astype(np.int64)
        hi = np.clip(np.searchsorted(t, q), 1, len(t) - 1) if len(t) > 1 else np.zeros(len(q), dtype=np.int64)
        lo = np.maximum(hi - 1, 0)
        pick = np.where(np.abs(q - t[lo]) <= np.abs(t[hi] - q), lo, hi)
        gap = np.abs(t[pick] - q)
        if (gap > max_gap_s).any():
            i = int(np.flatnonzero(gap > max_gap_s)[0])
            raise InputError(
                f"no meteorology within {max_gap_s:.0f} s of observation time "
                f"{np.asarray(times)[i]}; extend the met file or raise met max_gap_s",
                row=i + 1,
                column="time",
            )
        idx = order[pick]
        out = {
            "wind_speed_m_s": self.wind_speed_m_s[idx],
            "wind_from_deg": self.wind_from_deg[idx],
            "stability": self.stability[idx],
        }
        if self.mixing_height_m is not None:
            out["mixing_height_m"] = self.mixing_height_m[idx]
        return out


# ------------------------------------------------------------------------------------------------
# generic table reading
# ------------------------------------------------------------------------------------------------
def _is_netcdf(path: Path) -> bool:
    return path.suffix.lower() in (".nc", ".nc4", ".netcdf", ".cdf")


def _parse_times(values: np.ndarray, source: str) -> np.ndarray:
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[s]")
    out = np.empty(len(values), dtype="datetime64[s]")
    for i, v in enumerate(values):
        s = str(v).strip()
        if s.endswith("Z"):
            s = s[:-1]
        if len(s) > 19 and s[19] in "+-":  # drop a UTC offset of +00:00
            if s[19:] not in ("+00:00", "+0000"):
                raise InputError(
                    "times must be UTC (no offset or +00:00)",
                    source=source,
                    row=i + 1,
                    column="time",
                    value=v,
                )
            s = s[:19]
        try:
            out[i] = np.datetime64(s.replace(" ", "T"), "s")
        except ValueError:
            raise InputError(
                "not an ISO 8601 time", source=source, row=i + 1, column="time", value=v
            ) from None
    return out


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    import polars as pl

    try:
        df = pl.read_csv(path, infer_schema_length=10000)
    except Exception as exc:  # polars raises several types for malformed files
        raise InputError(f"cannot read CSV: {exc}", source=str(path)) from None
    return {c.strip().lower(): df[c].to_numpy() for c in df.columns}


def _read_netcdf(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import netCDF4

    out: dict[str, np.ndarray] = {}
    attrs: dict[str, Any] = {}
    with netCDF4.Dataset(path) as ds:
        attrs = {k: ds.getncattr(k) for k in ds.ncattrs()}
        for name, var in ds.variables.items():
            var.set_auto_mask(False)
            data = var[...]
            units = getattr(var, "units", "")
            if name.lower() == "time" and "since" in str(units):
                dates = netCDF4.num2date(
                    data,
                    units,
                    calendar=getattr(var, "calendar", "standard"),
                    only_use_cftime_datetimes=False,
                    only_use_python_datetimes=True,
                )
                data = np.array(dates, dtype="datetime64[s]")
            out[name.lower()] = np.asarray(data)
            if units:
                attrs[f"{name.lower()}:units"] = units
    return out, attrs


def _read_table(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any], str]:
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", source=str(p))
    if _is_netcdf(p):
        table, attrs = _read_netcdf(p)
    else:
        table, attrs = _read_csv(p), {}
    return table, attrs, str(p)


def _pick(
    table: dict[str, np.ndarray],
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]],
    source: str,
) -> dict[str, np.ndarray]:
    out = {}
    for key, aliases in {**required, **optional}.items():
        found = next((a for a in aliases if a in table), None)
        if found is None:
            if key in required:
                raise InputError(
                    f"missing column {key!r} (also accepted: {', '.join(aliases[1:]) or 'none'}); "
                    f"found {', '.join(sorted(table)) or 'no columns'}",
                    source=source,
                    column=key,
                )
            continue
        out[key] = table[found]
    return out


# ------------------------------------------------------------------------------------------------
# readers
# ------------------------------------------------------------------------------------------------
def read_observations(path: str | Path, *, unit: str = "") -> Observations:
    """Read observations from CSV or NetCDF (layout in the module docstring)."""
    table, attrs, source = _read_table(path)
    cols = _pick(table, _OBS_COLUMNS, _OBS_OPTIONAL, source)
    return Observations(
        time=_parse_times(cols["time"], source),
        lon=_floats(cols, "lon", source),
        lat=_floats(cols, "lat", source),
        value=_floats(cols, "value", source),
        uncertainty=_floats(cols, "uncertainty", source, positive=True),
        source_id=np.asarray(cols["id"]).astype(str).astype(object),
        height_m=_floats(cols, "height_m", source) if "height_m" in cols else None,
        background=_floats(cols, "background", source) if "background" in cols else None,
        unit=unit or str(attrs.get("value:units", "")),
    )


def read_facilities(path: str | Path, *, unit: str = "t/yr") -> PointSources:
    """Read facility emissions (the accounting results) from CSV or NetCDF."""
    table, _attrs, source = _read_table(path)
    cols = _pick(table, _FAC_COLUMNS, _FAC_OPTIONAL, source)
    ids = np.asarray(cols["id"]).astype(str).astype(object)
    if len(set(ids.tolist())) != len(ids):
        dup = next(i for i in ids if (ids == i).sum() > 1)
        raise InputError("facility ids must be unique", source=source, column="id", value=dup)
    return PointSources(
        id=ids,
        lon=_floats(cols, "lon", source),
        lat=_floats(cols, "lat", source),
        emission=_floats(cols, "emission", source),
        uncertainty=_floats(cols, "uncertainty", source, positive=True),
        height_m=_floats(cols, "height_m", source) if "height_m" in cols else None,
        name=np.asarray(cols["name"]).astype(str).astype(object) if "name" in cols else None,
        unit=unit,
        kind="facilities",
    )


def read_gridded_prior(
    path: str | Path, *, unit: str = "t/yr", relative_uncertainty: float | None = None
) -> PointSources:
    """Read a gridded prior (NetCDF ``emission(lat, lon)``) as one state element per cell.

    Cells whose uncertainty is not > 0 are left out of the state. Without an ``uncertainty``
    variable, ``relative_uncertainty * emission`` is used.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", source=str(p))
    table, _attrs = _read_netcdf(p)
    for key in ("lon", "lat", "emission"):
        if key not in table:
            raise InputError(f"missing variable {key!r}", source=str(p), column=key)
    lon, lat, em = table["lon"].astype(float), table["lat"].astype(float), table["emission"].astype(float)
    if em.shape != (lat.size, lon.size):
        raise InputError(
            f"emission has shape {em.shape}; expected (lat, lon) = {(lat.size, lon.size)}",
            source=str(p),
            column="emission",
        )
    if "uncertainty" in table:
        sd = table["uncertainty"].astype(float)
    elif relative_uncertainty is not None:
        sd = np.abs(em) * float(relative_uncertainty)
    else:
        raise InputError(
            "no 'uncertainty' variable; set prior relative_uncertainty in the config",
            source=str(p),
            column="uncertainty",
        )
    ilat, ilon = np.nonzero(np.isfinite(em) & np.isfinite(sd) & (sd > 0))
    return PointSources(
        id=np.array([f"cell_{a}_{b}" for a, b in zip(ilat, ilon, strict=True)], dtype=object),
        lon=lon[ilon],
        lat=lat[ilat],
        emission=em[ilat, ilon],
        uncertainty=sd[ilat, ilon],
        unit=unit,
        kind="grid",
        extra={"lon_grid": lon, "lat_grid": lat, "ilat": ilat, "ilon": ilon},
    )


def read_prior(
    path: str | Path,
    *,
    kind: str = "facilities",
    unit: str = "t/yr",
    relative_uncertainty: float | None = None,
) -> PointSources:
    """Read the prior: ``kind="facilities"`` (CSV/NetCDF table) or ``kind="grid"`` (NetCDF grid)."""
    if kind == "facilities":
        return read_facilities(path, unit=unit)
    if kind == "grid":
        return read_gridded_prior(path, unit=unit, relative_uncertainty=relative_uncertainty)
    raise InputError(f"prior kind {kind!r}; choose 'facilities' or 'grid'", column="kind", value=kind)


def read_meteorology(path: str | Path) -> Meteorology:
    """Read a meteorology time series from CSV or NetCDF (layout in the module docstring)."""
    table, _attrs, source = _read_table(path)
    cols = _pick(table, _MET_COLUMNS, _MET_OPTIONAL, source)
    stab = np.char.upper(np.asarray(cols["stability"]).astype(str))
    bad = ~np.isin(stab, list("ABCDEF"))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "stability must be a Pasquill class A-F",
            source=source,
            row=i + 1,
            column="stability",
            value=stab[i],
        )
    return Meteorology(
        time=_parse_times(cols["time"], source),
        wind_speed_m_s=_floats(cols, "wind_speed_m_s", source, positive=True),
        wind_from_deg=_floats(cols, "wind_from_deg", source),
        stability=stab,
        mixing_height_m=_floats(cols, "mixing_height_m", source, positive=True)
        if "mixing_height_m" in cols
        else None,
    )


# ------------------------------------------------------------------------------------------------
# writers
# ------------------------------------------------------------------------------------------------
def _iso(times: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(times).astype("datetime64[s]"), unit="s")


def write_table(
    path: str | Path,
    columns: dict[str, Any],
    *,
    dim: str = "row",
    attrs: dict[str, Any] | None = None,
    units: dict[str, str] | None = None,
) -> Path:
    """Write equal-length columns to CSV or (by suffix) NetCDF; datetimes become ISO 8601 / CF time."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if not _is_netcdf(p):
        import polars as pl

        data = {
            k: (_iso(v) if np.issubdtype(np.asarray(v).dtype, np.datetime64) else np.asarray(v))
            for k, v in columns.items()
        }
        data = {k: (v.astype(str) if v.dtype == object else v) for k, v in data.items()}
        pl.DataFrame(data).write_csv(p)
        return p
    import netCDF4

    with netCDF4.Dataset(p, "w") as ds:
        n = len(next(iter(columns.values()))) if columns else 0
        ds.createDimension(dim, n)
        for key, value in (attrs or {}).items():
            ds.setncattr(key, value)
        for name, values in columns.items():
            a = np.asarray(values)
            if np.issubdtype(a.dtype, np.datetime64):
                var = ds.createVariable(name, "f8", (dim,))
                var.units = "seconds since 1970-01-01 00:00:00"
                var.calendar = "standard"
                var[:] = a.astype("datetime64[s]").astype(np.int64).astype(np.float64)
            elif a.dtype.kind in "OUS":
                var = ds.createVariable(name, str, (dim,))
                var[:] = a.astype(str).astype(object)
            elif a.dtype == bool:
                var = ds.createVariable(name, "i1", (dim,))
                var[:] = a.astype(np.int8)
            else:
                var = ds.createVariable(name, "f8" if a.dtype.kind == "f" else "i8", (dim,))
                var[:] = a
            if units and name in units:
                var.units = units[name]
    return p


def write_observations(path: str | Path, obs: Observations) -> Path:
    """Write observations as CSV or NetCDF in the layout :func:`read_observations` reads."""
    cols: dict[str, Any] = {
        "time": obs.time,
        "lon": obs.lon,
        "lat": obs.lat,
        "value": obs.value,
        "uncertainty": obs.uncertainty,
        "id": obs.source_id,
    }
    if obs.height_m is not None:
        cols["height_m"] = obs.height_m
    if obs.background is not None:
        cols["background"] = obs.background
    units = {"value": obs.unit, "uncertainty": obs.unit} if obs.unit else None
    return write_table(path, cols, dim="obs", units=units)
