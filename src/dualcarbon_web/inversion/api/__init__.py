"""REST endpoints of the inversion app (mounted at ``/api/v1/inversion/``)."""

from __future__ import annotations

from dualcarbon_web.inversion.api.views import router

__all__ = ("router",)
