"""Gaussian plume and Briggs sigmas: table values, the formula by hand, reflections, conservation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from dualcarbon.errors import InputError
from dualcarbon.inversion import briggs_sigmas, gaussian_plume

# Briggs (1973) as tabulated by AIChE/CCPS (1999); values at x = 1000 m computed by hand.
BRIGGS_1KM = {
    ("rural", "A"): (0.22e3 / np.sqrt(1.1), 200.0),
    ("rural", "B"): (0.16e3 / np.sqrt(1.1), 120.0),
    ("rural", "C"): (0.11e3 / np.sqrt(1.1), 80.0 / np.sqrt(1.2)),
    ("rural", "D"): (80.0 / np.sqrt(1.1), 60.0 / np.sqrt(2.5)),
    ("rural", "E"): (60.0 / np.sqrt(1.1), 30.0 / 1.3),
    ("rural", "F"): (40.0 / np.sqrt(1.1), 16.0 / 1.3),
    ("urban", "A"): (320.0 / np.sqrt(1.4), 240.0 * np.sqrt(2.0)),
    ("urban", "B"): (320.0 / np.sqrt(1.4), 240.0 * np.sqrt(2.0)),
    ("urban", "C"): (220.0 / np.sqrt(1.4), 200.0),
    ("urban", "D"): (160.0 / np.sqrt(1.4), 140.0 / np.sqrt(1.3)),
    ("urban", "E"): (110.0 / np.sqrt(1.4), 80.0 / np.sqrt(2.5)),
    ("urban", "F"): (110.0 / np.sqrt(1.4), 80.0 / np.sqrt(2.5)),
}


@pytest.mark.parametrize(("terrain", "cls"), list(BRIGGS_1KM))
def test_briggs_table_at_1km(terrain, cls) -> None:
    sy, sz = briggs_sigmas(1000.0, cls, terrain)
    assert (float(sy), float(sz)) == pytest.approx(BRIGGS_1KM[(terrain, cls)], rel=1e-12)


def test_briggs_vectorised_over_classes_and_lowercase() -> None:
    sy, _ = briggs_sigmas([1000.0, 1000.0], ["a", "F"])
    assert sy == pytest.approx([BRIGGS_1KM[("rural", "A")][0], BRIGGS_1KM[("rural", "F")][0]])
    sy2, _ = briggs_sigmas(1000.0, [0, 5])
    assert sy2 == pytest.approx(sy)


def test_plume_formula_by_hand() -> None:
    # Q = 100 g/s, u = 5 m/s, x = 2 km, y = 150 m, z = 2 m, h = 60 m, class C rural
    q, u, x, y, z, h = 100.0, 5.0, 2000.0, 150.0, 2.0, 60.0
    sy = 0.11 * x / np.sqrt(1 + 0.0001 * x)
    sz = 0.08 * x / np.sqrt(1 + 0.0002 * x)
    expected = (
        q
        / (2 * np.pi * u * sy * sz)
        * np.exp(-(y**2) / (2 * sy**2))
        * (np.exp(-((z - h) ** 2) / (2 * sz**2)) + np.exp(-((z + h) ** 2) / (2 * sz**2)))
    ) * 1e6
    got = gaussian_plume(q_g_s=q, u_m_s=u, x_m=x, y_m=y, z_m=z, h_m=h, stability="C")
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_upwind_and_at_source_give_zero() -> None:
    c = gaussian_plume(
        q_g_s=1.0, u_m_s=2.0, x_m=[-100.0, 0.0, 100.0], y_m=0.0, z_m=0.0, h_m=10.0, stability="D"
    )
    assert c[0] == 0.0 and c[1] == 0.0 and c[2] > 0.0


def test_concentration_is_linear_in_q_and_inverse_in_u() -> None:
    kw = {"x_m": 1500.0, "y_m": 50.0, "z_m": 1.5, "h_m": 40.0, "stability": "D"}
    c1 = gaussian_plume(q_g_s=1.0, u_m_s=3.0, **kw)
    assert gaussian_plume(q_g_s=7.0, u_m_s=3.0, **kw) == pytest.approx(7 * c1)
    assert gaussian_plume(q_g_s=1.0, u_m_s=6.0, **kw) == pytest.approx(c1 / 2)


@pytest.mark.parametrize("cls", ["B", "D", "F"])
def test_mass_flux_through_a_downwind_plane_equals_the_source(cls) -> None:
    # with ground reflection, u * integral over y in R and z >= 0 of C equals Q
    q, u, x, h = 10.0, 4.0, 800.0, 30.0
    sy, sz = briggs_sigmas(x, cls)

    ys = np.linspace(-8 * sy, 8 * sy, 801)
    zs = np.linspace(0.0, h + 10 * sz, 2001)
    c = gaussian_plume(q_g_s=q, u_m_s=u, x_m=x, y_m=ys[None, :], z_m=zs[:, None], h_m=h, stability=cls) * 1e-6
    flux = integrate.simpson(integrate.simpson(c, x=ys, axis=1), x=zs)
    assert u * flux == pytest.approx(q, rel=1e-5)


def test_mass_flux_is_conserved_with_a_mixing_lid() -> None:
    q, u, x, h, lid = 10.0, 4.0, 3000.0, 50.0, 400.0
    sy, sz = briggs_sigmas(x, "C")
    assert sz < 1.6 * lid  # image regime

    ys = np.linspace(-8 * sy, 8 * sy, 801)
    zs = np.linspace(0.0, lid, 2001)
    c = gaussian_plume(
        q_g_s=q, u_m_s=u, x_m=x, y_m=ys[None, :], z_m=zs[:, None], h_m=h, stability="C", mixing_height_m=lid
    )
    flux = integrate.simpson(integrate.simpson(c * 1e-6, x=ys, axis=1), x=zs)
    assert u * flux == pytest.approx(q, rel=1e-4)


def test_well_mixed_limit_and_continuity() -> None:
    q, u, lid = 50.0, 5.0, 300.0
    x = 20000.0  # class B rural: sigma_z = 2400 m >> 1.6 * lid
    sy, _ = briggs_sigmas(x, "B")
    got = gaussian_plume(
        q_g_s=q, u_m_s=u, x_m=x, y_m=0.0, z_m=10.0, h_m=50.0, stability="B", mixing_height_m=lid
    )
    assert float(got) == pytest.approx(q / (np.sqrt(2 * np.pi) * u * sy * lid) * 1e6, rel=1e-12)
    # just below the switch, the image sum is already within 1 % of the uniform value
    xs = np.linspace(100, 20000, 4000)
    c = gaussian_plume(
        q_g_s=q,
        u_m_s=u,
        x_m=xs,
        y_m=0.0,
        z_m=10.0,
        h_m=50.0,
        stability="B",
        mixing_height_m=lid,
        n_reflections=6,
    )
    _, szs = briggs_sigmas(xs, "B")
    i = np.flatnonzero(szs > 1.6 * lid)[0]
    assert c[i - 1] / c[i] == pytest.approx(1.0, abs=0.01)


def test_receptor_above_the_lid_sees_nothing() -> None:
    c = gaussian_plume(
        q_g_s=1.0, u_m_s=3.0, x_m=1000.0, y_m=0.0, z_m=500.0, h_m=50.0, stability="D", mixing_height_m=400.0
    )
    assert float(c) == 0.0


def test_urban_dilutes_more_near_the_ground_source() -> None:
    kw = {"q_g_s": 1.0, "u_m_s": 3.0, "x_m": 1000.0, "y_m": 0.0, "z_m": 0.0, "h_m": 0.0, "stability": "D"}
    assert gaussian_plume(**kw, terrain="urban") < gaussian_plume(**kw, terrain="rural")


def test_bad_inputs_are_rejected() -> None:
    kw = {"q_g_s": 1.0, "x_m": 100.0, "y_m": 0.0, "z_m": 0.0, "h_m": 0.0}
    with pytest.raises(InputError, match="stability class 'G'"):
        gaussian_plume(u_m_s=1.0, stability="G", **kw)
    with pytest.raises(InputError, match="u_m_s"):
        gaussian_plume(u_m_s=0.0, stability="D", **kw)
    with pytest.raises(InputError, match="terrain"):
        gaussian_plume(u_m_s=1.0, stability="D", terrain="suburban", **kw)
