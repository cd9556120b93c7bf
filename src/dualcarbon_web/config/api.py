"""The REST API under ``/api/v1/``: one NinjaAPI, one router per app, one JSON error shape.

Every error answers ``{"message": str, "code": str, "extra": {...}}``. Authentication is a
session (browser, CSRF-checked) or a bearer token (``Authorization: Bearer dc_...``) for scripts.
Each app contributes ``dualcarbon_web.<app>.api.router``; it is mounted at ``/api/v1/<app>/``.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dualcarbon.errors import DataNotFound, DualCarbonError, InputError
from dualcarbon_web.platform.api.auth import api_auth
from dualcarbon_web.platform.errors import ApplicationError

__all__ = ("API_APPS", "api")

API_APPS = (
    "platform",
    "organizations",
    "factors",
    "inventories",
    "ledger",
    "mrv",
    "inversion",
    "planning",
    "techregistry",
)

api = NinjaAPI(
    title="dualcarbon API",
    version="1",
    description="双碳平台 REST API: organisations, emission factors, accounting, MRV reporting and ledger, inversion, technology registry.",
    urls_namespace="api-v1",
    auth=api_auth,
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(request, status: int, code: str, message: str, extra: dict | None = None):
    return api.create_response(
        request, {"message": message, "code": code, "extra": extra or {}}, status=status
    )


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return _error(request, exc.status, exc.code, exc.message, exc.extra)


@api.exception_handler(DataNotFound)
def _data_not_found(request, exc: DataNotFound):
    return _error(request, 404, "not_found", str(exc))


@api.exception_handler(InputError)
def _input_error(request, exc: InputError):
    extra = {
        k: v for k, v in {"row": exc.row, "column": exc.column, "source": exc.source}.items() if v is not None
    }
    return _error(request, 422, "invalid_input", str(exc), extra)


@api.exception_handler(DualCarbonError)
def _core_error(request, exc: DualCarbonError):
    return _error(request, 422, "domain_error", str(exc))


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload", "form")]
        fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
    return _error(
        request, 400, "validation_error", "Some fields are invalid; see extra.fields.", {"fields": fields}
    )


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(
        request, 400, "validation_error", "Some fields are invalid; see extra.fields.", {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", "Sign in or send 'Authorization: Bearer <token>'.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))


for _app in API_APPS:
    _module = f"dualcarbon_web.{_app}.api"
    if importlib.util.find_spec(_module) is not None:
        _router = getattr(importlib.import_module(_module), "router", None)
        if _router is not None:
            api.add_router(f"/{_app.replace('_', '-')}/", _router)
