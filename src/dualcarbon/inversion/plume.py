"""Steady-state Gaussian plume with Briggs (1973) dispersion coefficients.

For a continuous point source of strength ``Q`` (g/s) at height ``h`` (m) in a uniform wind ``u``
(m/s) blowing along ``+x``, the concentration at downwind distance ``x``, crosswind offset ``y``
and height ``z`` is (Seinfeld & Pandis 2016, eq. 18.62; Turner 1970)::

    C = Q / (2 pi u sigma_y sigma_z) * exp(-y^2 / (2 sigma_y^2)) * V(z)

    V(z) = sum_{j=-N..N} [ exp(-(z - h + 2 j L)^2 / (2 sigma_z^2))
                         + exp(-(z + h + 2 j L)^2 / (2 sigma_z^2)) ]

The ``j = 0`` pair is the source and its image in the ground (total reflection at ``z = 0``).
With a mixing height ``L`` the other pairs are the images in the ground and in the capping
inversion (total reflection at ``z = L``; Seinfeld & Pandis 2016, eq. 18.67). Once
``sigma_z > 1.6 L`` the plume is taken as uniformly mixed through the layer,
``V = sqrt(2 pi) sigma_z / L`` (Turner 1970; US EPA ISC3 user guide vol. II, eq. 1-50). Receptors
above the mixing height, and sources above it, see no plume (0).

Dispersion coefficients: Briggs (1973) open-country (rural) and urban fits for Pasquill
stability classes A (very unstable) to F (moderately stable), as tabulated in AIChE/CCPS (1999)
and checked against GasDispersion.jl ``briggs.jl``; ``x`` in m, roughly valid for
100 m < x < 10 km (Griffiths 1994 discusses the error-prone forms)::

    class  sigma_y rural             sigma_z rural              sigma_y urban              sigma_z urban
    A      0.22x(1+0.0001x)^-1/2     0.20x                      0.32x(1+0.0004x)^-1/2      0.24x(1+0.001x)^+1/2
    B      0.16x(1+0.0001x)^-1/2     0.12x                      0.32x(1+0.0004x)^-1/2      0.24x(1+0.001x)^+1/2
    C      0.11x(1+0.0001x)^-1/2     0.08x(1+0.0002x)^-1/2      0.22x(1+0.0004x)^-1/2      0.20x
    D      0.08x(1+0.0001x)^-1/2     0.06x(1+0.0015x)^-1/2      0.16x(1+0.0004x)^-1/2      0.14x(1+0.0003x)^-1/2
    E      0.06x(1+0.0001x)^-1/2     0.03x(1+0.0003x)^-1        0.11x(1+0.0004x)^-1/2      0.08x(1+0.0015x)^-1/2
    F      0.04x(1+0.0001x)^-1/2     0.016x(1+0.0003x)^-1       0.11x(1+0.0004x)^-1/2      0.08x(1+0.0015x)^-1/2

References
----------
Briggs, G. A. (1973), Diffusion Estimation for Small Emissions, ATDL-79, https://doi.org/10.2172/5118833.
AIChE/CCPS (1999), Guidelines for Consequence Analysis of Chemical Releases, table 2-13.
Griffiths, R. F. (1994), Atmos. Environ. 28, 2861-2865, https://doi.org/10.1016/1352-2310(94)90086-8.
Turner, D. B. (1970), Workbook of Atmospheric Dispersion Estimates, US EPA AP-26.
Seinfeld, J. H. and Pandis, S. N. (2016), Atmospheric Chemistry and Physics, 3rd ed., ch. 18.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dualcarbon.errors import InputError

__all__ = ["STABILITY_CLASSES", "briggs_sigmas", "gaussian_plume"]

#: Pasquill stability classes, most unstable first.
STABILITY_CLASSES = ("A", "B", "C", "D", "E", "F")

# (a, b, c) with sigma = a x (1 + b x)^c, per class A..F.
_BRIGGS: dict[str, dict[str, np.ndarray]] = {
    "rural": {
        "y": np.array(
            [
                [0.22, 1e-4, -0.5],
                [0.16, 1e-4, -0.5],
                [0.11, 1e-4, -0.5],
                [0.08, 1e-4, -0.5],
                [0.06, 1e-4, -0.5],
                [0.04, 1e-4, -0.5],
            ]
        ),
        "z": np.array(
            [
                [0.20, 0.0, 0.0],
                [0.12, 0.0, 0.0],
                [0.08, 2e-4, -0.5],
                [0.06, 1.5e-3, -0.5],
                [0.03, 3e-4, -1.0],
                [0.016, 3e-4, -1.0],
            ]
        ),
    },
    "urban": {
        "y": np.array(
            [
                [0.32, 4e-4, -0.5],
                [0.32, 4e-4, -0.5],
                [0.22, 4e-4, -0.5],
                [0.16, 4e-4, -0.5],
                [0.11, 4e-4, -0.5],
                [0.11, 4e-4, -0.5],
            ]
        ),
        "z": np.array(
            [
                [0.24, 1e-3, 0.5],
                [0.24, 1e-3, 0.5],
                [0.20, 0.0, 0.0],
                [0.14, 3e-4, -0.5],
                [0.08, 1.5e-3, -0.5],
                [0.08, 1.5e-3, -0.5],
            ]
        ),
    },
}

#: sigma_z / mixing height beyond which the plume is uniformly mixed (Turner 1970; ISC3).
WELL_MIXED_RATIO = 1.6


def _class_index(stability: Any) -> np.ndarray:
    s = np.asarray(stability)
    if s.dtype.kind in "iu":
        idx = s.astype(np.int64)
    else:
        flat = np.char.upper(np.char.strip(s.astype(str)))
        lookup = {c: i for i, c in enumerate(STABILITY_CLASSES)}
        try:
            idx = (
                np.vectorize(lookup.__getitem__, otypes=[np.int64])(flat)
                if flat.size
                else flat.astype(np.int64)
            )
        except KeyError as exc:
            raise InputError(
                f"unknown stability class {exc.args[0]!r}; use one of {', '.join(STABILITY_CLASSES)}",
                column="stability",
                value=exc.args[0],
            ) from None
    if idx.size and (idx.min() < 0 or idx.max() > 5):
        raise InputError("stability class indices must be 0 (A) to 5 (F)", column="stability")
    return idx


def briggs_sigmas(x_m: Any, stability: Any, terrain: str = "rural") -> tuple[np.ndarray, np.ndarray]:
    """Briggs (1973) dispersion coefficients ``(sigma_y, sigma_z)`` in m at downwind distance ``x_m``.

    Parameters
    ----------
    x_m : array_like
        Downwind distance (m), > 0.
    stability : str or array_like
        Pasquill class ``"A"``-``"F"`` (or 0-5), broadcast against ``x_m``.
    terrain : {"rural", "urban"}

    Examples
    --------
    >>> sy, sz = briggs_sigmas(1000.0, "D")
    >>> round(float(sy), 3), round(float(sz), 3)
    (76.277, 37.947)
    """
    if terrain not in _BRIGGS:
        raise InputError(f"terrain={terrain!r}; choose 'rural' or 'urban'", column="terrain", value=terrain)
    x = np.asarray(x_m, dtype=np.float64)
    idx = _class_index(stability)
    x, idx = np.broadcast_arrays(x, idx)
    out = []
    for axis in ("y", "z"):
        a, b, c = (_BRIGGS[terrain][axis][idx, k] for k in range(3))
        out.append(a * x * (1.0 + b * x) ** c)
    return out[0], out[1]


def gaussian_plume(
    *,
    q_g_s: Any,
    u_m_s: Any,
    x_m: Any,
    y_m: Any,
    z_m: Any,
    h_m: Any,
    stability: Any,
    terrain: str = "rural",
    mixing_height_m: Any = None,
    n_reflections: int = 3,
) -> np.ndarray:
    """Concentration (µg/m³) of a Gaussian plume from a continuous point source.

    All array arguments broadcast together.

    Parameters
    ----------
    q_g_s : array_like
        Emission rate (g/s).
    u_m_s : array_like
        Wind speed at release height (m/s), > 0.
    x_m, y_m, z_m : array_like
        Receptor position relative to the source: downwind distance, crosswind offset and height
        above ground (m). Receptors at ``x <= 0`` (upwind) get 0.
    h_m : array_like
        Effective release height (m): stack height plus plume rise.
    stability : str or array_like
        Pasquill stability class ``"A"``-``"F"``.
    terrain : {"rural", "urban"}
        Briggs coefficient set.
    mixing_height_m : array_like, optional
        Height of the capping inversion (m); ``None`` for no upper reflection.
    n_reflections : int
        Image pairs on each side of the source kept in the reflection sum when a mixing height is
        given (3 is ample until the uniform-mixing switch at ``sigma_z = 1.6 L``).

    Returns
    -------
    ndarray
        Concentration in µg/m³.

    Examples
    --------
    Ground-level centreline, ground-level source (``h = 0``): ``C = Q / (pi u sigma_y sigma_z)``.

    >>> c = gaussian_plume(q_g_s=1.0, u_m_s=1.0, x_m=1000.0, y_m=0.0, z_m=0.0, h_m=0.0, stability="D")
    >>> sy, sz = briggs_sigmas(1000.0, "D")
    >>> bool(np.isclose(c, 1e6 / (np.pi * sy * sz)))
    True
    """
    q, u, x, y, z, h = (np.asarray(a, dtype=np.float64) for a in (q_g_s, u_m_s, x_m, y_m, z_m, h_m))
    if np.any(u <= 0) or not np.all(np.isfinite(u)):
        raise InputError("wind speed u_m_s must be finite and > 0", column="u_m_s")
    if np.any(h < 0) or np.any(z < 0):
        raise InputError("heights h_m and z_m must be >= 0 (above ground)", column="h_m")
    q, u, x, y, z, h, stab = np.broadcast_arrays(q, u, x, y, z, h, _class_index(stability))
    downwind = x > 0
    xs = np.where(downwind, x, 1.0)
    sy, sz = briggs_sigmas(xs, stab, terrain)
    lateral = np.exp(-0.5 * (y / sy) ** 2) / (2.0 * np.pi * u * sy * sz)

    if mixing_height_m is None:
        vertical = np.exp(-0.5 * ((z - h) / sz) ** 2) + np.exp(-0.5 * ((z + h) / sz) ** 2)
        inside = np.ones_like(downwind)
    else:
        mh = np.broadcast_to(np.asarray(mixing_height_m, dtype=np.float64), x.shape)
        if np.any(mh <= 0):
            raise InputError("mixing_height_m must be > 0", column="mixing_height_m")
        vertical = np.zeros_like(x)
        for j in range(-n_reflections, n_reflections + 1):
            vertical += np.exp(-0.5 * ((z - h + 2 * j * mh) / sz) ** 2)
            vertical += np.exp(-0.5 * ((z + h + 2 * j * mh) / sz) ** 2)
        mixed = sz > WELL_MIXED_RATIO * mh
        vertical = np.where(mixed, np.sqrt(2.0 * np.pi) * sz / mh, vertical)
        inside = (z <= mh) & (h <= mh)
    conc_g_m3 = q * lateral * vertical
    return np.where(downwind & inside, conc_g_m3 * 1e6, 0.0)
