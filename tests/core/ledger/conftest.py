"""Shared fixtures of the ledger tests: published vectors, keys and small logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dualcarbon.ledger import Log, SqliteLogStore, generate_signer

DATA = Path(__file__).parent / "data"


def load_vectors() -> dict[str, Any]:
    return json.loads((DATA / "transparency_dev_vectors.json").read_text(encoding="utf-8"))


@pytest.fixture
def vectors() -> dict[str, Any]:
    return load_vectors()


@pytest.fixture
def signer():
    return generate_signer("mrv.example.cn/log")


@pytest.fixture
def witness_signer():
    return generate_signer("regulator.example.cn/witness", cosigner=True)


@pytest.fixture
def log(tmp_path, signer) -> Log:
    store = SqliteLogStore(tmp_path / "log.db")
    yield Log.create(store, origin="mrv.example.cn/log", signer=signer)
    store.close()
