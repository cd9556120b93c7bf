"""Observation operators: the Jacobian of station observations with respect to point-source emissions.

``K[i, j]`` is the enhancement that observation ``i`` would see per unit emission of source ``j``,
from the Gaussian plume (:func:`dualcarbon.inversion.plume.gaussian_plume`) with the wind,
stability and mixing height valid at the observation's time. The plume is linear in the source
strength, so ``K`` is exact for this forward model, and ``y = K x`` is the sum of all plumes.

Positions are projected to a local plane around a reference point with the equirectangular
approximation ``x = R cos(lat0) dlon``, ``y = R dlat`` (``R = 6,371,008.8 m``, the IUGG mean Earth
radius). Over a city or a province (< ~300 km) its distance error is well under the plume
model's own error; use projected coordinates directly for larger domains.

Wind direction follows the meteorological convention: the direction the wind blows *from*,
in degrees clockwise from north (270 = westerly, blowing towards the east).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from dualcarbon.errors import InputError
from dualcarbon.inversion.plume import gaussian_plume

__all__ = ["EARTH_RADIUS_M", "PlumeJacobian", "local_xy_m", "plume_jacobian"]

#: IUGG mean Earth radius R1 (Moritz 2000, Geodetic Reference System 1980).
EARTH_RADIUS_M = 6_371_008.8


def local_xy_m(lon: Any, lat: Any, lon0: float, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets (m) of ``(lon, lat)`` from ``(lon0, lat0)`` (equirectangular).

    Examples
    --------
    >>> x, y = local_xy_m(116.01, 40.0, 116.0, 40.0)
    >>> round(float(x)), round(float(y))
    (852, 0)
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    x = EARTH_RADIUS_M * np.cos(np.deg2rad(lat0)) * np.deg2rad(lon - lon0)
    y = EARTH_RADIUS_M * np.deg2rad(lat - lat0)
    return x, y


def plume_jacobian(
    *,
    source_x_m: Any,
    source_y_m: Any,
    source_h_m: Any,
    receptor_x_m: Any,
    receptor_y_m: Any,
    receptor_z_m: Any,
    wind_speed_m_s: Any,
    wind_from_deg: Any,
    stability: Any,
    mixing_height_m: Any = None,
    terrain: str = "rural",
    scale: float = 1.0,
) -> np.ndarray:
    """Jacobian ``K`` (observations x sources) of Gaussian-plume concentrations, in µg/m³ per g/s.

    Parameters
    ----------
    source_x_m, source_y_m, source_h_m : array, (n,)
        Source positions (local plane, m) and effective release heights (m).
    receptor_x_m, receptor_y_m, receptor_z_m : array, (m,)
        Observation positions and heights above ground (m).
    wind_speed_m_s, wind_from_deg, stability : array, (m,) or scalar
        Meteorology valid for each observation.
    mixing_height_m : array (m,) or scalar, optional
    terrain : {"rural", "urban"}
    scale : float
        Multiplies ``K`` (unit conversion, e.g. ``emission_g_s(1.0) * ppm per µg/m³`` for a state
        in t/yr and observations in ppm).

    Returns
    -------
    ndarray, (m, n)
    """
    sx, sy, sh = (
        np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (source_x_m, source_y_m, source_h_m)
    )
    rx, ry, rz = (
        np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (receptor_x_m, receptor_y_m, receptor_z_m)
    )
    m = rx.shape[0]
    speed = np.broadcast_to(np.asarray(wind_speed_m_s, dtype=np.float64), (m,))
    theta = np.deg2rad(np.broadcast_to(np.asarray(wind_from_deg, dtype=np.float64), (m,)))
    stab = np.broadcast_to(np.asarray(stability), (m,))
    mix = (
        None
        if mixing_height_m is None
        else np.broadcast_to(np.asarray(mixing_height_m, dtype=np.float64), (m,))
    )
    # downwind unit vector (towards which the wind blows), per observation
    ex, ey = -np.sin(theta), -np.cos(theta)
    dx = rx[:, None] - sx[None, :]
    dy = ry[:, None] - sy[None, :]
    along = dx * ex[:, None] + dy * ey[:, None]
    cross = -dx * ey[:, None] + dy * ex[:, None]
    conc = gaussian_plume(
        q_g_s=1.0,
        u_m_s=speed[:, None],
        x_m=along,
        y_m=cross,
        z_m=rz[:, None],
        h_m=sh[None, :],
        stability=stab[:, None],
        terrain=terrain,
        mixing_height_m=None if mix is None else mix[:, None],
    )
    return conc * scale


@dataclass(frozen=True, eq=False)
class PlumeJacobian:
    """A Gaussian-plume Jacobian computed block by block of observations (a ``JacobianSource``).

    Holds the geometry and the meteorology per observation; ``row_blocks`` evaluates the plume
    for ``chunk_rows`` observations at a time, so ``K`` need never be held whole. ``to_array``
    returns it in one piece.
    """

    source_x_m: np.ndarray
    source_y_m: np.ndarray
    source_h_m: np.ndarray
    receptor_x_m: np.ndarray
    receptor_y_m: np.ndarray
    receptor_z_m: np.ndarray
    wind_speed_m_s: np.ndarray
    wind_from_deg: np.ndarray
    stability: np.ndarray
    mixing_height_m: np.ndarray | None = None
    terrain: str = "rural"
    scale: float = 1.0

    def __post_init__(self) -> None:
        m = np.asarray(self.receptor_x_m).shape[0]
        for name in ("receptor_y_m", "receptor_z_m", "wind_speed_m_s", "wind_from_deg", "stability"):
            if np.asarray(getattr(self, name)).shape[0] != m:
                raise InputError(
                    f"{name} has {np.asarray(getattr(self, name)).shape[0]} entries; expected {m}"
                )

    @property
    def shape(self) -> tuple[int, int]:
        return int(np.asarray(self.receptor_x_m).shape[0]), int(np.asarray(self.source_x_m).shape[0])

    def rows(self, start: int, stop: int) -> np.ndarray:
        sl = slice(start, stop)
        return plume_jacobian(
            source_x_m=self.source_x_m,
            source_y_m=self.source_y_m,
            source_h_m=self.source_h_m,
            receptor_x_m=self.receptor_x_m[sl],
            receptor_y_m=self.receptor_y_m[sl],
            receptor_z_m=self.receptor_z_m[sl],
            wind_speed_m_s=self.wind_speed_m_s[sl],
            wind_from_deg=self.wind_from_deg[sl],
            stability=self.stability[sl],
            mixing_height_m=None if self.mixing_height_m is None else self.mixing_height_m[sl],
            terrain=self.terrain,
            scale=self.scale,
        )

    def row_blocks(self, chunk_rows: int) -> Iterator[tuple[int, np.ndarray]]:
        m = self.shape[0]
        for start in range(0, m, chunk_rows):
            yield start, self.rows(start, min(start + chunk_rows, m))

    def to_array(self) -> np.ndarray:
        return self.rows(0, self.shape[0])
