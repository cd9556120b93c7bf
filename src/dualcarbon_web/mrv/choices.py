"""Choices and constants of the MRV app."""

from __future__ import annotations

__all__ = ("EVENT_KIND", "EVENT_VERSION")

#: ``kind`` of the log entry that anchors a submitted annual report.
EVENT_KIND = "mrv.report.submitted"
#: Version of that entry's format (docs/mrv.md, "The log entry").
EVENT_VERSION = 1
