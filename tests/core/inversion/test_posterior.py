"""invert(): hand-solved cases, the two forms against each other and against textbook formulas, limits."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.errors import InputError
from dualcarbon.inversion import (
    ChunkedJacobian,
    InvalidCovariance,
    ShapeMismatch,
    choose_form,
    invert,
    memory_estimate,
)

from .inversion_problems import random_problem, reference_posterior


# --- tiny problems solved by hand --------------------------------------------------------------
@pytest.mark.parametrize("form", ["state", "observation"])
def test_scalar_problem_by_hand(form: str) -> None:
    # x_a = 0, sigma_a^2 = 1, K = 1, R = 1, y = 2  ->  x_hat = 1, S_post = 1/2, A = 1/2
    res = invert([[1.0]], [2.0], [0.0], [1.0], [1.0], form=form)
    assert res.posterior_mean == pytest.approx([1.0])
    assert res.posterior_cov == pytest.approx(np.array([[0.5]]))
    assert res.averaging_kernel == pytest.approx(np.array([[0.5]]))
    assert res.dofs == pytest.approx(0.5)
    assert res.cost_prior == pytest.approx(1.0)  # (1 - 0)^2 / 1
    assert res.cost_obs == pytest.approx(1.0)  # (2 - 1)^2 / 1
    assert res.form == form


@pytest.mark.parametrize("form", ["state", "observation"])
def test_scalar_problem_with_gamma_by_hand(form: str) -> None:
    # gamma = 3: precision 1 + 3 = 4, x_hat = 3 * 2 / 4 = 1.5, S_post = 1/4, J_O = 0.5^2
    res = invert([[1.0]], [2.0], [0.0], [1.0], [1.0], gamma=3.0, form=form)
    assert res.posterior_mean == pytest.approx([1.5])
    assert res.posterior_cov == pytest.approx(np.array([[0.25]]))
    assert res.dofs == pytest.approx(0.75)
    assert res.cost_prior == pytest.approx(2.25)
    assert res.cost_obs == pytest.approx(0.25)
    assert res.cost == pytest.approx(2.25 + 3 * 0.25)


@pytest.mark.parametrize("form", ["state", "observation"])
def test_two_independent_elements_by_hand(form: str) -> None:
    # K = I, S_a = diag(1, 4), R = I, y = (2, 5): x_hat = (2/2, 4*5/5) = (1, 4), var = (1/2, 4/5)
    res = invert(np.eye(2), [2.0, 5.0], [0.0, 0.0], [1.0, 4.0], [1.0, 1.0], form=form)
    assert res.posterior_mean == pytest.approx([1.0, 4.0])
    assert res.posterior_cov == pytest.approx(np.array([[0.5, 0.0], [0.0, 0.8]]))
    assert res.dofs == pytest.approx(1.3)
    assert res.cost_prior == pytest.approx(1.0 + 16.0 / 4.0)
    assert res.cost_obs == pytest.approx(2.0)


@pytest.mark.parametrize("form", ["state", "observation"])
def test_one_observation_of_a_sum_by_hand(form: str) -> None:
    # y = x1 + x2 = 3, S_a = I, R = 1: K S_a K^T + R = 3, x_hat = (1, 1),
    # S_post = I - [[1, 1], [1, 1]] / 3, DOFS = 2/3; the sum is known to variance 2/3.
    res = invert([[1.0, 1.0]], [3.0], [0.0, 0.0], [1.0, 1.0], [1.0], form=form)
    assert res.posterior_mean == pytest.approx([1.0, 1.0])
    assert res.posterior_cov == pytest.approx(np.array([[2.0, -1.0], [-1.0, 2.0]]) / 3)
    assert res.dofs == pytest.approx(2.0 / 3.0)
    total, sd = res.aggregate([[1.0, 1.0]])
    assert total == pytest.approx([2.0])
    assert sd == pytest.approx([np.sqrt(2.0 / 3.0)])
    prior_total, prior_sd = res.prior_aggregate([[1.0, 1.0]])
    assert prior_total == pytest.approx([0.0]) and prior_sd == pytest.approx([np.sqrt(2.0)])


# --- against textbook formulas, and the two forms against each other ------------------------------
CASES = [
    (6, 15, False, False),
    (6, 15, True, False),
    (6, 15, False, True),
    (6, 15, True, True),
    (15, 6, False, False),
    (15, 6, True, False),
    (15, 6, False, True),
]


@pytest.mark.parametrize(("n", "m", "full_prior", "full_obs"), CASES)
@pytest.mark.parametrize("form", ["state", "observation"])
@pytest.mark.parametrize("covariance", ["full", "diagonal"])
@pytest.mark.parametrize("gamma", [1.0, 0.25])
def test_matches_textbook_formulas(rng, n, m, full_prior, full_obs, form, covariance, gamma) -> None:
    p = random_problem(rng, n, m, full_prior=full_prior, full_obs=full_obs)
    ref = reference_posterior(p, gamma)
    res = invert(p.K, p.y, p.xa, p.Sa, p.R, gamma=gamma, form=form, covariance=covariance, chunk_rows=4)
    scale = np.max(np.abs(ref["mean"]))
    np.testing.assert_allclose(res.posterior_mean, ref["mean"], rtol=1e-9, atol=1e-10 * scale)
    if covariance == "full":
        np.testing.assert_allclose(res.posterior_cov, ref["cov"], atol=1e-10)
        np.testing.assert_allclose(res.averaging_kernel, ref["A"], atol=1e-9)
    else:
        np.testing.assert_allclose(res.posterior_cov, np.diag(ref["cov"]), atol=1e-10)
        np.testing.assert_allclose(res.averaging_kernel, np.diag(ref["A"]), atol=1e-9)
    np.testing.assert_allclose(res.sensitivities, np.diag(ref["A"]), atol=1e-9)
    assert res.dofs == pytest.approx(ref["dofs"], abs=1e-9)
    assert res.cost_prior == pytest.approx(ref["J_A"], rel=1e-8)
    assert res.cost_obs == pytest.approx(ref["J_O"], rel=1e-8)
    W = rng.standard_normal((3, n))
    totals, sd = res.aggregate(W)
    np.testing.assert_allclose(totals, W @ ref["mean"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sd, np.sqrt(np.diag(W @ ref["cov"] @ W.T)), rtol=1e-8)


@pytest.mark.parametrize(("full_prior", "full_obs"), [(False, False), (True, False), (False, True)])
def test_state_and_observation_forms_agree(rng, full_prior, full_obs) -> None:
    p = random_problem(rng, 40, 25, full_prior=full_prior, full_obs=full_obs)
    a = invert(p.K, p.y, p.xa, p.Sa, p.R, form="state", gamma=0.6)
    b = invert(p.K, p.y, p.xa, p.Sa, p.R, form="observation", gamma=0.6)
    np.testing.assert_allclose(a.posterior_mean, b.posterior_mean, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(a.posterior_cov, b.posterior_cov, atol=1e-10)
    np.testing.assert_allclose(a.averaging_kernel, b.averaging_kernel, atol=1e-9)
    for attr in ("dofs", "cost_prior", "cost_obs"):
        assert getattr(a, attr) == pytest.approx(getattr(b, attr), rel=1e-8)


def test_auto_form_follows_the_smaller_dimension(rng) -> None:
    p = random_problem(rng, 5, 9)
    assert invert(p.K, p.y, p.xa, p.Sa, p.R).form == "state"
    q = random_problem(rng, 9, 5)
    assert invert(q.K, q.y, q.xa, q.Sa, q.R).form == "observation"
    assert choose_form(10, 10) == "state"
    with pytest.raises(InputError, match="form="):
        choose_form(1, 1, "kalman")


# --- limits ----------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["state", "observation"])
def test_huge_observation_error_gives_back_the_prior(rng, form) -> None:
    p = random_problem(rng, 8, 20) if form == "state" else random_problem(rng, 20, 8)
    res = invert(p.K, p.y, p.xa, p.Sa, p.R * 1e14, form=form)
    np.testing.assert_allclose(res.posterior_mean, p.xa, atol=1e-6)
    np.testing.assert_allclose(res.posterior_variances, p.Sa, rtol=1e-6)
    assert res.dofs == pytest.approx(0.0, abs=1e-6)
    assert res.cost_prior == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize(("form", "inflate", "rtol"), [("state", 1e10, 1e-6), ("observation", 1e6, 1e-4)])
def test_huge_prior_error_gives_weighted_least_squares(rng, form, inflate, rtol) -> None:
    # The observation form factorises K S_a K^T + R, whose condition number grows with S_a / R
    # when m > n; it is accurate to about kappa * eps (docs/inversion.md), and "auto" never picks
    # it for m > n.
    p = random_problem(rng, 8, 20)
    w = 1.0 / p.R
    wls = np.linalg.solve(p.K.T @ (w[:, None] * p.K), p.K.T @ (w * p.y))
    wls_cov = np.linalg.inv(p.K.T @ (w[:, None] * p.K))
    res = invert(p.K, p.y, p.xa, p.Sa * inflate, p.R, form=form)
    np.testing.assert_allclose(res.posterior_mean, wls, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(res.posterior_cov, wls_cov, rtol=10 * rtol, atol=rtol)
    assert res.dofs == pytest.approx(8.0, abs=10 * rtol)


# --- streaming --------------------------------------------------------------------------------
def test_streamed_jacobian_equals_array(rng) -> None:
    p = random_problem(rng, 12, 50)
    a = invert(p.K, p.y, p.xa, p.Sa, p.R)
    streamed = ChunkedJacobian(p.K.shape, lambda i, j: p.K[i:j])
    for rows in (1, 7, 50, 64):
        b = invert(streamed, p.y, p.xa, p.Sa, p.R, chunk_rows=rows)
        np.testing.assert_allclose(b.posterior_mean, a.posterior_mean, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b.posterior_cov, a.posterior_cov, rtol=1e-12, atol=1e-14)
        assert b.cost_obs == pytest.approx(a.cost_obs, rel=1e-10)


def test_jacobian_from_npy_files_and_memmap(rng, tmp_path) -> None:
    p = random_problem(rng, 10, 30)
    paths = []
    for k, (i, j) in enumerate([(0, 7), (7, 20), (20, 30)]):
        paths.append(tmp_path / f"K{k}.npy")
        np.save(paths[-1], p.K[i:j].astype(np.float32))  # float32 on disk, as IMI stores K
    ref = invert(p.K.astype(np.float32).astype(np.float64), p.y, p.xa, p.Sa, p.R)
    res = invert(ChunkedJacobian.from_files(paths), p.y, p.xa, p.Sa, p.R)
    np.testing.assert_allclose(res.posterior_mean, ref.posterior_mean, rtol=1e-12)
    np.save(tmp_path / "K.npy", p.K)
    mm = np.load(tmp_path / "K.npy", mmap_mode="r")
    res2 = invert(mm, p.y, p.xa, p.Sa, p.R, chunk_rows=8)
    np.testing.assert_allclose(
        res2.posterior_mean, invert(p.K, p.y, p.xa, p.Sa, p.R).posterior_mean, rtol=1e-12
    )
    obs_form = invert(ChunkedJacobian.from_files(paths), p.y, p.xa, p.Sa, p.R, form="observation")
    np.testing.assert_allclose(obs_form.posterior_mean, ref.posterior_mean, rtol=1e-9)


def test_progress_is_reported(rng) -> None:
    p = random_problem(rng, 4, 10)
    calls: list[tuple[int, int]] = []
    invert(p.K, p.y, p.xa, p.Sa, p.R, chunk_rows=4, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(4, 10), (8, 10), (10, 10)]


def test_scalar_covariances_are_broadcast(rng) -> None:
    p = random_problem(rng, 4, 10)
    a = invert(p.K, p.y, p.xa, 2.0, 0.5)
    b = invert(p.K, p.y, p.xa, np.full(4, 2.0), np.full(10, 0.5))
    np.testing.assert_allclose(a.posterior_mean, b.posterior_mean)


def test_diagonal_matrix_is_handled_as_a_vector(rng) -> None:
    p = random_problem(rng, 5, 10)
    a = invert(p.K, p.y, p.xa, np.diag(p.Sa), np.diag(p.R))
    b = invert(p.K, p.y, p.xa, p.Sa, p.R)
    np.testing.assert_allclose(a.posterior_cov, b.posterior_cov, atol=1e-15)


# --- derived quantities ---------------------------------------------------------------------------
def test_error_reduction_and_costs_per_element(rng) -> None:
    p = random_problem(rng, 5, 30)
    res = invert(p.K, p.y, p.xa, p.Sa, p.R)
    np.testing.assert_allclose(res.error_reduction, 1 - res.posterior_sd / np.sqrt(p.Sa))
    assert res.prior_cost_per_element == pytest.approx(res.cost_prior / 5)
    assert res.obs_cost_per_obs == pytest.approx(res.cost_obs / 30)
    assert res.n_state == 5 and res.n_obs == 30


def test_departure_covariance_is_prior_minus_posterior(rng) -> None:
    p = random_problem(rng, 6, 20, full_prior=True)
    res = invert(p.K, p.y, p.xa, p.Sa, p.R)
    W = rng.standard_normal((2, 6))
    np.testing.assert_allclose(res.departure_covariance(W), W @ (p.Sa - res.posterior_cov) @ W.T, atol=1e-10)


def test_memory_estimate_orders_of_magnitude() -> None:
    assert memory_estimate(2_000, 100_000) < 0.5e9  # n^2 + two blocks
    assert memory_estimate(100_000, 20_000, covariance="diagonal") == pytest.approx(
        8 * (20_000 * 100_000 + 20_000**2 + 4 * 100_000)
    )


# --- validation -----------------------------------------------------------------------------
def test_shape_errors_name_the_argument(rng) -> None:
    p = random_problem(rng, 4, 10)
    with pytest.raises(ShapeMismatch, match="obs has 9"):
        invert(p.K, p.y[:9], p.xa, p.Sa, p.R)
    with pytest.raises(ShapeMismatch, match="prior_mean"):
        invert(p.K, p.y, p.xa[:3], p.Sa, p.R)
    with pytest.raises(ShapeMismatch, match="obs_cov"):
        invert(p.K, p.y, p.xa, p.Sa, p.R[:3])
    with pytest.raises(ShapeMismatch, match="weights"):
        invert(p.K, p.y, p.xa, p.Sa, p.R).aggregate(np.ones((2, 3)))


def test_bad_covariances_are_rejected(rng) -> None:
    p = random_problem(rng, 3, 10)
    with pytest.raises(InvalidCovariance, match=r"prior_cov\[1\]"):
        invert(p.K, p.y, p.xa, [1.0, 0.0, 1.0], p.R)
    with pytest.raises(InvalidCovariance, match="not symmetric"):
        invert(p.K, p.y, p.xa, np.array([[1, 0.5, 0], [0, 1, 0], [0, 0, 1.0]]), p.R)
    with pytest.raises(InvalidCovariance, match="positive definite"):
        invert(p.K, p.y, p.xa, np.array([[1, 2, 0], [2, 1, 0], [0, 0, 1.0]]), p.R)
    with pytest.raises(InputError, match="gamma"):
        invert(p.K, p.y, p.xa, p.Sa, p.R, gamma=0.0)
    with pytest.raises(InputError, match="covariance="):
        invert(p.K, p.y, p.xa, p.Sa, p.R, covariance="none")
    with pytest.raises(ShapeMismatch, match="finite"):
        invert(p.K, np.r_[np.nan, p.y[1:]], p.xa, p.Sa, p.R)
