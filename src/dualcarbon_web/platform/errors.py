"""Application errors of the web layer, mapped to one JSON shape by the API's handlers.

``{"message": str, "code": str, "extra": {...}}`` — ``extra.fields`` maps field names to messages;
``extra.row`` / ``extra.column`` locate an upload error.
"""

from __future__ import annotations

__all__ = ("ApplicationError", "InvalidTransition", "NotAllowed", "NotFound", "ValidationFailed")


class ApplicationError(Exception):
    status = 400
    code = "application_error"

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Input that fails validation; ``extra['fields']`` names each bad field."""

    status = 400
    code = "validation_error"


class NotAllowed(ApplicationError):
    status = 403
    code = "forbidden"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class InvalidTransition(ApplicationError):
    status = 409
    code = "invalid_transition"
