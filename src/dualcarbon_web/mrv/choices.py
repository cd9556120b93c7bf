"""Choices and constants of the MRV app."""

from __future__ import annotations

__all__ = ("EVENT_KIND", "EVENT_VERSION", "RULES_EVENT_KIND", "RULES_EVENT_VERSION")

#: ``kind`` of the log entry that anchors a submitted annual report.
EVENT_KIND = "mrv.report.submitted"
#: Version of that entry's format (docs/mrv.md, "The log entry").
EVENT_VERSION = 1

#: ``kind`` of the log entry that anchors an evaluation of the verification rules.
RULES_EVENT_KIND = "mrv.rules.evaluated"
#: Version of that entry's format (docs/mrv.md, "Verification rules").
RULES_EVENT_VERSION = 1
