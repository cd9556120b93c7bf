"""REST endpoints of the planning app (mounted at ``/api/v1/planning/``)."""

from __future__ import annotations

from dualcarbon_web.planning.api.views import router

__all__ = ("router",)
