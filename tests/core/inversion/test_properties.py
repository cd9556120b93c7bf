"""Properties that hold for every linear-Gaussian problem (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.inversion import (
    column_mass_kg_m2,
    column_mixing_ratio,
    invert,
    mass_concentration_ug_m3,
    mixing_ratio,
)

problems = st.tuples(
    st.integers(1, 6),  # n
    st.integers(1, 8),  # m
    st.floats(0.05, 20.0),  # gamma
    st.integers(0, 2**32 - 1),  # seed
    st.booleans(),  # full prior
)


@settings(max_examples=60, deadline=None)
@given(problems)
def test_forms_agree_and_posterior_is_tighter_than_prior(case) -> None:
    n, m, gamma, seed, full_prior = case
    rng = np.random.default_rng(seed)
    K = rng.standard_normal((m, n))
    xa = rng.standard_normal(n)
    y = rng.standard_normal(m)
    if full_prior:
        B = rng.standard_normal((n, n))
        Sa = B @ B.T + 0.5 * np.eye(n)
    else:
        Sa = rng.uniform(0.1, 3.0, n)
    R = rng.uniform(0.1, 3.0, m)
    a = invert(K, y, xa, Sa, R, gamma=gamma, form="state")
    b = invert(K, y, xa, Sa, R, gamma=gamma, form="observation")
    scale = 1 + np.abs(a.posterior_mean).max()
    np.testing.assert_allclose(a.posterior_mean, b.posterior_mean, atol=1e-7 * scale)
    np.testing.assert_allclose(a.posterior_cov, b.posterior_cov, atol=1e-7 * np.abs(a.posterior_cov).max())
    prior_var = Sa if Sa.ndim == 1 else np.diag(Sa)
    assert (a.posterior_variances <= prior_var * (1 + 1e-9)).all()
    assert -1e-9 <= a.dofs <= min(n, m) + 1e-9
    assert a.cost_prior >= -1e-12 and a.cost_obs >= -1e-9 * (1 + a.cost_obs)
    # the posterior minimises J: J(x_hat) <= J(x_a) = gamma * J_O(x_a)
    r0 = y - K @ xa
    assert a.cost <= gamma * float(r0 @ (r0 / R)) * (1 + 1e-9) + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    st.floats(1e-3, 1e6),
    st.sampled_from(["CO2", "CH4", "N2O", "CO"]),
    st.floats(200.0, 330.0),
    st.floats(5e4, 1.1e5),
)
def test_conversions_round_trip(value, gas, temperature_k, pressure_pa) -> None:
    ppm = mixing_ratio(value, gas=gas, temperature_k=temperature_k, pressure_pa=pressure_pa)
    back = mass_concentration_ug_m3(ppm, gas=gas, temperature_k=temperature_k, pressure_pa=pressure_pa)
    assert np.isclose(back, value, rtol=1e-12)
    omega = column_mass_kg_m2(value, gas=gas, unit="ppb", surface_pressure_pa=pressure_pa)
    assert np.isclose(
        column_mixing_ratio(omega, gas=gas, unit="ppb", surface_pressure_pa=pressure_pa), value, rtol=1e-12
    )
