"""REST endpoints of the technology registry (mounted at ``/api/v1/techregistry/``)."""

from __future__ import annotations

from dualcarbon_web.techregistry.api.views import router

__all__ = ("router",)
