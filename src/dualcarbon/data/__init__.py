"""Reference data shipped with dualcarbon (CSV tables, each with a provenance record).

``dualcarbon.data.path("factors")`` returns the folder of a data family. Nothing here is loaded at
import time; readers live beside the code that uses them (for example
:mod:`dualcarbon.accounting.factors`).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["path"]


def path(*parts: str) -> Traversable:
    """Return the packaged data folder or file ``parts`` (e.g. ``path("factors")``)."""
    node = files(__name__)
    for part in parts:
        node = node / part
    return node
