"""REST endpoints of the organisations registry, mounted at ``/api/v1/organizations/``."""

from __future__ import annotations

from dualcarbon_web.organizations.api.views import router

__all__ = ("router",)
