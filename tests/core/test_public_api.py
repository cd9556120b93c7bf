"""The core's public surface stays importable without Django."""

from __future__ import annotations

import subprocess
import sys

import dualcarbon
from dualcarbon.errors import DualCarbonError, InputError


def test_all_names_resolve() -> None:
    for name in dualcarbon.__all__:
        assert hasattr(dualcarbon, name), name


def test_core_import_does_not_load_django() -> None:
    code = "import sys, dualcarbon, dualcarbon.errors; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_input_error_names_where() -> None:
    err = InputError("quantity must be a number", source="a.csv", row=7, column="quantity", value="x")
    assert str(err) == "a.csv, row 7, column 'quantity': quantity must be a number"
    assert isinstance(err, DualCarbonError) and isinstance(err, ValueError)
    assert err.row == 7 and err.column == "quantity" and err.reason == "quantity must be a number"
