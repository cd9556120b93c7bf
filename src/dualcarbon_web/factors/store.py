"""The core's ``FactorStore`` protocol on the platform database (append-only table FactorVersion)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from dualcarbon.accounting.factors import FactorRecord
from dualcarbon_web.factors.models import FactorVersion

__all__ = ("OrmFactorStore",)


class OrmFactorStore:
    """Factor versions added on the platform, in insertion order; ``append`` only inserts."""

    def __init__(self, *, created_by=None) -> None:
        self.created_by = created_by

    def records(self) -> Iterable[FactorRecord]:
        return [
            FactorRecord.from_dict(row)
            for row in FactorVersion.objects.order_by("id").values_list("data", flat=True)
        ]

    def append(self, record: FactorRecord) -> None:
        data = record.to_dict()
        data["provenance"] = dataclasses.asdict(record.provenance)
        FactorVersion.objects.create(
            factor_id=record.id, version=record.version, ref=record.ref, data=data, created_by=self.created_by
        )
