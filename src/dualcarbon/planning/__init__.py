"""Decision support (决策支持): target tracking, LMDI decomposition, abatement cost curves.

* :mod:`dualcarbon.planning.tracking` -- five-year-plan intensity targets from official yearly rates;
* :mod:`dualcarbon.planning.lmdi` -- additive LMDI-I of CO2 change over the Kaya factors (Ang 2005);
* :mod:`dualcarbon.planning.macc` -- marginal abatement cost curve and least-cost portfolio (HiGHS LP);
* :mod:`dualcarbon.planning.report` -- annual assessment report (traffic lights, data block, Markdown);
* :mod:`dualcarbon.planning.data` -- readers for the shipped tables, each tagged with its basis.

See docs/planning.md for equations, sources and what is not built yet.
"""

from __future__ import annotations

from dualcarbon.planning.data import BASIS_OFFICIAL, BASIS_OWID, Observation, official_observations
from dualcarbon.planning.lmdi import Decomposition, decompose, kaya, kaya_owid, logmean
from dualcarbon.planning.macc import (
    InfeasibleTarget,
    Measure,
    Portfolio,
    crf,
    curve,
    least_cost,
    measure_from_costs,
    parse_measures_csv,
)
from dualcarbon.planning.report import Assessment, assessment, render_markdown
from dualcarbon.planning.tracking import TARGETS, Target, TrackingResult, track, track_all

__all__ = [
    "BASIS_OFFICIAL",
    "BASIS_OWID",
    "TARGETS",
    "Assessment",
    "Decomposition",
    "InfeasibleTarget",
    "Measure",
    "Observation",
    "Portfolio",
    "Target",
    "TrackingResult",
    "assessment",
    "crf",
    "curve",
    "decompose",
    "kaya",
    "kaya_owid",
    "least_cost",
    "logmean",
    "measure_from_costs",
    "official_observations",
    "parse_measures_csv",
    "render_markdown",
    "track",
    "track_all",
]
