"""REST endpoints of the MRV app (mounted at ``/api/v1/mrv/``)."""

from __future__ import annotations

from dualcarbon_web.mrv.api.views import router

__all__ = ("router",)
