"""Random linear-Gaussian problems with fixed seeds, and textbook reference formulas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: The shipped synthetic example (config, facilities, met, observations, truth).
DATA = Path(__file__).parent / "data"


@dataclass
class Problem:
    K: np.ndarray
    y: np.ndarray
    xa: np.ndarray
    Sa: np.ndarray  # vector or matrix
    R: np.ndarray  # vector or matrix

    def dense(self) -> tuple[np.ndarray, np.ndarray]:
        Sa = np.diag(self.Sa) if self.Sa.ndim == 1 else self.Sa
        R = np.diag(self.R) if self.R.ndim == 1 else self.R
        return Sa, R


def random_problem(
    rng: np.random.Generator, n: int, m: int, *, full_prior: bool = False, full_obs: bool = False
) -> Problem:
    K = rng.standard_normal((m, n))
    xa = rng.standard_normal(n)
    y = rng.standard_normal(m) * 3
    if full_prior:
        # exponential-decay correlations on a line (like IMI's OffDiagonalPriorCov)
        d = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
        sd = rng.uniform(0.5, 2.0, n)
        Sa = np.outer(sd, sd) * np.exp(-d / 3.0)
    else:
        Sa = rng.uniform(0.5, 2.0, n)
    if full_obs:
        B = rng.standard_normal((m, m))
        R = B @ B.T / m + np.eye(m)
    else:
        R = rng.uniform(0.5, 2.0, m)
    return Problem(K, y, xa, Sa, R)


def reference_posterior(p: Problem, gamma: float = 1.0) -> dict[str, object]:
    """Textbook formulas with explicit inverses (the independent check)."""
    Sa, R = p.dense()
    Sai, Ri = np.linalg.inv(Sa), np.linalg.inv(R)
    S_post = np.linalg.inv(gamma * p.K.T @ Ri @ p.K + Sai)
    x_hat = p.xa + S_post @ (gamma * p.K.T @ Ri @ (p.y - p.K @ p.xa))
    A = np.eye(len(p.xa)) - S_post @ Sai
    r = p.y - p.K @ x_hat
    return {
        "mean": x_hat,
        "cov": S_post,
        "A": A,
        "dofs": float(np.trace(A)),
        "J_A": float((x_hat - p.xa) @ Sai @ (x_hat - p.xa)),
        "J_O": float(r @ Ri @ r),
    }
