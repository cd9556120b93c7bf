"""Shapes of the MRV log's API."""

from __future__ import annotations

from typing import Any

from ninja import Schema

__all__ = ("BundleOut", "CheckIn", "CheckOut", "CheckpointOut", "ConsistencyOut")


class CheckpointOut(Schema):
    origin: str
    size: int
    root_hash: str
    root_hex: str
    checkpoint: str
    log_key: str
    witness_keys: list[str]
    witnesses: list[str]


class BundleOut(Schema):
    format: str
    version: int
    origin: str
    index: int
    tree_size: int
    entry: Any
    leaf_hash: str
    inclusion_proof: list[str]
    checkpoint: str
    log_key: str


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    proof: list[str]
    checkpoint: str


class CheckIn(Schema):
    text: str


class CheckItem(Schema):
    name: str
    ok: bool
    detail: str


class CheckOut(Schema):
    kind: str
    ok: bool
    found: bool
    index: int | None
    checks: list[CheckItem]
    bundle: dict[str, Any] | None
