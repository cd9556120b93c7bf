"""The result of an analytical inversion, with diagnostics and aggregation to regions.

Notation (Rodgers 2000, ch. 2-4; Zhang et al. 2018 ACP eqs. 5-6 as used by IMI): state ``x``
(``n``), prior ``x_a`` with covariance ``S_a``, observations ``y`` (``m``) with error covariance
``R``, Jacobian ``K``, regularisation factor ``gamma`` on the observation term. The posterior
covariance ``S_post`` is kept in one of three equivalent representations, in the prior-whitened
variables of :mod:`dualcarbon.inversion.covariance` (``S_post = L_a P^-1 L_a^T``):

* ``"cov"``: ``S_post`` itself (when the full covariance was requested);
* ``"tinv"``: ``T = L_P^-1`` from the state-space form, ``P^-1 = T^T T``;
* ``"obs"``: ``V = L_G^-1 K L_a`` from the observation-space form, ``P^-1 = I - V^T V``.

Each answers region aggregates ``W S_post W^T`` exactly, whatever was requested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from dualcarbon.inversion.backend import Backend
from dualcarbon.inversion.covariance import PriorTransform
from dualcarbon.inversion.errors import ShapeMismatch

__all__ = ["InversionResult", "PosteriorFactor"]


class PosteriorFactor:
    """A representation of ``S_post`` on the backend that answers quadratic forms (private helper)."""

    def __init__(self, kind: str, array: Any, prior: PriorTransform, be: Backend) -> None:
        if kind not in ("cov", "tinv", "obs"):
            raise ValueError(kind)
        self.kind, self.array, self.prior, self.be = kind, array, prior, be

    def quadratic(self, weights: np.ndarray) -> np.ndarray:
        """``W S_post W^T`` for ``W`` of shape ``r x n`` (numpy in, numpy out)."""
        be = self.be
        w = be.asarray(weights)
        if self.kind == "cov":
            return be.to_numpy(w @ (self.array @ w.T))
        b = self.prior.right(w).T  # (W L_a)^T, n x r
        if self.kind == "tinv":
            z = self.array @ b
            return be.to_numpy(z.T @ z)
        y = self.array @ b
        return be.to_numpy(b.T @ b - y.T @ y)

    def whitened_inverse(self) -> Any:
        """``P^-1`` (``n x n``) on the backend, for the representations that do not hold it."""
        be = self.be
        if self.kind == "tinv":
            return self.array.T @ self.array
        if self.kind == "obs":
            v = self.array
            return be.add_diagonal(-(v.T @ v), 1.0)
        raise ValueError("the full covariance is held directly")


@dataclass(frozen=True, eq=False)
class InversionResult:
    """Posterior of an analytical Gaussian inversion and its diagnostics.

    Attributes
    ----------
    posterior_mean : ndarray, shape (n,)
        ``x_hat``, in the units of the state.
    posterior_cov : ndarray, shape (n, n) or (n,)
        ``S_post``, full or (with ``covariance="diagonal"``) its diagonal only.
    dofs : float
        Degrees of freedom for signal, ``tr(A)``.
    cost_prior : float
        ``J_A = (x_hat - x_a)^T S_a^-1 (x_hat - x_a)``. IMI's regularisation check is
        ``J_A / n`` close to 1 (:attr:`prior_cost_per_element`).
    cost_obs : float
        ``J_O = (y - K x_hat)^T R^-1 (y - K x_hat)``, *not* multiplied by ``gamma``; the cost
        function minimised is ``J = J_A + gamma J_O`` (:attr:`cost`).
    prior_mean : ndarray, shape (n,)
    prior_variances : ndarray, shape (n,)
    gamma : float
    form : {"state", "observation"}
        The formulation that was used.
    backend : str
    n_obs : int
    covariance : {"full", "diagonal"}
    """

    posterior_mean: np.ndarray
    posterior_cov: np.ndarray
    dofs: float
    cost_prior: float
    cost_obs: float
    prior_mean: np.ndarray
    prior_variances: np.ndarray
    gamma: float
    form: str
    backend: str
    n_obs: int
    covariance: str
    _factor: PosteriorFactor = field(repr=False)
    _sensitivities: np.ndarray | None = field(default=None, repr=False)

    # --- derived diagnostics ------------------------------------------------------------------
    @property
    def n_state(self) -> int:
        return int(self.posterior_mean.shape[0])

    @property
    def cost(self) -> float:
        """The minimised cost ``J_A + gamma J_O``."""
        return self.cost_prior + self.gamma * self.cost_obs

    @property
    def prior_cost_per_element(self) -> float:
        """``J_A / n``; IMI ensembles keep members with 0.5 <= J_A/n <= 2 (Lu et al. 2021)."""
        return self.cost_prior / self.n_state

    @property
    def obs_cost_per_obs(self) -> float:
        """``J_O / m``; close to 1 when the observation errors are well specified."""
        return self.cost_obs / self.n_obs

    @property
    def posterior_variances(self) -> np.ndarray:
        """``diag(S_post)``."""
        if self.posterior_cov.ndim == 1:
            return self.posterior_cov
        return np.diagonal(self.posterior_cov).copy()

    @property
    def posterior_sd(self) -> np.ndarray:
        """Posterior standard deviations, ``sqrt(diag(S_post))``."""
        return np.sqrt(np.maximum(self.posterior_variances, 0.0))

    @property
    def error_reduction(self) -> np.ndarray:
        """``1 - sigma_post / sigma_prior`` per state element (0: no information, 1: fully constrained)."""
        return 1.0 - self.posterior_sd / np.sqrt(self.prior_variances)

    @cached_property
    def averaging_kernel(self) -> np.ndarray:
        """Averaging kernel ``A = I - S_post S_a^-1 = d x_hat / d x_true``.

        The full ``n x n`` matrix when the full posterior covariance was requested; its diagonal
        (the sensitivities, whose sum is the DOFS) with ``covariance="diagonal"``. Computed on
        first access.
        """
        if self.covariance == "diagonal" and self._sensitivities is not None:
            return self._sensitivities
        f = self._factor
        be, prior = f.be, f.prior
        if f.kind == "cov":
            s_post = f.array
            if prior.kind == "diag":
                a = -(s_post / be.asarray(self.prior_variances)[None, :])
            else:
                a = -(be.cho_solve(prior.chol, s_post).T)
            return be.to_numpy(be.add_diagonal(a, 1.0))
        # diagonal requested with a full prior: diag(L_a (I - P^-1) L_a^-1)
        pinv = f.whitened_inverse()
        left = prior.chol @ be.add_diagonal(-pinv, 1.0)
        inv_t = be.tri_inverse(prior.chol).T
        return be.to_numpy(be.sum(left * inv_t, axis=1))

    @property
    def sensitivities(self) -> np.ndarray:
        """``diag(A)``: how much of each element's estimate comes from the observations."""
        if self._sensitivities is not None:
            return self._sensitivities
        a = self.averaging_kernel
        return a if a.ndim == 1 else np.diagonal(a).copy()

    # --- aggregation -------------------------------------------------------------------------
    def _weights(self, weights: Any) -> np.ndarray:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim == 1:
            w = w[None, :]
        if w.ndim != 2 or w.shape[1] != self.n_state:
            raise ShapeMismatch(
                f"weights have shape {w.shape}; expected (regions, {self.n_state})", column="weights"
            )
        return w

    def aggregate_covariance(self, weights: Any) -> tuple[np.ndarray, np.ndarray]:
        """Region totals ``W x_hat`` and their full covariance ``W S_post W^T``.

        ``weights`` is a ``(regions x n)`` matrix: row ``r`` holds the share of each state element
        that belongs to region ``r`` (1/0 for facilities or whole cells, area fractions for cells
        cut by a border, a unit conversion factor where the state is a scale factor).
        """
        w = self._weights(weights)
        return w @ self.posterior_mean, self._factor.quadratic(w)

    def aggregate(self, weights: Any) -> tuple[np.ndarray, np.ndarray]:
        """Region totals ``W x_hat`` and their standard deviations ``sqrt(diag(W S_post W^T))``.

        The uncertainty always comes from the full posterior covariance (correlations between
        elements included), even when only its diagonal was requested.

        Examples
        --------
        >>> import numpy as np
        >>> from dualcarbon.inversion import invert
        >>> res = invert(np.eye(2), [1.0, 3.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0])
        >>> totals, sd = res.aggregate([[1.0, 1.0]])
        >>> round(float(totals[0]), 12), round(float(sd[0]), 12)
        (2.0, 1.0)
        """
        totals, cov = self.aggregate_covariance(weights)
        return totals, np.sqrt(np.maximum(np.diagonal(cov), 0.0))

    def prior_aggregate(self, weights: Any) -> tuple[np.ndarray, np.ndarray]:
        """Region totals and standard deviations under the prior, ``W x_a`` and ``sqrt(diag(W S_a W^T))``."""
        w = self._weights(weights)
        cov = self._factor.prior.quadratic(w)
        return w @ self.prior_mean, np.sqrt(np.diagonal(cov))

    def departure_covariance(self, weights: Any) -> np.ndarray:
        """Covariance of ``W (x_hat - x_a)`` if the prior were right: ``W (S_a - S_post) W^T``.

        ``x_hat - x_a = G (y - K x_a)`` has covariance ``S_a - S_post`` over draws of the truth
        from the prior and of the observation errors (Rodgers 2000, sect. 2.5), which is the
        yardstick for asking whether the observations contradict a prior taken from the
        reported inventory.
        """
        w = self._weights(weights)
        return self._factor.prior.quadratic(w) - self._factor.quadratic(w)
