"""Per-entity aggregation for the engine: per-key coefficients, per-row outputs, one group-by.

:class:`Plan` turns the resolved keys into coefficient columns; each line's slot ``s`` contributes
``b_s x K[o, s]`` to output ``o`` and the outputs are summed per entity. Also here: the GHG Protocol
market-based allocation, the per-line result table and the Monte Carlo (IPCC Approach 2).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import polars as pl

from dualcarbon.accounting.lines import ROW
from dualcarbon.accounting.resolve import KeyResolution
from dualcarbon.accounting.uncertainty import Z95, key_uncertainty, relative_samples
from dualcarbon.accounting.units import parse_unit

__all__ = ["Plan", "line_frame", "market_based", "monte_carlo", "sum_per_entity"]

#: Polars engine for the big group-by ("auto", "streaming", "in-memory"); an environment override
#: exists for benchmarking only.
_ENGINE = os.environ.get("DUALCARBON_POLARS_ENGINE", "auto")


def sum_per_entity(df: pl.DataFrame, lazy: pl.LazyFrame, aggs: list[pl.Expr]) -> pl.DataFrame:
    """Group ``lazy`` by entity and apply ``aggs``, sorted by entity.

    Grouping is on a 64-bit hash of the entity name (cheaper than hashing the text inside the
    group-by); a second, independently seeded hash is carried along and must be constant within
    each group, otherwise two entities collided and the grouping is redone on the names themselves.
    """
    e1, e2 = pl.col("entity").hash(seed=0), pl.col("entity").hash(seed=2)
    g = (
        lazy.with_columns(e1.alias("_e"), e2.alias("_e2"))
        .group_by("_e")
        .agg([*aggs, pl.col("_e2").min().alias("_e2lo"), pl.col("_e2").max().alias("_e2hi")])
        .collect(engine=_ENGINE)
    )
    if (g["_e2lo"] != g["_e2hi"]).any():
        out = lazy.group_by("entity").agg(aggs).collect(engine=_ENGINE)
        return out.with_columns(pl.col("entity").cast(pl.String)).sort("entity")
    names = df.select(pl.col("entity").cast(pl.String), e1.alias("_e"))
    names = names[names["_e"].arg_unique()]
    return g.join(names, on="_e", how="left").drop("_e", "_e2lo", "_e2hi").sort("entity")


class Plan:
    """The per-key coefficients of every output column, and the expressions that use them.

    Each line's slot ``s`` contributes ``b_s x K[o, s]`` to output ``o``, where
    ``b_s = quantity x (row override columns of the slot) x (market-based share)``. When no key uses
    row overrides and no line is market-based, ``b_s = quantity`` and the slots are summed per key
    beforehand, so each output is one multiplication per row.
    """

    def __init__(
        self, by_kid: dict[int, KeyResolution], *, categories: bool = True, uncertainty_given: str = "some"
    ) -> None:
        self.by_kid = by_kid
        self.with_categories = categories
        self.uncertainty_given = uncertainty_given  # "none" | "some" | "all": lines stating uncertainty_pct
        self.n_slots = max((len(r.slots) for r in by_kid.values()), default=1) or 1
        self.masks = sorted({(i, c) for r in by_kid.values() for i, s in enumerate(r.slots) for c in s.uses})
        self.has_mb = any(r.mb_role for r in by_kid.values())
        self.general = bool(self.masks) or self.has_mb
        self.gases = sorted({s.gas for r in by_kid.values() for s in r.slots})
        self.categories = sorted({r.key.category for r in by_kid.values()})
        # GHG Protocol dual reporting (location- and market-based) when any line uses a GHGP method
        self.dual = any(r.methodology.startswith("GHGP-S2") for r in by_kid.values())
        self.unc: dict[int, tuple[float, bool]] = {}
        for k, r in by_kid.items():
            weights = [float(s.coef) * s.gwp for s in r.slots]
            fu = [
                [(f.ref, f.uncertainty.half_width_pct if f.uncertainty else None) for f in s.factors]
                for s in r.slots
            ]
            u, complete = key_uncertainty(weights, fu)
            self.unc[k] = (u, complete and not any(s.uses for s in r.slots))
        sigs = {}
        for k, r in by_kid.items():
            if self.unc[k][0] > 0:
                refs = "|".join(
                    sorted({f.ref for s in r.slots for f in s.factors if f.uncertainty is not None})
                )
                sigs.setdefault((refs, round(self.unc[k][0], 12)), []).append(k)
        self.sigs = list(sigs.values())

    # outputs: name -> per-kid, per-slot coefficient
    def _coefficients(self) -> dict[str, list[list[float]]]:
        out: dict[str, list[list[float]]] = {}
        n = self.n_slots

        def add(name: str, fn: Any) -> None:
            """``fn(kid, resolution, slot)`` -> the slot's coefficient for output ``name``."""
            out[name] = [
                [fn(k, r, r.slots[i]) if i < len(r.slots) else 0.0 for i in range(n)]
                for k, r in self.by_kid.items()
            ]

        def co2e(s: Any) -> float:
            return float(s.coef) * s.gwp

        if self.with_categories:  # the scopes are then sums of categories
            for j, c in enumerate(self.categories):
                add(f"o_cat{j}", lambda k, r, s, c=c: co2e(s) if r.key.category == c else 0.0)
        else:
            add("o_s1", lambda k, r, s: co2e(s) if r.scope == "scope1" else 0.0)
            add("o_s2", lambda k, r, s: co2e(s) if r.scope == "scope2" else 0.0)
        if self.dual:  # location-based scope 2 of lines that are not market-based (dual reporting)
            add(
                "o_loc",
                lambda k, r, s: (
                    co2e(s) if r.key.category == "purchased_electricity" and not r.mb_role else 0.0
                ),
            )
        for j, gas in enumerate(self.gases):
            add(f"o_gas{j}", lambda k, r, s, gas=gas: float(s.coef) if s.gas == gas else 0.0)
        for j, members in enumerate(self.sigs):
            add(f"o_sig{j}", lambda k, r, s, ks=frozenset(members): co2e(s) if k in ks else 0.0)
        if self.has_mb:
            add("o_mkt", lambda k, r, s: co2e(s) if r.mb_role else 0.0)
        return out

    def attribute_table(self, k_to_kid: dict[int, int]) -> pl.DataFrame:
        coefs = self._coefficients()
        self.outputs = list(coefs)
        kids = list(self.by_kid)
        cols: dict[str, Any] = {"_kid": kids}
        if self.general:
            for name, rows in coefs.items():
                for i in range(self.n_slots):
                    cols[f"{name}_{i}"] = [row[i] for row in rows]
            for i, c in self.masks:
                cols[f"m{i}_{c}"] = [i < len(r.slots) and c in r.slots[i].uses for r in self.by_kid.values()]
        else:
            for name, rows in coefs.items():
                cols[name] = [sum(row) for row in rows]
        complete = {self.unc[k][1] for k in kids}
        self.mixed_completeness = len(complete) > 1
        self.all_complete = complete == {True}
        if self.mixed_completeness:
            cols["_inc"] = [0 if self.unc[k][1] else 1 for k in kids]
        if self.has_mb:
            cols["_lc"] = [
                (r.location_coef or 0.0) if r.mb_role == "consumption" else 0.0 for r in self.by_kid.values()
            ]
        per_kid = pl.DataFrame(cols, schema_overrides={"_kid": pl.UInt32})
        mapping = pl.DataFrame(
            {"_k": list(k_to_kid), "_kid": list(k_to_kid.values())},
            schema_overrides={"_k": pl.UInt64, "_kid": pl.UInt32},
        )
        return mapping.join(per_kid, on="_kid", how="left")

    def row_outputs(self) -> list[pl.Expr]:
        q = pl.col("quantity")
        if not self.general:
            exprs = [(q * pl.col(name)).alias(name) for name in self.outputs]
        else:
            base = []
            for i in range(self.n_slots):
                b = q * pl.col("_mb") if self.has_mb else q
                for j, c in self.masks:
                    if j == i:
                        b = b * pl.when(pl.col(f"m{i}_{c}")).then(pl.col(c)).otherwise(1.0)
                base.append(b)
            exprs = [
                pl.sum_horizontal([base[i] * pl.col(f"{name}_{i}") for i in range(self.n_slots)]).alias(name)
                for name in self.outputs
            ]
        if self.has_mb:
            exprs.append((q * pl.col("_lc")).alias("_locmb"))
        return exprs

    def _scope_parts(self) -> tuple[list[str], list[str]]:
        """Output columns that add up to scope 1 and to scope 2."""
        if not self.with_categories:
            return ["o_s1"], ["o_s2"]
        scope_of = {r.key.category: r.scope for r in self.by_kid.values()}
        s1 = [f"o_cat{j}" for j, c in enumerate(self.categories) if scope_of[c] == "scope1"]
        s2 = [f"o_cat{j}" for j, c in enumerate(self.categories) if scope_of[c] == "scope2"]
        return s1, s2

    def row_total(self) -> pl.Expr:
        """The line's tCO2e (``_tco2e``), from the output columns of the scopes."""
        s1, s2 = self._scope_parts()
        return pl.sum_horizontal([pl.col(c) for c in (*s1, *s2)]).alias("_tco2e")

    def aggregations(self) -> list[pl.Expr]:
        u = pl.col("uncertainty_pct").fill_null(0.0) / 100.0
        aggs = [pl.col(name).sum() for name in self.outputs]
        aggs.append(pl.len().alias("lines"))
        # activity uncertainty sums only where some line states one (all / none need no per-entity count)
        if self.uncertainty_given != "none":
            aggs.append(((u * pl.col("_tco2e")) ** 2).sum().alias("_V"))
        if self.uncertainty_given == "some":
            aggs.append(pl.col("uncertainty_pct").null_count().alias("_NU"))
        if self.mixed_completeness:
            aggs.append(pl.col("_inc").sum().alias("_INC"))
        if self.has_mb:
            aggs.append(pl.col("_locmb").sum().alias("_LOCMB"))
            aggs.append((pl.col("_role") != "").sum().alias("_NMB"))
        return aggs

    def entity_frames(self, g: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        if self.uncertainty_given == "none":
            g = g.with_columns(pl.lit(0.0).alias("_V"), pl.col("lines").alias("_NU"))
        elif self.uncertainty_given == "all":
            g = g.with_columns(pl.lit(0, dtype=pl.UInt32).alias("_NU"))
        s1_cols, s2_cols = self._scope_parts()
        g = g.with_columns(
            pl.sum_horizontal([pl.col(c) for c in s1_cols] or [pl.lit(0.0)]).alias("o_s1")
            if self.with_categories
            else pl.col("o_s1"),
            pl.sum_horizontal([pl.col(c) for c in s2_cols] or [pl.lit(0.0)]).alias("o_s2")
            if self.with_categories
            else pl.col("o_s2"),
        )
        var = pl.col("_V")
        for j, members in enumerate(self.sigs):
            u_sig = self.unc[members[0]][0] / 100.0
            var = var + (u_sig * pl.col(f"o_sig{j}")) ** 2
        entity = g.select(
            "entity",
            (pl.col("o_s1") + pl.col("o_s2")).alias("total_tco2e"),
            pl.col("o_s1").alias("scope1_tco2e"),
            pl.col("o_s2").alias("scope2_tco2e"),
            (
                (pl.col("o_loc") + (pl.col("_LOCMB") if self.has_mb else 0.0))
                if self.dual
                else pl.lit(None, dtype=pl.Float64)
            ).alias("scope2_location_based"),
            (
                pl.when(pl.col("_NMB") > 0).then(pl.col("o_mkt"))
                if self.has_mb
                else pl.lit(None, dtype=pl.Float64)
            ).alias("scope2_market_based"),
            pl.when(pl.col("o_s1") + pl.col("o_s2") != 0)
            .then(var.sqrt() / (pl.col("o_s1") + pl.col("o_s2")).abs() * 100.0)
            .alias("uncertainty_pct"),
            (
                (pl.col("_NU") == 0)
                & ((pl.col("_INC") == 0) if self.mixed_completeness else pl.lit(self.all_complete))
            ).alias("uncertainty_complete"),
            "lines",
        )
        gas = pl.concat(
            [
                g.select("entity", pl.lit(gas).alias("gas"), pl.col(f"o_gas{j}").alias("t"))
                for j, gas in enumerate(self.gases)
            ]
        )
        weights = {gas: self._gwp_of(gas) for gas in self.gases}
        gas = gas.with_columns(
            (pl.col("t") * pl.col("gas").replace_strict(weights, return_dtype=pl.Float64)).alias("tco2e")
        )
        gas = gas.filter(pl.col("t") != 0)
        if not self.with_categories:
            return (
                entity,
                gas,
                pl.DataFrame(schema={"entity": pl.String, "category": pl.String, "tco2e": pl.Float64}),
            )
        cat = pl.concat(
            [
                g.select("entity", pl.lit(c).alias("category"), pl.col(f"o_cat{j}").alias("tco2e"))
                for j, c in enumerate(self.categories)
            ]
        )
        return entity, gas, cat.filter(pl.col("tco2e") != 0)

    def _gwp_of(self, gas: str) -> float:
        for r in self.by_kid.values():
            for s in r.slots:
                if s.gas == gas:
                    return s.gwp
        return 0.0


def market_based(w: pl.LazyFrame, by_kid: dict[int, KeyResolution]) -> pl.LazyFrame:
    """GHG Protocol Scope 2 market-based: cap instruments at consumption per entity and period.

    Consumption C = MWh of non-instrument lines, instruments I = MWh of certificate/PPA lines.
    Instruments are scaled by min(1, C/I); consumption keeps the share 1 - min(I, C)/C at the
    residual (or grid-average) factor.
    """
    mwh = parse_unit("MWh").scale
    role = pl.DataFrame(
        {
            "_kid": list(by_kid),
            "_role": [r.mb_role for r in by_kid.values()],
            "_mwh": [
                float(parse_unit(r.key.unit).scale / mwh) if r.mb_role else 0.0 for r in by_kid.values()
            ],
        },
        schema_overrides={"_kid": pl.UInt32},
    )
    w = w.join(role.lazy(), on="_kid", how="left").with_columns(
        (pl.col("quantity") * pl.col("_mwh")).alias("_qmwh")
    )
    totals = (
        w.filter(pl.col("_role") != "")
        .group_by("entity", "period")
        .agg(
            pl.col("_qmwh").filter(pl.col("_role") == "consumption").sum().alias("_C"),
            pl.col("_qmwh").filter(pl.col("_role") == "instrument").sum().alias("_I"),
        )
    )
    w = w.join(totals, on=["entity", "period"], how="left")
    covered = pl.min_horizontal(pl.col("_I"), pl.col("_C"))
    return w.with_columns(
        pl.when(pl.col("_role") == "consumption")
        .then(pl.when(pl.col("_C") > 0).then(1.0 - covered / pl.col("_C")).otherwise(0.0))
        .when(pl.col("_role") == "instrument")
        .then(
            pl.when(pl.col("_I") > 0)
            .then(pl.min_horizontal(pl.lit(1.0), pl.col("_C") / pl.col("_I")))
            .otherwise(0.0)
        )
        .otherwise(1.0)
        .alias("_mb"),
    )


def line_frame(w: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    info = pl.DataFrame(
        {
            "_kid": list(plan.by_kid),
            "factors": [list(r.refs) for r in plan.by_kid.values()],
            "_meth": [r.methodology for r in plan.by_kid.values()],
            "_flags": ["; ".join(r.flags) for r in plan.by_kid.values()],
            "_uk": [plan.unc[k][0] for k in plan.by_kid],
            "_uc": [plan.unc[k][1] for k in plan.by_kid],
        },
        schema_overrides={"_kid": pl.UInt32, "factors": pl.List(pl.String)},
    )
    out = w.join(info, on="_kid", how="left").sort(ROW)
    return out.select(
        pl.col(ROW).alias("row"),
        *[pl.col(c).cast(pl.String) for c in ("entity", "period", "category", "item")],
        "quantity",
        pl.col("unit").cast(pl.String),
        pl.col("counterparty").cast(pl.String),
        pl.col("_tco2e").alias("tco2e"),
        "factors",
        pl.col("_meth").alias("methodology"),
        (pl.col("uncertainty_pct").fill_null(0.0) ** 2 + pl.col("_uk") ** 2).sqrt().alias("uncertainty_pct"),
        (pl.col("_uc") & pl.col("uncertainty_pct").is_not_null()).alias("uncertainty_complete"),
        pl.col("_flags").alias("flags"),
    )


def monte_carlo(w: pl.DataFrame, plan: Plan, n: int, seed: int) -> dict[str, Any]:
    """IPCC 2006 Vol.1 Ch.3 Approach 2.

    Each factor with a stated uncertainty is drawn once per iteration and shared by every line that
    uses it (full correlation). Activity data are independent normals; given the factor draws, an
    entity's total is then normal with mean ``sum_g E_g R_g`` and variance ``sum_g (sd_g E_g R_g)^2``
    (``R_g`` the factor ratio of key group ``g``), so one standard-normal draw per entity and iteration
    samples it exactly.
    """
    rng = np.random.default_rng(seed)
    by_kid = plan.by_kid
    factors = {f.ref: f for r in by_kid.values() for s in r.slots for f in s.factors if f.uncertainty}
    draws = {ref: relative_samples(f.uncertainty, n, rng) for ref, f in sorted(factors.items())}
    u = pl.col("uncertainty_pct").fill_null(0.0) / 100.0
    e_row = pl.col("_tco2e")
    g = w.group_by("entity", "_kid").agg(e_row.sum().alias("E"), ((u * e_row) ** 2).sum().alias("V"))
    g = g.with_columns(pl.col("entity").cast(pl.String)).sort("entity", "_kid")
    names = g["entity"].unique(maintain_order=True).to_list()
    index = {e: i for i, e in enumerate(names)}
    mean = np.zeros((len(names), n))
    var = np.zeros((len(names), n))
    for (kid,), part in g.group_by(["_kid"], maintain_order=True):
        r = by_kid[int(kid)]
        weights = np.array([float(s.coef) * s.gwp for s in r.slots])
        total_w = weights.sum()
        ratio = np.zeros(n)
        for wt, s in zip(weights, r.slots, strict=True):
            f = np.ones(n)
            for fac in s.factors:
                if fac.ref in draws:
                    f = f * draws[fac.ref]
            ratio += wt * f
        ratio = ratio / total_w if total_w else np.ones(n)
        e = part["E"].to_numpy()
        # V sums squared 95 % half-widths; a normal's standard deviation is the half-width / 1.96
        sd = np.sqrt(part["V"].to_numpy()) / np.where(e != 0, np.abs(e), 1.0) / Z95
        rows = np.array([index[x] for x in part["entity"].to_list()])
        # each entity appears once per key group, so fancy-index accumulation has no duplicates
        for start in range(0, len(rows), 4096):
            sl = slice(start, start + 4096)
            mean[rows[sl]] += e[sl, None] * ratio[None, :]
            var[rows[sl]] += (sd[sl, None] * e[sl, None] * ratio[None, :]) ** 2
    samples = mean + np.sqrt(var) * rng.standard_normal(mean.shape)
    total = samples.sum(axis=0)

    def summary(x: np.ndarray) -> dict[str, float | None]:
        mean = float(x.mean())
        lo, hi = (float(v) for v in np.percentile(x, [2.5, 97.5]))
        return {
            "mean": mean,
            "p2_5": lo,
            "p97_5": hi,
            "uncertainty_pct": (hi - lo) / 2.0 / abs(mean) * 100.0 if mean else None,
        }

    return {
        "iterations": n,
        "seed": seed,
        "total": summary(total),
        "entities": {e: summary(samples[i]) for e, i in index.items()},
    }
