"""Shapes of the factor API."""

from __future__ import annotations

from ninja import Schema

__all__ = ("FactorCorrectIn", "FactorIn", "FactorOut", "ProvenanceOut", "UncertaintyOut")


class UncertaintyOut(Schema):
    distribution: str
    low_pct: float
    high_pct: float


class ProvenanceOut(Schema):
    table: str
    title: str
    source: str
    locator: str
    edition: str
    publisher: str
    document_no: str
    published_on: str
    source_url: str
    licence: str
    retrieval_note: str
    status: str


class FactorOut(Schema):
    id: str
    version: int
    ref: str
    family: str
    item: str
    gas: str
    value: str
    unit: str
    basis: str
    region: str
    level: str
    data_year: int | None
    valid_from: int | None
    valid_to: int | None
    status: str
    uncertainty: UncertaintyOut | None
    supersedes: str
    note: str
    provenance: ProvenanceOut


class FactorIn(Schema):
    id: str
    family: str
    gas: str
    value: str
    unit: str
    item: str = ""
    basis: str = ""
    region: str = ""
    level: str = ""
    data_year: int | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    status: str = "user"
    uncertainty_distribution: str = ""
    uncertainty_low_pct: float | None = None
    uncertainty_high_pct: float | None = None
    note: str = ""
    table: str = ""
    source: str = ""
    locator: str = ""
    publisher: str = ""
    document_no: str = ""
    published_on: str = ""
    source_url: str = ""
    licence: str = ""
    retrieval_note: str = ""


class FactorCorrectIn(Schema):
    reason: str
    value: str | None = None
    unit: str | None = None
    status: str | None = None
    note: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
