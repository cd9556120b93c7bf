"""Shared fixtures for the accounting tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dualcarbon.accounting import FactorDatabase

WORKED = Path(__file__).parent / "worked_examples"


def load_worked_examples() -> list[dict]:
    """Every case of every YAML file under worked_examples/, with its file name."""
    cases = []
    for path in sorted(WORKED.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            case["_file"] = path.name
            cases.append(case)
    return cases


@pytest.fixture(scope="session")
def shipped_db() -> FactorDatabase:
    return FactorDatabase()
