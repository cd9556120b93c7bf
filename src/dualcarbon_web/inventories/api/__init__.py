"""REST endpoints of the inventories app (mounted at ``/api/v1/inventories/``)."""

from __future__ import annotations

from dualcarbon_web.inventories.api.views import router

__all__ = ("router",)
