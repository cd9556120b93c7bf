"""dualcarbon (双碳): the pure core.

Numbers, methods and formats for China's carbon peak and neutrality plan: emission accounting,
the tamper-evident MRV log, top-down inversion, the technology registry and planning. This package
never imports Django; the web platform (:mod:`dualcarbon_web`) is one of its clients.
"""

from __future__ import annotations

from dualcarbon.errors import (
    ComputationError,
    DataNotFound,
    DualCarbonError,
    InputError,
    IntegrityError,
    UnitError,
)

__version__ = "0.1.0"

__all__ = [
    "ComputationError",
    "DataNotFound",
    "DualCarbonError",
    "InputError",
    "IntegrityError",
    "UnitError",
    "__version__",
]
