"""REST endpoints of the platform app: who am I, jobs with progress, API tokens."""

from __future__ import annotations

from dualcarbon_web.platform.api.views import router

__all__ = ("router",)
