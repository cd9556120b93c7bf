"""Cross-check against a reported inventory: z-scores by hand, flags, and calibration."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.inversion import DEFAULT_Z_THRESHOLD, inventory_check, invert
from dualcarbon.inversion.errors import ShapeMismatch


def test_prior_mode_z_by_hand() -> None:
    # K = I, S_a = diag(1, 1), R = diag(1, 1e12), x_a = 0, y = (8, 0):
    # element 0: x_hat = 4, S_post = 0.5, S_a - S_post = 0.5 -> z = 4 / sqrt(0.5) = 5.66 (flagged)
    # element 1: unobserved (R huge) -> z = 0, not flagged
    res = invert(np.eye(2), [8.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1e12])
    chk = inventory_check(res)
    assert chk.mode == "prior"
    assert chk.z[0] == pytest.approx(4.0 / np.sqrt(0.5))
    assert chk.z[1] == pytest.approx(0.0, abs=1e-5)
    assert chk.flagged.tolist() == [True, False]
    assert chk.flagged_indices.tolist() == [0]
    assert chk.reported.tolist() == [0.0, 0.0] and chk.reported_sd == pytest.approx([1.0, 1.0])
    assert DEFAULT_Z_THRESHOLD == 3.0 and chk.threshold == 3.0


def test_independent_mode_z_by_hand_and_regions() -> None:
    res = invert(np.eye(2), [2.0, 5.0], [0.0, 0.0], [1.0, 4.0], [1.0, 1.0])  # x_hat = (1, 4), var (0.5, 0.8)
    chk = inventory_check(res, reported=[1.0, 1.0], reported_sd=[0.5, 0.0], threshold=1.96)
    assert chk.mode == "independent"
    assert chk.z == pytest.approx([0.0, 3.0 / np.sqrt(0.8)])
    assert chk.flagged.tolist() == [False, True]
    region = inventory_check(res, weights=[[1.0, 1.0]], reported=[2.0])
    assert region.z == pytest.approx([3.0 / np.sqrt(1.3)])
    prior_region = inventory_check(res, weights=[[1.0, 1.0]])
    assert prior_region.z == pytest.approx([5.0 / np.sqrt(5.0 - 1.3)])
    with pytest.raises(ShapeMismatch):
        inventory_check(res, reported=[1.0])


def test_false_flag_rate_matches_the_threshold() -> None:
    # truth drawn from the prior (reports are honest): |z| > 1.96 should happen ~5 % of the time
    rng = np.random.default_rng(5)
    n, m = 20, 60
    K = rng.uniform(0, 1, (m, n))
    xa, sa, r = np.full(n, 5.0), np.full(n, 1.0), np.full(m, 0.3)
    flags = []
    for _ in range(300):
        truth = xa + rng.standard_normal(n)
        y = K @ truth + np.sqrt(r) * rng.standard_normal(m)
        flags.append(inventory_check(invert(K, y, xa, sa, r, covariance="diagonal"), threshold=1.96).flagged)
    assert np.mean(flags) == pytest.approx(0.05, abs=0.015)
