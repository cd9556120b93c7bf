"""Analytical Bayesian inversion: :func:`invert`, in the state-space or the observation-space form.

Both forms give the same Gaussian posterior of ``x`` given ``y = K x + e``, ``x ~ N(x_a, S_a)``,
``e ~ N(0, R / gamma)`` (Rodgers 2000, *Inverse Methods for Atmospheric Sounding*, eqs. 4.3-4.5;
Zhang et al. 2018 ACP eqs. 5-6 with IMI's ``gamma``). They differ in which matrix is factorised:

=================  ===========================================  ==========================================
                   state space (:mod:`~.gram`)                   observation space (here)
=================  ===========================================  ==========================================
factorised         ``I + gamma L_a^T K^T R^-1 K L_a`` (n x n)    ``K S_a K^T + R / gamma`` (m x m)
flops              ``m n^2 + n^3`` (full ``S_post``)             ``2 m^2 n + m^3/3`` (+ ``m n^2`` for full ``S_post``)
memory             ``n^2`` + one block of rows of ``K``          ``m^2 + m n`` (+ ``n^2`` for full ``S_post``)
streams ``K``      yes, in row blocks                            no: ``K`` is held whole
=================  ===========================================  ==========================================

``form="auto"`` takes the state-space form when ``n <= m`` (more observations than unknowns:
satellite and dense in-situ problems) and the observation-space form when ``n > m``
(high-resolution grids with few observations). Neither form inverts a matrix explicitly, except
``P^-1`` itself when the full posterior covariance is asked for (LAPACK ``potri`` from the
Cholesky factor).

The observation-space form, with ``K_u = K L_a``, ``G = K_u K_u^T + R / gamma = L L^T``,
``d = y - K x_a``, ``z = G^-1 d`` and ``V = L^-1 K_u``::

    x_hat  = x_a + L_a K_u^T z
    S_post = L_a (I - V^T V) L_a^T            (Woodbury)
    DOFS   = ||V||_F^2
    J_A    = ||K_u^T z||^2,  J_O = z^T R z / gamma^2     (since y - K x_hat = (R / gamma) z)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dualcarbon.errors import InputError
from dualcarbon.inversion.backend import Backend, get_backend
from dualcarbon.inversion.covariance import PriorTransform, as_covariance, as_vector
from dualcarbon.inversion.gram import (
    _check_covariance_kind,
    _check_positive,
    gram_matrix,
    materialize,
    solve_gram,
)
from dualcarbon.inversion.jacobian import as_jacobian_source
from dualcarbon.inversion.result import InversionResult, PosteriorFactor

__all__ = ["FORMS", "choose_form", "invert", "memory_estimate"]

#: Accepted values of ``form=``.
FORMS = ("auto", "state", "observation")


def choose_form(n_state: int, n_obs: int, form: str = "auto") -> str:
    """The formulation :func:`invert` uses: ``"state"`` when ``n_state <= n_obs``, else ``"observation"``.

    Examples
    --------
    >>> choose_form(2_000, 100_000), choose_form(100_000, 20_000)
    ('state', 'observation')
    """
    if form not in FORMS:
        raise InputError(f"form={form!r}; choose one of {', '.join(FORMS)}", column="form", value=form)
    if form != "auto":
        return form
    return "state" if n_state <= n_obs else "observation"


def memory_estimate(
    n_state: int, n_obs: int, *, form: str = "auto", covariance: str = "full", chunk_rows: int | None = None
) -> int:
    """Approximate peak bytes of the solver's own float64 arrays (excluding the caller's ``K``).

    State form: one ``n x n`` buffer (Gram, then factor, then ``S_post``, in place) plus two
    blocks of rows of ``K``. Observation form: ``K L_a`` (``m x n``) and ``G`` (``m x m``), plus
    ``n x n`` for a full ``S_post``. A full prior covariance adds about two ``n x n``.
    """
    from dualcarbon.inversion.jacobian import default_chunk_rows

    form = choose_form(n_state, n_obs, form)
    if form == "state":
        rows = chunk_rows or default_chunk_rows(n_state)
        return 8 * (n_state * n_state + 2 * min(rows, n_obs) * n_state + 4 * n_state)
    extra = n_state * n_state if covariance == "full" else 0
    return 8 * (n_obs * n_state + n_obs * n_obs + extra + 4 * n_state)


def invert(
    jacobian: Any,
    obs: Any,
    prior_mean: Any,
    prior_cov: Any,
    obs_cov: Any,
    *,
    gamma: float = 1.0,
    form: str = "auto",
    backend: str | Backend = "numpy",
    covariance: str = "full",
    chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> InversionResult:
    """Analytical Bayesian inversion of a linear observation model.

    Estimates ``x`` from ``y = K x + e`` with prior ``x ~ N(prior_mean, prior_cov)`` and
    observation error ``e ~ N(0, obs_cov / gamma)``, minimising
    ``J(x) = (x - x_a)^T S_a^-1 (x - x_a) + gamma (y - K x)^T R^-1 (y - K x)``.

    Parameters
    ----------
    jacobian : array (m, n) or JacobianSource
        ``K``: an array (numpy, memmap, or a device array of the backend) or a
        :class:`~dualcarbon.inversion.jacobian.ChunkedJacobian` streamed in row blocks.
    obs : array, (m,)
        ``y``, in the units of ``K x`` (e.g. ppm above background).
    prior_mean : array, (n,)
        ``x_a``, in the units of the state (e.g. t CO2/yr per facility, or scale factors).
    prior_cov : array, (n,) or (n, n)
        ``S_a``: variances (a vector or scalar) or a full symmetric positive definite matrix.
    obs_cov : array, (m,) or (m, m)
        ``R``: variances or a full matrix (a full ``R`` needs ``K`` in memory).
    gamma : float
        Regularisation factor on the observation term (IMI, default 1): equivalent to ``R / gamma``.
    form : {"auto", "state", "observation"}
        See the module docstring; ``"auto"`` picks state space when ``n <= m``.
    backend : {"numpy", "cupy", "torch", "jax"} or Backend
        Array library; see :mod:`dualcarbon.inversion.backend`.
    covariance : {"full", "diagonal"}
        Return the full posterior covariance (``n x n``) or only its diagonal. Region aggregates
        (:meth:`InversionResult.aggregate`) use the full covariance either way.
    chunk_rows : int, optional
        Rows of ``K`` per block in the state-space form (default: about 128 MiB per block).
    progress : callable, optional
        ``progress(rows_done, rows_total)``, called while ``K`` is read.

    Returns
    -------
    InversionResult

    Raises
    ------
    ShapeMismatch, InvalidCovariance
        Inputs that do not fit together or covariances that are not positive definite.
    NotPositiveDefinite
        The factorised matrix lost positive definiteness (badly scaled inputs).
    BackendUnavailable
        The requested backend is not installed.

    References
    ----------
    Rodgers, C. D. (2000), Inverse Methods for Atmospheric Sounding, World Scientific, ch. 2-4.
    Zhang, Y. et al. (2018), ACP 18, 15959-15973, eqs. (5)-(6); IMI ``src/inversion_scripts/invert.py``.

    Examples
    --------
    One state element, one observation, everything 1 and y = 2: the posterior splits the
    difference.

    >>> res = invert([[1.0]], [2.0], [0.0], [1.0], [1.0])
    >>> [round(float(v), 12) for v in (res.posterior_mean[0], res.posterior_cov[0, 0], res.dofs)]
    [1.0, 0.5, 0.5]
    """
    _check_covariance_kind(covariance)
    gamma = _check_positive("gamma", gamma)
    be = get_backend(backend)
    src = as_jacobian_source(jacobian)
    m, n = src.shape
    chosen = choose_form(n, m, form)
    if chosen == "state":
        gram = gram_matrix(
            jacobian,
            obs,
            prior_mean,
            obs_cov,
            backend=be,
            chunk_rows=chunk_rows,
            progress=progress,
        )
        prior_cov_in = as_covariance(prior_cov, n, name="prior_cov")
        return solve_gram(gram, prior_cov_in, gamma=gamma, covariance=covariance, overwrite=True)
    return _invert_observation_space(
        jacobian,
        obs,
        prior_mean,
        prior_cov,
        obs_cov,
        gamma=gamma,
        be=be,
        covariance=covariance,
        chunk_rows=chunk_rows,
        progress=progress,
    )


def _invert_observation_space(
    jacobian: Any,
    obs: Any,
    prior_mean: Any,
    prior_cov: Any,
    obs_cov: Any,
    *,
    gamma: float,
    be: Backend,
    covariance: str,
    chunk_rows: int | None,
    progress: Callable[[int, int], None] | None,
) -> InversionResult:
    src = as_jacobian_source(jacobian)
    m, n = src.shape
    y = as_vector(obs, m, name="obs")
    xa = as_vector(prior_mean, n, name="prior_mean")
    r = as_covariance(obs_cov, m, name="obs_cov")
    prior = PriorTransform(as_covariance(prior_cov, n, name="prior_cov"), be)

    k = materialize(jacobian, be, chunk_rows, progress)
    d = be.asarray(y) - k @ be.asarray(xa)
    ku = prior.right(k)  # K L_a, m x n
    del k
    g = be.outer_gram(ku)  # K S_a K^T (lower triangle at least)
    r_over_gamma = be.asarray(r.values / gamma)
    if r.kind == "diag":
        g = be.add_diagonal(g, r_over_gamma)
    else:
        g = g + r_over_gamma
    factor = be.cholesky(g, overwrite=True, what="innovation covariance K S_a K^T + R / gamma")
    z = be.cho_solve(factor, d)
    u = ku.T @ z
    delta = be.to_numpy(prior.apply(u))
    cost_prior = be.scalar(u @ u)
    r_z = r_over_gamma * z if r.kind == "diag" else r_over_gamma @ z  # (R / gamma) z = y - K x_hat
    cost_obs = be.scalar(z @ r_z) / gamma
    v = be.solve_triangular(factor, ku, overwrite=True)  # V = L^-1 K L_a, m x n
    del ku, factor, g
    vcol = be.to_numpy(be.column_sumsq(v))  # diag(V^T V) = 1 - diag(P^-1)
    dofs = float(vcol.sum())

    if covariance == "full":
        pinv = be.add_diagonal(-(v.T @ v), 1.0)
        if prior.kind == "diag":
            s_post = be.scale_symmetric(pinv, prior.s)
        else:
            s_post = prior.chol @ (pinv @ prior.chol.T)
        del v
        post = PosteriorFactor("cov", s_post, prior, be)
        posterior_cov = be.to_numpy(s_post)
    else:
        if prior.kind == "diag":
            posterior_cov = prior.variances * (1.0 - vcol)
        else:
            posterior_cov = prior.variances - be.to_numpy(be.row_sumsq(prior.chol @ v.T))
        post = PosteriorFactor("obs", v, prior, be)
    return InversionResult(
        posterior_mean=xa + delta,
        posterior_cov=posterior_cov,
        dofs=dofs,
        cost_prior=cost_prior,
        cost_obs=cost_obs,
        prior_mean=xa,
        prior_variances=prior.variances,
        gamma=float(gamma),
        form="observation",
        backend=be.name,
        n_obs=m,
        covariance=covariance,
        _factor=post,
        _sensitivities=vcol if prior.kind == "diag" else None,
    )
