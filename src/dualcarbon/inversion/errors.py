"""Errors raised by :mod:`dualcarbon.inversion`, under the core's shared branches::

    DualCarbonError
    ├── InputError
    │   ├── ShapeMismatch          arrays whose sizes do not fit together
    │   ├── InvalidCovariance      a covariance that is not symmetric positive definite
    │   └── InvalidConfig          an inversion CONFIG file that cannot be used as given
    ├── ComputationError
    │   └── NotPositiveDefinite    a matrix that lost positive definiteness during the solve
    └── BackendUnavailable         the requested array backend (cupy, torch, jax) is not installed

Messages name the offending value and say what to do next.
"""

from __future__ import annotations

from dualcarbon.errors import ComputationError, DualCarbonError, InputError

__all__ = [
    "BackendUnavailable",
    "InvalidConfig",
    "InvalidCovariance",
    "NotPositiveDefinite",
    "ShapeMismatch",
]


class ShapeMismatch(InputError):
    """Arrays whose sizes do not fit together (Jacobian, observations, prior, covariances, weights)."""


class InvalidCovariance(InputError):
    """A prior or observation covariance that is not symmetric positive definite (or has variances <= 0)."""


class InvalidConfig(InputError):
    """An inversion configuration file (TOML or JSON) with a missing, unknown or invalid setting."""


class NotPositiveDefinite(ComputationError):
    """A matrix that should be positive definite failed its Cholesky factorisation during the solve."""


class BackendUnavailable(DualCarbonError, ImportError):
    """The requested array backend is not installed; the message names the extra to install."""
