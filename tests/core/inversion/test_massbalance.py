"""IME and cross-sectional flux on images worked by hand and on a synthetic Gaussian plume."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.errors import InputError
from dualcarbon.inversion import cross_sectional_flux, ime_emission_rate_kg_s, integrated_mass_enhancement_kg
from dualcarbon.inversion.plume import briggs_sigmas


def test_ime_by_hand() -> None:
    image = np.array([[1e-3, 2e-3, 0.0], [0.0, 4e-3, 1e-3]])
    mask = image > 0
    # 4 pixels of 30 m x 30 m: IME = (1 + 2 + 4 + 1) e-3 kg/m2 * 900 m2 = 7.2 kg; L = sqrt(3600) = 60 m
    assert integrated_mass_enhancement_kg(image, 900.0, mask) == pytest.approx(7.2)
    assert ime_emission_rate_kg_s(image, 900.0, 3.0, mask) == pytest.approx(3.0 * 7.2 / 60.0)


def test_ime_ignores_nan_pixels_and_checks_inputs() -> None:
    image = np.array([[1e-3, np.nan], [1e-3, 1e-3]])
    assert integrated_mass_enhancement_kg(image, 1.0) == pytest.approx(3e-3)
    with pytest.raises(InputError, match="no valid pixels"):
        integrated_mass_enhancement_kg(image, 1.0, np.zeros((2, 2), bool))
    with pytest.raises(InputError, match="effective_wind"):
        ime_emission_rate_kg_s(image, 1.0, 0.0)


def _plume_image(q_kg_s: float, u: float, wind_from: float):
    """Vertically integrated Gaussian plume: dOmega = Q / (sqrt(2 pi) u sigma_y) exp(-y^2 / 2 sigma_y^2)."""
    x = np.arange(-3000.0, 3000.1, 20.0)
    y = np.arange(-3000.0, 3000.1, 20.0)
    X, Y = np.meshgrid(x, y)
    th = np.deg2rad(wind_from)
    ex, ey = -np.sin(th), -np.cos(th)
    along = X * ex + Y * ey
    cross = -X * ey + Y * ex
    sy, _ = briggs_sigmas(np.maximum(along, 1.0), "C")
    img = np.where(along > 0, q_kg_s / (np.sqrt(2 * np.pi) * u * sy) * np.exp(-0.5 * (cross / sy) ** 2), 0.0)
    return x, y, img


@pytest.mark.parametrize("wind_from", [270.0, 225.0, 10.0])
def test_cross_sectional_flux_recovers_a_gaussian_plume(wind_from) -> None:
    q, u = 2.5, 4.0
    x, y, img = _plume_image(q, u, wind_from)
    res = cross_sectional_flux(
        img,
        x_m=x,
        y_m=y,
        source_x_m=0.0,
        source_y_m=0.0,
        wind_speed_m_s=u,
        wind_from_deg=wind_from,
        distances_m=[500, 1000, 1500, 2000],
        half_width_m=900.0,
    )
    assert res.mean_kg_s == pytest.approx(q, rel=0.01)
    assert res.fluxes_kg_s.shape == (4,) and res.sd_kg_s < 0.01 * q


def test_transects_leaving_the_image_are_dropped() -> None:
    x, y, img = _plume_image(1.0, 3.0, 270.0)
    res = cross_sectional_flux(
        img,
        x_m=x,
        y_m=y,
        source_x_m=0.0,
        source_y_m=0.0,
        wind_speed_m_s=3.0,
        wind_from_deg=270.0,
        distances_m=[1000, 5000],
        half_width_m=600.0,
    )
    assert res.distances_m.tolist() == [1000.0]
    with pytest.raises(InputError, match="every transect"):
        cross_sectional_flux(
            img,
            x_m=x,
            y_m=y,
            source_x_m=0.0,
            source_y_m=0.0,
            wind_speed_m_s=3.0,
            wind_from_deg=270.0,
            distances_m=[5000],
            half_width_m=600.0,
        )
