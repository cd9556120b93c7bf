"""Calculation records: the inputs, options, methodology versions, pinned factor versions and the
intermediate values of one calculation, so that it can be shown, audited and re-run.

A record pins every factor as ``id@version``. Because the factor database is append-only,
:func:`rerun` finds exactly those versions even after corrections were added, and reproduces the
same numbers; it raises :class:`~dualcarbon.accounting.errors.RecordMismatch` if it does not.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from dualcarbon.accounting.errors import RecordMismatch

if TYPE_CHECKING:
    from dualcarbon.accounting.engine import AccountingResult
    from dualcarbon.accounting.factors import FactorDatabase, FactorRecord
    from dualcarbon.accounting.resolve import KeyResolution

__all__ = ["RECORD_FORMAT", "CalculationRecord", "rerun"]

RECORD_FORMAT = "dualcarbon.calculation-record/1"


def _fraction_text(x: Any) -> str:
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


@dataclass
class CalculationRecord:
    """One calculation, re-runnable. ``inputs`` keeps the validated input lines (with ``_row``)."""

    inputs: pl.DataFrame
    source: str
    options: dict[str, Any]
    methodology_refs: list[str]
    factor_refs: list[str]
    factors: dict[str, dict[str, Any]]
    keys: list[dict[str, Any]]
    total_tco2e: float
    entity_totals: dict[str, float]
    format: str = RECORD_FORMAT
    dualcarbon_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        inputs: pl.DataFrame,
        source: str,
        options: dict[str, Any],
        resolutions: dict[int, KeyResolution],
        used: dict[str, FactorRecord],
        total_tco2e: float,
        entity_totals: dict[str, float],
    ) -> CalculationRecord:
        from dualcarbon import __version__

        keys = []
        for k, r in resolutions.items():
            keys.append(
                {
                    "key": k,
                    **r.key._asdict(),
                    "methodology": r.methodology,
                    "scope": r.scope,
                    "slots": [
                        {
                            "gas": s.gas,
                            "t_per_unit": _fraction_text(s.coef),
                            "t_per_unit_float": float(s.coef),
                            "times_row_columns": list(s.uses),
                            "factors": [f.ref for f in s.factors],
                            "gwp": s.gwp,
                            "gwp_factor": s.gwp_ref,
                        }
                        for s in r.slots
                    ],
                    "market_based_role": r.mb_role,
                    "trace": list(r.trace),
                    "flags": list(r.flags),
                }
            )
        factors = {
            ref: {
                "value": f.value,
                "unit": f.unit,
                "status": f.status,
                "table": f.provenance.table,
                "document_no": f.provenance.document_no,
                "publisher": f.provenance.publisher,
            }
            for ref, f in sorted(used.items())
        }
        return cls(
            inputs=inputs,
            source=source,
            options=options,
            methodology_refs=sorted({r.methodology for r in resolutions.values()}),
            factor_refs=sorted(used),
            factors=factors,
            keys=keys,
            total_tco2e=total_tco2e,
            entity_totals=dict(entity_totals),
            dualcarbon_version=__version__,
        )

    @property
    def pins(self) -> dict[str, int]:
        """Factor id -> pinned version."""
        out = {}
        for ref in self.factor_refs:
            fid, _, ver = ref.rpartition("@")
            out[fid] = int(ver)
        return out

    @property
    def input_sha256(self) -> str:
        """SHA-256 of the canonical JSON of the input lines (what the record was computed from)."""
        payload = json.dumps(self.inputs.to_dicts(), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_dict(self, *, include_inputs: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.format,
            "dualcarbon_version": self.dualcarbon_version,
            "source": self.source,
            "options": self.options,
            "methodologies": self.methodology_refs,
            "factor_refs": self.factor_refs,
            "factors": self.factors,
            "keys": self.keys,
            "results": {"total_tco2e": self.total_tco2e, "entities": self.entity_totals},
            "input_sha256": self.input_sha256,
        }
        if include_inputs:
            out["inputs"] = self.inputs.to_dicts()
        return out

    def to_json(self, *, include_inputs: bool = True) -> str:
        return json.dumps(
            self.to_dict(include_inputs=include_inputs), ensure_ascii=False, indent=2, default=str
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalculationRecord:
        if data.get("format") != RECORD_FORMAT:
            raise RecordMismatch(
                f"not a calculation record of format {RECORD_FORMAT}: {data.get('format')!r}"
            )
        if "inputs" not in data:
            raise RecordMismatch("the record was saved without its inputs; it cannot be re-run")
        inputs = pl.DataFrame(data["inputs"], infer_schema_length=None)
        rec = cls(
            inputs=inputs,
            source=data.get("source", ""),
            options=data["options"],
            methodology_refs=data["methodologies"],
            factor_refs=data["factor_refs"],
            factors=data["factors"],
            keys=data["keys"],
            total_tco2e=data["results"]["total_tco2e"],
            entity_totals=data["results"]["entities"],
            dualcarbon_version=data.get("dualcarbon_version", ""),
        )
        if data.get("input_sha256") and rec.input_sha256 != data["input_sha256"]:
            raise RecordMismatch("the record's inputs do not match its input_sha256")
        return rec


def rerun(record: CalculationRecord, db: FactorDatabase | None = None) -> AccountingResult:
    """Re-run ``record`` with its pinned factor versions and check that it reproduces its numbers.

    Raises
    ------
    RecordMismatch
        Other factors were resolved (a pinned version is missing, or a new record now competes) or the
        totals differ.
    """
    from dualcarbon.accounting.engine import account

    opts = record.options
    result = account(
        record.inputs,
        gwp=opts["gwp"],
        factor_set=opts.get("factor_set"),
        vintage=opts.get("vintage", "exact"),
        db=db,
        monte_carlo=opts.get("monte_carlo") or 0,
        seed=opts.get("seed"),
        source=record.source,
        keep_lines=False,
        pins=record.pins,
    )
    if result.record.factor_refs != record.factor_refs:
        missing = sorted(set(record.factor_refs) - set(result.record.factor_refs))
        added = sorted(set(result.record.factor_refs) - set(record.factor_refs))
        raise RecordMismatch(f"re-run resolved other factors (missing {missing}, new {added})")
    # identical factors and coefficients; float sums may differ only in the last bits if the
    # summation order changed, so totals must agree to 12 significant digits
    if not math.isclose(result.total_tco2e, record.total_tco2e, rel_tol=1e-12, abs_tol=1e-9):
        raise RecordMismatch(
            f"re-run total {result.total_tco2e!r} differs from the recorded {record.total_tco2e!r}"
        )
    for entity, value in record.entity_totals.items():
        again = result.record.entity_totals.get(entity)
        if again is None or not math.isclose(again, value, rel_tol=1e-12, abs_tol=1e-9):
            raise RecordMismatch(f"re-run total of entity {entity!r} is {again!r}, recorded {value!r}")
    return result
