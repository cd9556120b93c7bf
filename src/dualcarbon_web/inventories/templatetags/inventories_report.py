"""Template filters of the printable report: half-up rounding (the core's) and dict lookup."""

from __future__ import annotations

from django import template

from dualcarbon.accounting import round_for_report

register = template.Library()


@register.filter
def report(value, decimals: int = 2) -> str:
    """``value`` rounded half-up (四舍五入) as the core reports it."""
    return round_for_report(value, int(decimals))


@register.filter
def get(mapping, key):
    return mapping.get(key, key) if hasattr(mapping, "get") else key
