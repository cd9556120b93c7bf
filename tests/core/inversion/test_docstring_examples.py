"""The Examples sections of the inversion modules run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["backend", "conversions", "jacobian", "massbalance", "operators", "plume", "posterior", "result"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"dualcarbon.inversion.{name}")
    failed, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0, f"{name} has no examples"
    assert failed == 0
