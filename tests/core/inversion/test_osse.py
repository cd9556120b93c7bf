"""Observing-system simulation experiments: with a known truth the posterior is calibrated.

If the truth is drawn from the prior and the noise from R (the assumptions of the inversion),
then over many draws
* ``(x_hat - x_true)^T S_post^-1 (x_hat - x_true)`` follows chi-square with n degrees of freedom,
* each element's 95 % interval ``x_hat +- 1.96 sigma_post`` covers the truth 95 % of the time,
* the minimised cost ``J_A + J_O`` follows chi-square with m degrees of freedom (Rodgers 2000, 12.1).
With a fixed truth and a very weak prior, the posterior is the weighted least-squares estimate,
whose frequentist coverage over noise draws is also exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.inversion import gram_matrix, invert, solve_gram

N_STATE, N_OBS, DRAWS = 10, 40, 600


def _setup(seed: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # a footprint-like Jacobian: each observation sees a few neighbouring elements
    centres = rng.uniform(0, N_STATE, N_OBS)
    K = np.exp(-0.5 * ((np.arange(N_STATE)[None, :] - centres[:, None]) / 1.5) ** 2)
    xa = np.full(N_STATE, 10.0)
    sa = rng.uniform(1.0, 4.0, N_STATE) ** 2
    r = rng.uniform(0.5, 1.5, N_OBS) ** 2
    return rng, K, xa, sa, r


@pytest.mark.parametrize(("form", "draws"), [("state", DRAWS), ("observation", DRAWS // 2)])
def test_truth_from_the_prior_gives_calibrated_chi2_and_coverage(form: str, draws: int) -> None:
    rng, K, xa, sa, r = _setup(7)
    chi2, cost, covered = [], [], []
    for _ in range(draws):
        truth = xa + np.sqrt(sa) * rng.standard_normal(N_STATE)
        y = K @ truth + np.sqrt(r) * rng.standard_normal(N_OBS)
        res = invert(K, y, xa, sa, r, form=form)
        err = res.posterior_mean - truth
        chi2.append(err @ np.linalg.solve(res.posterior_cov, err))
        cost.append(res.cost_prior + res.cost_obs)
        covered.append(np.abs(err) <= 1.96 * res.posterior_sd)
    chi2, cost, covered = np.array(chi2), np.array(cost), np.array(covered)
    # mean of chi2_n over 600 draws: sd sqrt(2n/600) = 0.18 (n = 10); allow 4 sd
    assert chi2.mean() == pytest.approx(N_STATE, abs=4 * np.sqrt(2 * N_STATE / draws))
    assert chi2.var() == pytest.approx(2 * N_STATE, rel=0.4)
    assert cost.mean() == pytest.approx(N_OBS, abs=4 * np.sqrt(2 * N_OBS / draws))
    # coverage of 6000 intervals: binomial sd 0.0028; allow 4 sd
    assert covered.mean() == pytest.approx(0.95, abs=4 * np.sqrt(0.95 * 0.05 / covered.size))


def test_fixed_truth_weak_prior_gives_exact_frequentist_coverage() -> None:
    rng, K, xa, sa, r = _setup(11)
    truth = xa + np.array([3.0, -2.0, 0.5, 4.0, -1.0, 0.0, 2.5, -3.5, 1.0, 2.0])
    covered, chi2 = [], []
    draws = 1000
    for _ in range(draws):
        y = K @ truth + np.sqrt(r) * rng.standard_normal(N_OBS)
        res = solve_gram(gram_matrix(K, y, xa, r), sa * 1e8, covariance="full")
        err = res.posterior_mean - truth
        chi2.append(err @ np.linalg.solve(res.posterior_cov, err))
        covered.append(np.abs(err) <= 1.96 * res.posterior_sd)
    assert np.mean(chi2) == pytest.approx(N_STATE, abs=4 * np.sqrt(2 * N_STATE / draws))
    # the ten intervals of one draw are strongly correlated (overlapping footprints), so the
    # effective sample is closer to the number of draws: binomial sd sqrt(0.95*0.05/1000) = 0.007
    assert np.mean(covered) == pytest.approx(0.95, abs=0.02)


def test_misspecified_errors_show_up_in_the_cost() -> None:
    # noise twice as large as R says: J_O / m is about 4, the sign IMI uses to tune gamma
    rng, K, xa, sa, r = _setup(3)
    ratios = []
    for _ in range(100):
        truth = xa + np.sqrt(sa) * rng.standard_normal(N_STATE)
        y = K @ truth + 2 * np.sqrt(r) * rng.standard_normal(N_OBS)
        ratios.append(invert(K, y, xa, sa, r).obs_cost_per_obs)
    assert 2.5 < np.mean(ratios) < 4.5
