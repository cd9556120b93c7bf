"""IPCC 2006 Vol.1 Ch.3: Approach 1 (Eq. 3.1, 3.2) and Approach 2 (seeded Monte Carlo)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from dualcarbon.accounting import FactorDatabase, Uncertainty, account
from dualcarbon.accounting.uncertainty import (
    Approach1Warning,
    check_approach1_validity,
    half_width_pct,
    product_uncertainty,
    relative_samples,
    sum_uncertainty,
)
from dualcarbon.errors import InputError


def test_eq_3_1_products():
    # activity 5 %, emission factor 10 %: sqrt(25 + 100) = 11.180339887...
    assert product_uncertainty([5, 10]) == pytest.approx(math.sqrt(125), rel=1e-15)
    assert product_uncertainty([3, 4]) == 5.0


def test_eq_3_2_sums():
    # 100 t at 10 % and 300 t at 20 %: sqrt((10 x 100)^2 + (20 x 300)^2) / 400 = 15.2069... %
    assert sum_uncertainty([100, 300], [10, 20]) == pytest.approx(
        math.sqrt(1000**2 + 6000**2) / 400, rel=1e-15
    )
    with pytest.raises(InputError):
        sum_uncertainty([1, -1], [5, 5])


def test_validity_warning():
    assert check_approach1_validity(30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not check_approach1_validity(80)
    assert caught and issubclass(caught[0].category, Approach1Warning)
    with pytest.raises(InputError):
        check_approach1_validity(80, strict=True)


@pytest.mark.parametrize(
    ("unc", "expected"),
    [
        (Uncertainty("normal", -10, 10), 10.0),
        (Uncertainty("lognormal", -20, 40), 30.0),
        (Uncertainty("uniform", -10, 10), 9.5),  # 95 % of a uniform's half-range
    ],
)
def test_half_widths(unc, expected):
    assert half_width_pct(unc) == pytest.approx(expected, rel=1e-12)


def test_triangular_half_width_matches_sampling():
    unc = Uncertainty("triangular", -20, 20)
    s = relative_samples(unc, 400_000, np.random.default_rng(1))
    lo, hi = np.percentile(s, [2.5, 97.5])
    assert half_width_pct(unc) == pytest.approx((hi - lo) / 2 * 100, rel=0.01)


@pytest.mark.parametrize("dist", ["normal", "lognormal", "triangular", "uniform"])
def test_sampling_is_seeded(dist):
    unc = Uncertainty(dist, -10, 10)
    a = relative_samples(unc, 1000, np.random.default_rng(7))
    b = relative_samples(unc, 1000, np.random.default_rng(7))
    assert np.array_equal(a, b) and not np.array_equal(
        a, relative_samples(unc, 1000, np.random.default_rng(8))
    )
    assert abs(a.mean() - 1.0) < 0.02


@pytest.fixture()
def db_with_uncertain_factor():
    """The steel guideline's limestone factor, corrected to a version 2 that states its uncertainty."""
    db = FactorDatabase()
    db.correct(
        "ndrc2013.steel.limestone.co2",
        status="user",
        note="test: with uncertainty",
        uncertainty={"distribution": "normal", "low_pct": -10, "high_pct": 10},
    )
    return db


def _limestone(q_and_u):
    return [
        {
            "entity": "A",
            "period": "2022",
            "category": "process",
            "item": "limestone",
            "quantity": q,
            "unit": "t",
            "uncertainty_pct": u,
        }
        for q, u in q_and_u
    ]


def test_engine_approach1_treats_a_shared_factor_as_correlated(db_with_uncertain_factor):
    res = account(_limestone([(100, 5), (300, 5)]), db=db_with_uncertain_factor)
    assert "ndrc2013.steel.limestone.co2@2" in res.record.factor_refs
    e = res.entities["A"]
    # activity (Eq. 3.2): sqrt((5 % x 44)^2 + (5 % x 132)^2) / 176 = 3.9528 %;
    # the factor (10 %) is shared by both lines, so it applies once to their sum (Eq. 3.1)
    activity = math.sqrt((0.05 * 44) ** 2 + (0.05 * 132) ** 2) / 176 * 100
    assert e["uncertainty_pct"] == pytest.approx(math.sqrt(activity**2 + 10**2), rel=1e-12)
    assert e["uncertainty_complete"] is True
    # independent treatment would give a smaller value: Eq. 3.2 over lines of sqrt(5^2 + 10^2) each
    independent = math.sqrt((44 * math.sqrt(125)) ** 2 + (132 * math.sqrt(125)) ** 2) / 176
    assert e["uncertainty_pct"] > independent
    # a line's uncertainty is Eq. 3.1 of its activity and its factor
    assert res.lines["uncertainty_pct"][0] == pytest.approx(math.sqrt(5**2 + 10**2), rel=1e-12)


def test_monte_carlo_is_seeded_and_agrees_with_approach1(db_with_uncertain_factor):
    rows = _limestone([(100, 5), (300, 5)])
    a = account(rows, db=db_with_uncertain_factor, monte_carlo=20000, seed=42)
    b = account(rows, db=db_with_uncertain_factor, monte_carlo=20000, seed=42)
    c = account(rows, db=db_with_uncertain_factor, monte_carlo=20000, seed=43)
    assert a.monte_carlo == b.monte_carlo and a.monte_carlo != c.monte_carlo
    mc = a.entities["A"]["monte_carlo"]
    assert mc["mean"] == pytest.approx(176, rel=0.01)
    assert mc["uncertainty_pct"] == pytest.approx(a.entities["A"]["uncertainty_pct"], rel=0.05)
    assert a.monte_carlo["total"]["p2_5"] < 176 < a.monte_carlo["total"]["p97_5"]


def test_monte_carlo_needs_a_seed():
    with pytest.raises(InputError, match="seed"):
        account(
            [
                {
                    "entity": "A",
                    "period": "2022",
                    "category": "direct_gas",
                    "item": "CH4",
                    "quantity": 1,
                    "unit": "t",
                }
            ],
            monte_carlo=10,
        )


def test_activity_only_uncertainty_is_partial_when_factors_have_none():
    res = account(
        [
            {
                "entity": "A",
                "period": "2022",
                "category": "direct_gas",
                "item": "CH4",
                "quantity": 1,
                "unit": "t",
                "uncertainty_pct": 7,
            }
        ]
    )
    # GWPs are exact constants and the activity is the only uncertain input: U = 7 %, complete
    assert res.entities["A"]["uncertainty_pct"] == pytest.approx(7.0, rel=1e-12)
    assert res.entities["A"]["uncertainty_complete"] is True
    res = account(
        [
            {
                "entity": "A",
                "period": "2022",
                "category": "combustion",
                "item": "diesel",
                "quantity": 1,
                "unit": "t",
                "uncertainty_pct": 7,
            }
        ]
    )
    assert res.entities["A"]["uncertainty_complete"] is False  # shipped factors state no uncertainty


def test_engine_notes_when_approach1_is_out_of_range():
    res = account(
        [
            {
                "entity": "A",
                "period": "2022",
                "category": "direct_gas",
                "item": "CH4",
                "quantity": 1,
                "unit": "t",
                "uncertainty_pct": 80,
            }
        ]
    )
    assert any("Approach 1 is not valid" in n for n in res.notes)
