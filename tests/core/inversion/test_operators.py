"""Plume Jacobians: columns are single-source plumes, blocks equal the whole, geometry is right."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.inversion import PlumeJacobian, gaussian_plume, invert, local_xy_m, plume_jacobian


def test_local_projection() -> None:
    x, y = local_xy_m([116.0, 116.01], [40.0, 40.01], 116.0, 40.0)
    assert x[0] == 0.0 and y[0] == 0.0
    assert x[1] == pytest.approx(6371008.8 * np.cos(np.deg2rad(40.0)) * np.deg2rad(0.01))
    assert y[1] == pytest.approx(1111.95, abs=0.01)


def test_westerly_wind_blows_to_the_east() -> None:
    # receptor 1 km east of the source, wind from the west (270): directly downwind
    k = plume_jacobian(
        source_x_m=[0.0],
        source_y_m=[0.0],
        source_h_m=[0.0],
        receptor_x_m=[1000.0, -1000.0],
        receptor_y_m=[0.0, 0.0],
        receptor_z_m=[0.0, 0.0],
        wind_speed_m_s=2.0,
        wind_from_deg=270.0,
        stability="D",
    )
    direct = gaussian_plume(q_g_s=1.0, u_m_s=2.0, x_m=1000.0, y_m=0.0, z_m=0.0, h_m=0.0, stability="D")
    assert k[0, 0] == pytest.approx(float(direct))
    assert k[1, 0] == 0.0  # upwind
    # wind from the north (0): a receptor 1 km south is downwind
    k2 = plume_jacobian(
        source_x_m=[0.0],
        source_y_m=[0.0],
        source_h_m=[0.0],
        receptor_x_m=[0.0],
        receptor_y_m=[-1000.0],
        receptor_z_m=[0.0],
        wind_speed_m_s=2.0,
        wind_from_deg=0.0,
        stability="D",
    )
    assert k2[0, 0] == pytest.approx(float(direct))


def test_plume_jacobian_columns_superpose(rng) -> None:
    n, m = 4, 30
    src = {
        "source_x_m": rng.uniform(-2000, 2000, n),
        "source_y_m": rng.uniform(-2000, 2000, n),
        "source_h_m": rng.uniform(10, 80, n),
    }
    met = {
        "receptor_x_m": rng.uniform(-5000, 5000, m),
        "receptor_y_m": rng.uniform(-5000, 5000, m),
        "receptor_z_m": np.full(m, 5.0),
        "wind_speed_m_s": rng.uniform(1, 6, m),
        "wind_from_deg": rng.uniform(0, 360, m),
        "stability": rng.choice(list("ABCDEF"), m),
        "mixing_height_m": rng.uniform(300, 1500, m),
    }
    op = PlumeJacobian(**src, **met, scale=2.0)
    K = op.to_array()
    q = rng.uniform(1, 10, n)
    total = np.zeros(m)
    for j in range(n):
        th = np.deg2rad(met["wind_from_deg"])
        dx, dy = met["receptor_x_m"] - src["source_x_m"][j], met["receptor_y_m"] - src["source_y_m"][j]
        along = -dx * np.sin(th) - dy * np.cos(th)
        cross = dx * np.cos(th) - dy * np.sin(th)
        total += 2.0 * gaussian_plume(
            q_g_s=q[j],
            u_m_s=met["wind_speed_m_s"],
            x_m=along,
            y_m=cross,
            z_m=5.0,
            h_m=src["source_h_m"][j],
            stability=met["stability"],
            mixing_height_m=met["mixing_height_m"],
        )
    np.testing.assert_allclose(K @ q, total, rtol=1e-12)
    blocks = np.vstack([b for _, b in op.row_blocks(7)])
    np.testing.assert_array_equal(blocks, K)
    # the operator streams straight into invert()
    y = K @ q
    a = invert(op, y, np.ones(n), np.full(n, 100.0), np.full(m, 1e-6), chunk_rows=5)
    b = invert(K, y, np.ones(n), np.full(n, 100.0), np.full(m, 1e-6))
    np.testing.assert_allclose(a.posterior_mean, b.posterior_mean, rtol=1e-10)
