"""Rounding for reports: the only place numbers are rounded.

Results are kept unrounded (float64 from exact per-key coefficients). When a number is *reported*
(the readable CLI table, a printed report), it is rounded half-up (四舍五入, as Chinese reporting
templates expect) to a stated number of decimals, from its shortest decimal representation.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["REPORT_DECIMALS", "round_for_report"]

REPORT_DECIMALS = 2


def round_for_report(value: float | None, decimals: int = REPORT_DECIMALS) -> str:
    """``value`` rounded half-up to ``decimals`` places, as text (``""`` for ``None``).

    >>> round_for_report(2.675)
    '2.68'
    >>> round_for_report(-0.005)
    '-0.01'
    """
    if value is None:
        return ""
    q = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))
