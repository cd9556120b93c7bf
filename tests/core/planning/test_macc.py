"""MACC and least-cost portfolio: the worked example of research/planning.md §3.2; greedy = LP."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.errors import InputError
from dualcarbon.planning.macc import (
    InfeasibleTarget,
    Measure,
    crf,
    curve,
    least_cost,
    measure_from_costs,
    parse_measures_csv,
)


def example() -> list[Measure]:
    r = 0.08
    return [
        measure_from_costs(
            "coal-plant CCUS retrofit", capex=2.0e9, life=20, rate=r, delta_om=2.5e8, abatement=1_000_000
        ),
        measure_from_costs(
            "rooftop PV", capex=4.0e7, life=25, rate=r, delta_om=4.0e5, savings=4.0e6, abatement=9000
        ),
        measure_from_costs(
            "industrial motor upgrade", capex=2.0e6, life=15, rate=r, savings=4.5e5, abatement=1500
        ),
        measure_from_costs(
            "EV fleet substitution",
            capex=1.0e7,
            life=8,
            rate=r,
            delta_om=-5.0e5,
            savings=1.5e6,
            abatement=3000,
        ),
        measure_from_costs(
            "cement waste-heat recovery",
            capex=3.0e7,
            life=15,
            rate=r,
            delta_om=1.0e6,
            savings=6.0e6,
            abatement=30000,
        ),
    ]


def test_crf() -> None:
    assert crf(0.08, 15) == pytest.approx(0.116830, abs=1e-6)
    assert crf(0.08, 8) == pytest.approx(0.174015, abs=1e-6)
    assert crf(0.08, 25) == pytest.approx(0.093679, abs=1e-6)
    assert crf(0.08, 20) == pytest.approx(0.101852, abs=1e-6)
    assert crf(0.0, 10) == 0.1


def test_worked_example_curve() -> None:
    c = curve(example())
    assert [row["name"] for row in c] == [
        "industrial motor upgrade",
        "EV fleet substitution",
        "cement waste-heat recovery",
        "rooftop PV",
        "coal-plant CCUS retrofit",
    ]
    assert [round(row["cost_per_t"], 2) for row in c] == [-144.23, -86.62, -49.84, 16.35, 453.70]
    assert [row["to_t"] for row in c] == [1500, 4500, 34500, 43500, 1043500]


@pytest.mark.parametrize("method", ["greedy", "lp"])
def test_worked_example_portfolio(method: str) -> None:
    p = least_cost(example(), 40_000, method=method)
    alloc = {m.name: x for m, x in p.allocations}
    assert alloc == pytest.approx(
        {
            "industrial motor upgrade": 1500,
            "EV fleet substitution": 3000,
            "cement waste-heat recovery": 30000,
            "rooftop PV": 5500,
        }
    )
    assert p.total_cost == pytest.approx(-1_881_381, abs=1)
    assert p.marginal_cost == pytest.approx(16.35, abs=0.005)
    assert p.abatement == pytest.approx(40_000)


def test_negative_cost_measures_are_taken_even_beyond_the_target() -> None:
    for method in ("greedy", "lp"):
        p = least_cost(example(), 1000, method=method)
        assert p.abatement == pytest.approx(34_500)  # all three net-saving measures
        assert p.total_cost < 0


def test_infeasible_names_the_shortfall() -> None:
    with pytest.raises(InfeasibleTarget, match=r"by 956,500\.00 t") as exc:
        least_cost(example(), 2_000_000)
    assert exc.value.shortfall == pytest.approx(956_500)


def test_csv_errors_name_row_and_column() -> None:
    ms = parse_measures_csv('name,cost_per_t,potential_t\nA,-10,100\nB,5.5,"1,000"\n')
    assert ms == [Measure("A", -10.0, 100.0), Measure("B", 5.5, 1000.0)]
    with pytest.raises(InputError, match=r"row 3, column 'cost_per_t': not a number: 'abc'"):
        parse_measures_csv("name,cost_per_t,potential_t\nA,1,2\nB,abc,3\n")
    with pytest.raises(InputError, match="column 'potential_t'"):
        parse_measures_csv("name,cost_per_t\nA,1\n")
    with pytest.raises(InputError, match="row 2, column 'potential_t'"):
        parse_measures_csv("name,cost_per_t,potential_t\nA,1,0\n")
    with pytest.raises(InputError, match="appears twice"):
        parse_measures_csv("name,cost_per_t,potential_t\nA,1,1\nA,2,2\n")


measures_st = st.lists(
    st.tuples(
        st.floats(min_value=-500, max_value=500, allow_nan=False),
        st.floats(min_value=1, max_value=1e5, allow_nan=False),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=50, deadline=None)
@given(measures_st, st.floats(min_value=0, max_value=1))
def test_greedy_equals_lp(raw: list[tuple[float, float]], frac: float) -> None:
    ms = [Measure(f"m{i}", c, a) for i, (c, a) in enumerate(raw)]
    target = frac * sum(m.potential for m in ms)
    g = least_cost(ms, target, method="greedy")
    lp = least_cost(ms, target, method="lp")
    scale = sum(abs(m.cost) * m.potential for m in ms) + 1.0
    assert lp.total_cost == pytest.approx(g.total_cost, abs=1e-6 * scale)
    assert g.abatement >= target - 1e-6 * (target + 1)
    assert lp.abatement >= target - 1e-6 * (target + 1)


def test_csv_reader_error_is_an_input_error() -> None:
    huge = "name,cost_per_t,potential_t\n" + "x" * 200_000 + ",1,1\n"  # beyond csv's field size limit
    with pytest.raises(InputError, match="not readable as CSV"):
        parse_measures_csv(huge)
