"""One Gram matrix, many hyperparameters: the sweep equals separate inversions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dualcarbon.inversion import gram_matrix, hyperparameter_sweep, invert, select_members, solve_gram
from dualcarbon.inversion.gram import SweepMember

from .inversion_problems import random_problem


@pytest.mark.parametrize("full_prior", [False, True])
def test_sweep_members_equal_separate_inversions(rng, full_prior) -> None:
    p = random_problem(rng, 7, 30, full_prior=full_prior)
    gram = gram_matrix(p.K, p.y, p.xa, p.R, chunk_rows=8)
    grid = ([0.25, 1.0], [1.0, 2.0], [0.5, 1.0, 3.0])
    W = rng.standard_normal((2, 7))
    members = hyperparameter_sweep(
        gram, p.Sa, gammas=grid[0], obs_scales=grid[1], prior_scales=grid[2], weights=W
    )
    assert len(members) == 12
    for member, (g, so, sa) in zip(members, itertools.product(*grid), strict=True):
        ref = invert(p.K, p.y, p.xa, p.Sa * sa**2, p.R * so**2, gamma=g)
        assert (member.gamma, member.obs_scale, member.prior_scale) == (g, so, sa)
        np.testing.assert_allclose(member.posterior_mean, ref.posterior_mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(member.posterior_sd, ref.posterior_sd, rtol=1e-10)
        assert member.dofs == pytest.approx(ref.dofs, rel=1e-10)
        assert member.cost_prior == pytest.approx(ref.cost_prior, rel=1e-9)
        assert member.cost_obs == pytest.approx(ref.cost_obs, rel=1e-9)
        np.testing.assert_allclose(member.totals_sd, ref.aggregate(W)[1], rtol=1e-9)


def test_solve_gram_leaves_the_gram_matrix_intact(rng) -> None:
    p = random_problem(rng, 5, 20)
    gram = gram_matrix(p.K, p.y, p.xa, p.R)
    before = gram.matrix.copy()
    a = solve_gram(gram, p.Sa, gamma=0.5)
    np.testing.assert_array_equal(gram.matrix, before)
    b = solve_gram(gram, p.Sa, gamma=0.5)
    np.testing.assert_array_equal(a.posterior_mean, b.posterior_mean)
    assert gram.n_state == 5 and gram.n_obs == 20
    # the data terms are the textbook ones (lower triangle of G on the numpy backend)
    w = 1 / p.R
    np.testing.assert_allclose(np.tril(gram.matrix), np.tril(p.K.T @ (w[:, None] * p.K)), atol=1e-12)
    d = p.y - p.K @ p.xa
    np.testing.assert_allclose(gram.rhs, p.K.T @ (w * d), rtol=1e-12)
    assert gram.misfit == pytest.approx(d @ (w * d))


def test_full_observation_covariance_in_the_gram(rng) -> None:
    p = random_problem(rng, 5, 12, full_obs=True)
    gram = gram_matrix(p.K, p.y, p.xa, p.R)
    res = solve_gram(gram, p.Sa)
    ref = invert(p.K, p.y, p.xa, p.Sa, p.R, form="observation")
    np.testing.assert_allclose(res.posterior_mean, ref.posterior_mean, rtol=1e-9)


def test_select_members_keeps_ja_over_n_between_half_and_two() -> None:
    def member(ja: float) -> SweepMember:
        return SweepMember(1.0, 1.0, 1.0, np.zeros(4), np.ones(4), 1.0, ja, 1.0, 10)

    # n = 4 elements: J_A / n = 0.5, 0.475, 2.0, 2.025, 1.0
    kept = select_members([member(2.0), member(1.9), member(8.0), member(8.1), member(4.0)])
    assert [m.cost_prior for m in kept] == [2.0, 8.0, 4.0]
