"""Public REST endpoints of the MRV log."""

from dualcarbon_web.ledger.api.views import router

__all__ = ("router",)
