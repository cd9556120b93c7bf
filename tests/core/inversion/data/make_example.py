"""Generate the small synthetic example used by the CLI test and the docs (fixed seed).

Run from the repository root::

    python tests/core/inversion/data/make_example.py

It writes, next to this script:

* ``facilities.csv`` - eight facilities with reported CO2 emissions (t/yr), 1-sigma uncertainty
  (25 % of the report) and stack height: the prior, shaped like the accounting module's output;
* ``met.csv`` - 72 hourly records of wind speed and direction, Pasquill class and mixing height;
* ``observations.csv`` - hourly CO2 at six stations (ppm, 10 m intake), simulated with the same
  Gaussian-plume model the inversion uses (an identical-twin experiment) from *true* emissions
  plus a 420 ppm background and N(0, 0.5 ppm) noise.

The true emissions equal the reports times ``1 + 0.1 N(0, 1)``, except facility ``F03``, whose
true emission is twice what it reported: ``dualcarbon invert example.toml`` should flag it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dualcarbon.inversion.conversions import emission_g_s, mixing_ratio
from dualcarbon.inversion.io import Observations, write_observations, write_table
from dualcarbon.inversion.operators import PlumeJacobian, local_xy_m

HERE = Path(__file__).resolve().parent
SEED = 20260401
ORIGIN = (116.40, 39.90)
BACKGROUND_PPM = 420.0
NOISE_PPM = 0.5
MISREPORTED = "F03"


def main(out: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    n_fac, n_sta, n_hours = 8, 6, 72

    # facilities within ~12 km of the origin
    fac_id = np.array([f"F{i + 1:02d}" for i in range(n_fac)], dtype=object)
    fac_lon = ORIGIN[0] + rng.uniform(-0.12, 0.12, n_fac)
    fac_lat = ORIGIN[1] + rng.uniform(-0.09, 0.09, n_fac)
    reported = np.round(rng.uniform(2e5, 2e6, n_fac), -3)
    uncertainty = 0.25 * reported
    stack = np.round(rng.uniform(30.0, 90.0, n_fac))
    truth = reported * (1.0 + 0.1 * rng.standard_normal(n_fac))
    truth[fac_id == MISREPORTED] = 2.0 * reported[fac_id == MISREPORTED]

    # stations on a ring ~15 km out
    ang = np.linspace(0, 2 * np.pi, n_sta, endpoint=False) + 0.3
    sta_lon = ORIGIN[0] + 0.17 * np.cos(ang)
    sta_lat = ORIGIN[1] + 0.13 * np.sin(ang)
    sta_id = np.array([f"S{i + 1}" for i in range(n_sta)], dtype=object)

    # hourly meteorology: a wandering wind, day/night stability and mixing height
    times = np.datetime64("2026-04-01T00:00:00") + np.arange(n_hours).astype("timedelta64[h]")
    hour = np.arange(n_hours) % 24
    wind_from = (200.0 + np.cumsum(rng.normal(0, 25.0, n_hours))) % 360.0
    speed = np.clip(4.0 + 1.5 * rng.standard_normal(n_hours), 1.5, 9.0)
    day = (hour >= 8) & (hour <= 17)
    stability = np.where(day, np.where(speed < 3.0, "B", "C"), np.where(speed < 3.0, "F", "E"))
    stability[(hour == 7) | (hour == 18)] = "D"
    mixing = np.where(day, 1200.0, 400.0)

    # observations: every station every hour
    t_obs = np.repeat(times, n_sta)
    o_lon = np.tile(sta_lon, n_hours)
    o_lat = np.tile(sta_lat, n_hours)
    o_id = np.tile(sta_id, n_hours)
    idx = np.repeat(np.arange(n_hours), n_sta)

    sx, sy = local_xy_m(fac_lon, fac_lat, *ORIGIN)
    rx, ry = local_xy_m(o_lon, o_lat, *ORIGIN)
    scale = float(emission_g_s(1.0)) * float(mixing_ratio(1.0, gas="CO2", unit="ppm"))
    k = PlumeJacobian(
        source_x_m=sx,
        source_y_m=sy,
        source_h_m=stack,
        receptor_x_m=rx,
        receptor_y_m=ry,
        receptor_z_m=np.full(rx.size, 10.0),
        wind_speed_m_s=speed[idx],
        wind_from_deg=wind_from[idx],
        stability=stability[idx],
        mixing_height_m=mixing[idx],
        terrain="rural",
        scale=scale,
    ).to_array()
    value = BACKGROUND_PPM + k @ truth + NOISE_PPM * rng.standard_normal(rx.size)

    write_table(
        out / "facilities.csv",
        {
            "id": fac_id,
            "name": np.array([f"Plant {i}" for i in fac_id], dtype=object),
            "lon": np.round(fac_lon, 5),
            "lat": np.round(fac_lat, 5),
            "emission": reported,
            "uncertainty": uncertainty,
            "height_m": stack,
        },
    )
    write_table(
        out / "met.csv",
        {
            "time": times,
            "wind_speed_m_s": np.round(speed, 2),
            "wind_from_deg": np.round(wind_from, 1),
            "stability": stability.astype(object),
            "mixing_height_m": mixing,
        },
    )
    write_observations(
        out / "observations.csv",
        Observations(
            time=t_obs,
            lon=np.round(o_lon, 5),
            lat=np.round(o_lat, 5),
            value=np.round(value, 4),
            uncertainty=np.full(rx.size, NOISE_PPM),
            source_id=o_id,
            height_m=np.full(rx.size, 10.0),
            unit="ppm",
        ),
    )
    write_table(out / "truth.csv", {"id": fac_id, "true_emission": np.round(truth, 1)})


if __name__ == "__main__":
    main()
