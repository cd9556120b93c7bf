"""Uncertainty: IPCC Approach 1 (error propagation) and Approach 2 (seeded Monte Carlo).

References
----------
IPCC (2006) Guidelines for National Greenhouse Gas Inventories, Vol.1 Ch.3 "Uncertainties":
Eq. 3.1 (products) and Eq. 3.2 (sums); Approach 2 (Monte Carlo, §3.2.3.2). U is the half-width of
the 95 % confidence interval as a percentage of the mean.

Conventions used by the engine
------------------------------
* A row's ``uncertainty_pct`` is the uncertainty of its activity data (normal distribution).
* A factor's uncertainty comes from its record (:class:`~dualcarbon.accounting.factors.Uncertainty`).
  Row-supplied values (a measured NCV, a plant factor) have no stated uncertainty. An input with no
  stated uncertainty counts as exact and the result is marked ``uncertainty_complete = false``.
* GWP values are treated as exact constants, as inventories do.
* Correlation: lines that share factors are summed *before* the factor uncertainty is applied
  (the guidance's advice for correlated inputs), so one factor used by many lines is counted as one
  fully correlated source. Monte Carlo draws each factor once per iteration for all lines using it.
* Approach 1 assumes relative uncertainties below about 60 % (CV < 0.3); :func:`check_approach1_validity`
  flags results beyond that.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from dualcarbon.errors import InputError

__all__ = [
    "Approach1Warning",
    "check_approach1_validity",
    "half_width_pct",
    "product_uncertainty",
    "relative_samples",
    "sum_uncertainty",
]

Z95 = 1.959963984540054  # standard normal 97.5th percentile


class Approach1Warning(UserWarning):
    """An uncertainty is too large for Approach 1 (IPCC 2006 Vol.1 Ch.3: CV above about 0.3)."""


def product_uncertainty(uncertainties_pct: Iterable[float]) -> float:
    """IPCC 2006 Vol.1 Ch.3 Eq. 3.1: U_total = sqrt(U_1^2 + ... + U_n^2) for a product of quantities.

    >>> round(product_uncertainty([3.0, 4.0]), 12)
    5.0
    """
    return math.sqrt(sum(float(u) ** 2 for u in uncertainties_pct))


def sum_uncertainty(values: Sequence[float], uncertainties_pct: Sequence[float]) -> float:
    """IPCC 2006 Vol.1 Ch.3 Eq. 3.2: U = sqrt(sum (U_i x_i)^2) / |sum x_i| for a sum of quantities.

    Raises :class:`~dualcarbon.errors.InputError` when the sum is zero (the relative uncertainty is
    undefined).

    >>> round(sum_uncertainty([100.0, 100.0], [10.0, 10.0]), 10)
    7.0710678119
    """
    if len(values) != len(uncertainties_pct):
        raise InputError("values and uncertainties must have the same length")
    total = sum(values)
    if total == 0:
        raise InputError("the relative uncertainty of a sum that is zero is undefined")
    return math.sqrt(
        sum((float(u) * float(x)) ** 2 for x, u in zip(values, uncertainties_pct, strict=True))
    ) / abs(total)


def check_approach1_validity(uncertainty_pct: float, *, strict: bool = False, what: str = "result") -> bool:
    """True when ``uncertainty_pct`` is within Approach 1's range (U <= 60 %, i.e. CV <= about 0.3).

    Outside it, warn with :class:`Approach1Warning` (or raise :class:`InputError` when ``strict``).
    """
    if uncertainty_pct <= 60.0:
        return True
    msg = f"{what}: uncertainty {uncertainty_pct:.1f} % exceeds about 60 %; Approach 1 is not valid, use Monte Carlo"
    if strict:
        raise InputError(msg)
    warnings.warn(msg, Approach1Warning, stacklevel=2)
    return False


def half_width_pct(unc: object) -> float:
    """Half-width of the 95 % interval, in percent of the value, of a factor's distribution."""
    dist = unc.distribution  # type: ignore[attr-defined]
    lo, hi = float(unc.low_pct), float(unc.high_pct)  # type: ignore[attr-defined]
    if dist in ("normal", "lognormal"):
        return (hi - lo) / 2.0
    q = _quantiles(dist, lo / 100.0, hi / 100.0, np.array([0.025, 0.975]))
    return float((q[1] - q[0]) / 2.0 * 100.0)


def _quantiles(dist: str, lo: float, hi: float, p: np.ndarray) -> np.ndarray:
    """Quantiles of the relative deviation (x/value - 1) for triangular/uniform on [lo, hi], mode 0."""
    if dist == "uniform":
        return lo + p * (hi - lo)
    # triangular with min lo, mode 0, max hi
    a, c, b = lo, 0.0, hi
    fc = (c - a) / (b - a) if b > a else 0.5
    left = a + np.sqrt(p * (b - a) * (c - a))
    right = b - np.sqrt((1 - p) * (b - a) * (b - c))
    return np.where(p < fc, left, right)


def relative_samples(unc: object | None, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of value_sample / value for a factor with uncertainty ``unc`` (ones when ``None``).

    normal: mean 1, sd = U/1.96. lognormal: the 95 % interval [1+low, 1+high] maps to
    exp(mu +- 1.96 sigma). triangular: min 1+low, mode 1, max 1+high. uniform: [1+low, 1+high].
    """
    if unc is None:
        return np.ones(n)
    dist = unc.distribution  # type: ignore[attr-defined]
    lo, hi = float(unc.low_pct) / 100.0, float(unc.high_pct) / 100.0  # type: ignore[attr-defined]
    if dist == "normal":
        return rng.normal(1.0, (hi - lo) / 2.0 / Z95, n)
    if dist == "lognormal":
        a, b = math.log(1.0 + lo), math.log(1.0 + hi)
        return rng.lognormal((a + b) / 2.0, (b - a) / (2.0 * Z95), n)
    if dist == "triangular":
        if hi == lo:
            return np.ones(n)
        return 1.0 + rng.triangular(lo, 0.0, hi, n)
    if dist == "uniform":
        return 1.0 + rng.uniform(lo, hi, n)
    raise InputError(f"unknown distribution {dist!r}")


def key_uncertainty(
    slot_weights: Sequence[float], slot_factor_unc: Sequence[Sequence[tuple[str, float | None]]]
) -> tuple[float, bool]:
    """Approach 1 uncertainty (%) of one key's CO2e per unit activity, and whether it is complete.

    ``slot_weights`` are the slots' tCO2e per unit; ``slot_factor_unc[s]`` lists ``(ref, U%)`` of
    the factors multiplying slot ``s`` (``None`` when a factor has no stated uncertainty). Factors
    common to every slot are a shared product term (Eq. 3.1); the rest combine across slots by
    Eq. 3.2 weighted by each slot's share.
    """
    complete = all(u is not None for slot in slot_factor_unc for _, u in slot)
    if not slot_weights:
        return 0.0, complete
    sets = [{ref for ref, _ in slot} for slot in slot_factor_unc]
    shared = set.intersection(*sets) if sets else set()
    shared_u = {ref: (u or 0.0) for slot in slot_factor_unc for ref, u in slot if ref in shared}
    u_shared_sq = sum(u * u for u in shared_u.values())
    total = sum(slot_weights)
    if len(slot_weights) > 1 and total != 0:
        specific = []
        for w, slot in zip(slot_weights, slot_factor_unc, strict=True):
            u_s = math.sqrt(sum((u or 0.0) ** 2 for ref, u in slot if ref not in shared))
            specific.append((w * u_s) ** 2)
        u_spec_sq = sum(specific) / total**2
    else:
        u_spec_sq = sum((u or 0.0) ** 2 for slot in slot_factor_unc for ref, u in slot if ref not in shared)
    return math.sqrt(u_shared_sq + u_spec_sq), complete
