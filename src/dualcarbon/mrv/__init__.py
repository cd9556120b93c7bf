"""Executable verification rules of MRV (research/mrv.md §8 item 3): a small rule engine and the
platform's rules over a calculation record. Pure: no Django (docs/mrv.md, "Verification rules")."""

from __future__ import annotations

from dualcarbon.mrv.engine import (
    REPORT_FORMAT,
    SEVERITIES,
    STATUSES,
    Finding,
    Outcome,
    Rule,
    RuleContext,
    RuleReport,
    RuleSet,
    evaluate,
    record_sha256,
)
from dualcarbon.mrv.rules import DEFAULT_RULESET, RULESET_ID, line_keys

__all__ = [
    "DEFAULT_RULESET",
    "REPORT_FORMAT",
    "RULESET_ID",
    "SEVERITIES",
    "STATUSES",
    "Finding",
    "Outcome",
    "Rule",
    "RuleContext",
    "RuleReport",
    "RuleSet",
    "evaluate",
    "line_keys",
    "record_sha256",
]
