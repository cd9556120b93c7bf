"""Cross-checking a reported inventory against the inversion (top-down vs bottom-up).

Two situations, two statistics:

* **The reported inventory is the prior** (``reported=None``, the usual case: facility reports
  from the accounting module are ``x_a``). If the reports were right, ``x_hat - x_a`` would be
  pure noise with covariance ``S_a - S_post`` (Rodgers 2000, sect. 2.5: ``x_hat - x_a = G (y -
  K x_a)`` and ``cov(G (y - K x_a)) = G (K S_a K^T + R) G^T = S_a A^T = S_a - S_post``), so::

      z = W (x_hat - x_a) / sqrt(diag(W (S_a - S_post) W^T))

  A facility the observations cannot see (``S_post ~ S_a``) gets ``z ~ 0/0``; it is reported with
  ``z = 0`` and not flagged.

* **The reported inventory is independent of the prior** (``reported`` given, with its own
  standard deviations ``reported_sd``, default 0)::

      z = (W x_hat - reported) / sqrt(diag(W S_post W^T) + reported_sd^2)

An entry is **flagged** when ``|z| > threshold``. The default threshold is
:data:`DEFAULT_Z_THRESHOLD` = 3: with a correct error model a facility is flagged by chance with
probability 0.27 % (two-sided normal tail), i.e. about one false flag per 370 facilities;
use 1.96 for a 5 % test on a handful of facilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dualcarbon.inversion.errors import ShapeMismatch
from dualcarbon.inversion.result import InversionResult

__all__ = ["DEFAULT_Z_THRESHOLD", "InventoryCheck", "inventory_check"]

#: Default |z| beyond which a facility or region is flagged (two-sided p = 0.0027).
DEFAULT_Z_THRESHOLD = 3.0

#: Relative size of S_a - S_post below which an entry counts as unobserved.
_UNOBSERVED = 1e-9


@dataclass(frozen=True)
class InventoryCheck:
    """Per facility (or region): top-down estimate, reported value, z-score and flag."""

    posterior: np.ndarray
    posterior_sd: np.ndarray
    reported: np.ndarray
    reported_sd: np.ndarray
    z: np.ndarray
    flagged: np.ndarray
    threshold: float
    mode: str

    @property
    def flagged_indices(self) -> np.ndarray:
        """Indices of the flagged entries, largest ``|z|`` first."""
        idx = np.flatnonzero(self.flagged)
        return idx[np.argsort(-np.abs(self.z[idx]), kind="stable")]


def inventory_check(
    result: InversionResult,
    *,
    weights: Any = None,
    reported: Any = None,
    reported_sd: Any = None,
    threshold: float = DEFAULT_Z_THRESHOLD,
) -> InventoryCheck:
    """Compare the posterior with a reported inventory and flag departures beyond ``threshold``.

    Parameters
    ----------
    result : InversionResult
    weights : array (r x n), optional
        Aggregation to facilities or regions; ``None`` compares state element by element.
    reported : array (r,), optional
        Reported totals. ``None`` means the prior mean *is* the reported inventory (see the
        module docstring for the statistic used in each case).
    reported_sd : array (r,), optional
        Standard deviations of independent reported totals (default 0).
    threshold : float
        Flag when ``|z| > threshold``.
    """
    n = result.n_state
    if weights is None:
        post = result.posterior_mean
        post_var = result.posterior_variances
        prior_tot = result.prior_mean
        prior_var = result.prior_variances
        departure_var = prior_var - post_var
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != n:
            raise ShapeMismatch(f"weights have shape {w.shape}; expected (regions, {n})", column="weights")
        post, cov = result.aggregate_covariance(w)
        post_var = np.diagonal(cov).copy()
        prior_tot, prior_sd = result.prior_aggregate(w)
        prior_var = prior_sd**2
        departure_var = np.diagonal(result.departure_covariance(w)).copy() if reported is None else None
    post_sd = np.sqrt(np.maximum(post_var, 0.0))

    if reported is None:
        mode = "prior"
        rep = np.asarray(prior_tot, dtype=np.float64)
        rep_sd = np.sqrt(prior_var)
        var = np.maximum(departure_var, 0.0)
        seen = var > _UNOBSERVED * prior_var
        z = np.where(seen, (post - rep) / np.sqrt(np.where(seen, var, 1.0)), 0.0)
    else:
        mode = "independent"
        rep = np.asarray(reported, dtype=np.float64)
        if rep.shape != post.shape:
            raise ShapeMismatch(f"reported has shape {rep.shape}; expected {post.shape}", column="reported")
        rep_sd = np.zeros_like(rep) if reported_sd is None else np.asarray(reported_sd, dtype=np.float64)
        rep_sd = np.broadcast_to(rep_sd, rep.shape).astype(np.float64)
        var = post_var + rep_sd**2
        z = np.where(var > 0, (post - rep) / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return InventoryCheck(
        posterior=post,
        posterior_sd=post_sd,
        reported=rep,
        reported_sd=rep_sd,
        z=z,
        flagged=np.abs(z) > threshold,
        threshold=float(threshold),
        mode=mode,
    )
