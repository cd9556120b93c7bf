"""REST endpoints of the factor database."""

from dualcarbon_web.factors.api.views import router

__all__ = ("router",)
