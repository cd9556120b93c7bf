"""Marginal abatement cost curve (MACC) and the least-cost portfolio for an abatement target.

Method (research/planning.md §3.2):

* capital recovery factor ``CRF(r, n) = r(1+r)^n / ((1+r)^n − 1)``, ``CRF(0, n) = 1/n`` (eq. M1);
* annualised net cost ``AC_i = Capex_i · CRF(r, n_i) + ΔO&M_i − savings_i`` (eq. M2);
* specific cost ``MAC_i = AC_i / A_i`` with ``A_i`` the yearly abatement, tCO2/yr (eq. M3);
* the curve: measures sorted by MAC ascending, bar width ``A_i``, x-axis cumulative abatement;
* least-cost portfolio (continuous LP): ``min Σ c_i x_i`` s.t. ``Σ x_i ≥ T``, ``0 ≤ x_i ≤ A_i`` (eq. M4).
  Because the problem is separable with one coupling constraint, it is solved exactly by the greedy
  merit order: every negative-cost measure fully, then the cheapest others until ``T`` is reached.
  :func:`least_cost` solves it both ways (``method="greedy"`` or ``"lp"`` with HiGHS).

Worked example (§3.2, r = 8 %): motor −144.23, EV −86.62, waste heat −49.84, PV 16.35,
CCUS 453.70 CNY/t; for T = 40,000 t/yr the first three fully plus 5,500 t of PV, total −1,881,381 CNY/yr,
marginal price 16.35 CNY/t. Caveats (§3.2): discount-rate sensitivity, overlapping measures are not
additive, potentials change over time, negative costs often hide barriers.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import threading
from dataclasses import dataclass

from dualcarbon.errors import InputError

__all__ = [
    "InfeasibleTarget",
    "Measure",
    "Portfolio",
    "annualised_cost",
    "crf",
    "curve",
    "least_cost",
    "measure_from_costs",
    "parse_measures_csv",
]

_TOL = 1e-9


class InfeasibleTarget(InputError):
    """The target exceeds the total potential of the measures; ``shortfall`` says by how much (t)."""

    def __init__(self, target: float, potential: float) -> None:
        self.target = target
        self.potential = potential
        self.shortfall = target - potential
        super().__init__(
            f"target {target:,.2f} t exceeds the total potential {potential:,.2f} t of the measures "
            f"by {self.shortfall:,.2f} t; add measures or lower the target",
            column="target",
            value=target,
        )


def crf(rate: float, years: int) -> float:
    """Eq. M1: capital recovery factor ``r(1+r)^n/((1+r)^n − 1)``; ``1/n`` when r = 0."""
    if years <= 0:
        raise InputError("lifetime must be a positive number of years", column="life", value=years)
    if rate <= -1:
        raise InputError("discount rate must be above −100 %", column="rate", value=rate)
    if rate == 0:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


def annualised_cost(
    capex: float, life: int, rate: float, delta_om: float = 0.0, savings: float = 0.0
) -> float:
    """Eq. M2: ``Capex · CRF(r, n) + ΔO&M − savings`` per year."""
    return capex * crf(rate, life) + delta_om - savings


@dataclass(frozen=True, slots=True)
class Measure:
    """An abatement measure: ``cost`` per tCO2 (may be negative) and yearly ``potential`` (t)."""

    name: str
    cost: float
    potential: float

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "cost_per_t": self.cost, "potential_t": self.potential}


def measure_from_costs(
    name: str,
    *,
    capex: float,
    life: int,
    rate: float,
    abatement: float,
    delta_om: float = 0.0,
    savings: float = 0.0,
) -> Measure:
    """Eq. M3: a :class:`Measure` with ``MAC = AC / A`` from its cost components."""
    if not abatement > 0:
        raise InputError("abatement must be positive", column="abatement", value=abatement)
    return Measure(name, annualised_cost(capex, life, rate, delta_om, savings) / abatement, abatement)


def _check(measures: list[Measure]) -> None:
    if not measures:
        raise InputError("no measures given")
    names = set()
    for i, m in enumerate(measures, start=1):
        if not m.name.strip():
            raise InputError("measure name is empty", row=i, column="name")
        if m.name in names:
            raise InputError(f"measure {m.name!r} appears twice", row=i, column="name", value=m.name)
        names.add(m.name)
        if not math.isfinite(m.cost):
            raise InputError("cost must be a finite number", row=i, column="cost_per_t", value=m.cost)
        if not (math.isfinite(m.potential) and m.potential > 0):
            raise InputError(
                "potential must be a positive number", row=i, column="potential_t", value=m.potential
            )


def curve(measures: list[Measure]) -> list[dict[str, object]]:
    """The MACC: measures in merit order (cost, then name) with cumulative abatement at each bar's end."""
    _check(measures)
    out: list[dict[str, object]] = []
    cum = 0.0
    for m in sorted(measures, key=lambda m: (m.cost, m.name)):
        out.append({**m.to_dict(), "from_t": cum, "to_t": cum + m.potential})
        cum += m.potential
    return out


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Least-cost allocation ``x_i`` (t/yr) for a target; ``marginal_cost`` is the cost of the last
    measure taken in merit order (the carbon price at which the target is met)."""

    target: float
    allocations: tuple[tuple[Measure, float], ...]
    total_cost: float
    abatement: float
    marginal_cost: float
    method: str

    def to_dict(self) -> dict[str, object]:
        return {
            "target_t": self.target,
            "method": self.method,
            "abatement_t": self.abatement,
            "total_cost": self.total_cost,
            "marginal_cost_per_t": self.marginal_cost,
            "allocations": [
                {**m.to_dict(), "abated_t": x, "cost": m.cost * x, "share_of_potential": x / m.potential}
                for m, x in self.allocations
            ],
        }


def _greedy(measures: list[Measure], target: float) -> list[float]:
    order = sorted(range(len(measures)), key=lambda i: (measures[i].cost, measures[i].name))
    x = [0.0] * len(measures)
    got = 0.0
    for i in order:
        m = measures[i]
        if m.cost < 0:
            x[i] = m.potential
        elif got < target - _TOL:
            x[i] = min(m.potential, target - got)
        got += x[i]
    return x


_HIGHS_LOCK = threading.Lock()
_highs_banner_done = False


def _new_highs():  # type: ignore[no-untyped-def]
    """A HiGHS instance; the first one of the process prints a licence banner on file descriptor 1
    (C level, whatever ``output_flag`` says), which would corrupt ``--json`` output: that one is
    created with fd 1 pointed at /dev/null."""
    global _highs_banner_done
    import highspy

    with _HIGHS_LOCK:
        if _highs_banner_done:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                try:
                    h = highspy.Highs()
                finally:
                    _c_fflush()
                    os.dup2(saved, 1)
        finally:
            os.close(saved)
        _highs_banner_done = True
        return h


def _c_fflush() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # pragma: no cover - no C library handle (e.g. Windows)
        pass


def _lp(measures: list[Measure], target: float) -> list[float]:
    import highspy
    import numpy as np

    n = len(measures)
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = 1
    lp.col_cost_ = np.array([m.cost for m in measures], dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.array([m.potential for m in measures], dtype=float)
    lp.row_lower_ = np.array([float(target)])
    lp.row_upper_ = np.array([highspy.kHighsInf])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(n + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.zeros(n, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(n)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise InputError(f"the LP solver did not find an optimum: {h.modelStatusToString(status)}")
    return [float(v) for v in h.getSolution().col_value]


def least_cost(measures: list[Measure], target: float, *, method: str = "greedy") -> Portfolio:
    """Eq. M4: the least-cost allocation reaching at least ``target`` t/yr.

    ``method="greedy"`` (exact merit order) or ``"lp"`` (HiGHS). Raises :class:`InfeasibleTarget`
    naming the shortfall when the measures' total potential is below the target."""
    _check(measures)
    if not (math.isfinite(target) and target >= 0):
        raise InputError("target must be a non-negative number of tonnes", column="target", value=target)
    potential = sum(m.potential for m in measures)
    if target > potential * (1 + 1e-12):
        raise InfeasibleTarget(target, potential)
    if method == "greedy":
        x = _greedy(measures, target)
    elif method == "lp":
        x = _lp(measures, target)
    else:
        raise InputError("method must be 'greedy' or 'lp'", column="method", value=method)
    used = [(m, xi) for m, xi in zip(measures, x, strict=True) if xi > 1e-12 * max(1.0, m.potential)]
    used.sort(key=lambda p: (p[0].cost, p[0].name))
    marginal = used[-1][0].cost if used else 0.0
    return Portfolio(
        target=float(target),
        allocations=tuple(used),
        total_cost=sum(m.cost * xi for m, xi in used),
        abatement=sum(xi for _, xi in used),
        marginal_cost=marginal,
        method=method,
    )


_ALIASES = {
    "name": ("name", "measure", "措施"),
    "cost_per_t": ("cost_per_t", "cost", "mac", "成本"),
    "potential_t": ("potential_t", "potential", "abatement", "潜力"),
}


def parse_measures_csv(text: str, *, source: str = "measures.csv") -> list[Measure]:
    """Read measures from CSV with header ``name,cost_per_t,potential_t`` (cost in currency per tCO2,
    potential in tCO2/yr). Errors name the row (file line) and column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _parse_measures(reader, source)
    except csv.Error as exc:
        raise InputError(f"not readable as CSV: {exc}", source=source, row=reader.line_num or 1) from exc


def _parse_measures(reader, source: str) -> list[Measure]:  # type: ignore[no-untyped-def]
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(
            "the file is empty; expected header name,cost_per_t,potential_t", source=source
        ) from None
    cols: dict[str, int] = {}
    for key, names in _ALIASES.items():
        for i, h in enumerate(header):
            if h in names:
                cols[key] = i
                break
        else:
            raise InputError(
                f"missing column {key!r} (header is {','.join(header)}; expected name,cost_per_t,potential_t)",
                source=source,
                row=1,
                column=key,
            )
    out: list[Measure] = []
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise InputError(f"expected {len(header)} fields, got {len(row)}", source=source, row=line)
        name = row[cols["name"]].strip()
        if not name:
            raise InputError("measure name is empty", source=source, row=line, column="name")
        values = {}
        for key in ("cost_per_t", "potential_t"):
            cell = row[cols[key]].strip().replace(",", "")
            try:
                v = float(cell)
            except ValueError:
                raise InputError(
                    f"not a number: {cell!r}", source=source, row=line, column=key, value=cell
                ) from None
            if not math.isfinite(v):
                raise InputError(
                    f"not a finite number: {cell!r}", source=source, row=line, column=key, value=cell
                )
            values[key] = v
        if values["potential_t"] <= 0:
            raise InputError(
                "potential must be positive",
                source=source,
                row=line,
                column="potential_t",
                value=values["potential_t"],
            )
        if any(m.name == name for m in out):
            raise InputError(
                f"measure {name!r} appears twice", source=source, row=line, column="name", value=name
            )
        out.append(Measure(name, values["cost_per_t"], values["potential_t"]))
    if not out:
        raise InputError("no measures in the file", source=source)
    return out
