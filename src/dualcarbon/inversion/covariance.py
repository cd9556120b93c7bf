"""Checking covariances once, and the prior square root used to whiten the state.

A covariance is given either as a vector (its diagonal: variances, in the squared units of the
state or of the observations) or as a full symmetric positive definite matrix. A scalar is taken
as the same variance for every element. A matrix whose off-diagonal entries are all zero is
handled as its diagonal.

The solvers work in the *prior-whitened* state ``u = L_a^-1 (x - x_a)``, where ``S_a = L_a L_a^T``
(``L_a = diag(sigma_a)`` for a diagonal prior). Then ``u ~ N(0, I)`` a priori, the posterior
precision of ``u`` is ``P = I + gamma L_a^T K^T R^-1 K L_a`` (all eigenvalues >= 1, so its
Cholesky factorisation is well conditioned), and ``S_post = L_a P^-1 L_a^T``. This is algebraically
the IMI/Rodgers state-space solution ``(gamma K^T R^-1 K + S_a^-1)^-1`` without ever forming
``S_a^-1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dualcarbon.inversion.backend import Backend
from dualcarbon.inversion.errors import InvalidCovariance, NotPositiveDefinite, ShapeMismatch

__all__ = ["CovarianceInput", "PriorTransform", "as_covariance", "as_vector"]


@dataclass(frozen=True)
class CovarianceInput:
    """A checked covariance: ``kind`` is ``"diag"`` (``values`` is a vector) or ``"full"`` (a matrix)."""

    kind: str
    values: np.ndarray

    @property
    def variances(self) -> np.ndarray:
        return self.values if self.kind == "diag" else np.diagonal(self.values).copy()

    def scaled(self, factor: float) -> CovarianceInput:
        return CovarianceInput(self.kind, self.values * factor)


def as_vector(value: Any, size: int | None, *, name: str) -> np.ndarray:
    """``value`` as a finite float64 vector of length ``size``."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim != 1:
        raise ShapeMismatch(f"{name} must be a 1-D vector, got shape {a.shape}", column=name)
    if size is not None and a.shape[0] != size:
        raise ShapeMismatch(f"{name} has {a.shape[0]} elements; expected {size}", column=name)
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ShapeMismatch(f"{name}[{i}] is {a[i]}; every element must be finite", column=name, value=a[i])
    return a


def as_covariance(value: Any, size: int, *, name: str) -> CovarianceInput:
    """Check a covariance given as a scalar, a vector of variances or a full matrix.

    Raises
    ------
    InvalidCovariance
        Non-positive or non-finite variances, or an asymmetric matrix.
    ShapeMismatch
        A vector or matrix whose size is not ``size``.
    """
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(size, float(a))
    if a.ndim == 1:
        if a.shape[0] != size:
            raise ShapeMismatch(f"{name} has {a.shape[0]} variances; expected {size}", column=name)
        bad = ~(np.isfinite(a) & (a > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidCovariance(
                f"{name}[{i}] = {a[i]!r}; variances must be finite and > 0 (give variances, not "
                "standard deviations, and no zeros)",
                column=name,
                value=a[i],
            )
        return CovarianceInput("diag", a)
    if a.ndim != 2 or a.shape != (size, size):
        raise ShapeMismatch(
            f"{name} has shape {a.shape}; expected ({size},) or ({size}, {size})", column=name
        )
    if not np.isfinite(a).all():
        raise InvalidCovariance(f"{name} has non-finite entries", column=name)
    scale = float(np.max(np.abs(a))) or 1.0
    asym = float(np.max(np.abs(a - a.T)))
    if asym > 1e-10 * scale:
        raise InvalidCovariance(f"{name} is not symmetric (max |C - C^T| = {asym:.3g})", column=name)
    diag = np.diagonal(a).copy()
    if not (diag > 0).all():
        i = int(np.flatnonzero(~(diag > 0))[0])
        raise InvalidCovariance(f"{name}[{i}, {i}] = {diag[i]!r}; variances must be > 0", column=name)
    if np.count_nonzero(a) == np.count_nonzero(diag):
        return CovarianceInput("diag", diag)
    return CovarianceInput("full", np.asfortranarray(a))


class PriorTransform:
    """The prior square root ``L_a`` on a backend: ``S_a = L_a L_a^T``.

    For a diagonal prior ``L_a = diag(s)`` with ``s = sqrt(variances)`` and every product is
    elementwise; for a full prior ``L_a`` is its lower Cholesky factor.
    """

    def __init__(self, cov: CovarianceInput, be: Backend) -> None:
        self.be = be
        self.kind = cov.kind
        self.variances = cov.variances
        self.matrix = cov.values if cov.kind == "full" else None
        self.n = self.variances.shape[0]
        if cov.kind == "diag":
            self.s = be.asarray(np.sqrt(cov.values))
            self.chol = None
        else:
            self.s = None
            try:
                self.chol = be.cholesky(be.asarray(cov.values), what="prior covariance")
            except NotPositiveDefinite as exc:
                raise InvalidCovariance(
                    "prior_cov is not positive definite; check its correlations (e.g. an exponential "
                    "decay kernel) and that it holds variances",
                    column="prior_cov",
                ) from exc

    def scaled(self, factor: float) -> PriorTransform:
        """The transform of ``factor**2 * S_a`` (``L_a`` times ``factor``), without refactorising."""
        if factor == 1.0:
            return self
        out = object.__new__(PriorTransform)
        out.be, out.kind, out.n = self.be, self.kind, self.n
        out.variances = self.variances * factor**2
        out.matrix = None if self.matrix is None else self.matrix * factor**2
        out.s = None if self.s is None else self.s * factor
        out.chol = None if self.chol is None else self.chol * factor
        return out

    def apply(self, u: Any) -> Any:
        """``L_a u`` for a vector or an ``n x k`` matrix."""
        if self.kind == "diag":
            return self.s * u if u.ndim == 1 else self.s[:, None] * u
        return self.chol @ u

    def apply_t(self, v: Any) -> Any:
        """``L_a^T v``."""
        if self.kind == "diag":
            return self.s * v if v.ndim == 1 else self.s[:, None] * v
        return self.chol.T @ v

    def right(self, w: Any) -> Any:
        """``W L_a`` for an ``r x n`` matrix ``W``."""
        if self.kind == "diag":
            return w * self.s[None, :]
        return w @ self.chol

    def whiten_symmetric(self, g: Any) -> Any:
        """``L_a^T G L_a`` for symmetric ``G`` (lower triangle valid on the numpy backend)."""
        if self.kind == "diag":
            return self.be.scale_symmetric(g, self.s)
        g = self.be.symmetrize(g)
        return self.chol.T @ (g @ self.chol)

    def quadratic(self, w: np.ndarray) -> np.ndarray:
        """``W S_a W^T`` in numpy."""
        if self.kind == "diag":
            return (w * self.variances[None, :]) @ w.T
        return w @ self.matrix @ w.T
