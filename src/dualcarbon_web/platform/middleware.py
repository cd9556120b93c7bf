"""Middleware: remember the client address for the audit trail."""

from __future__ import annotations

from dualcarbon_web.platform.context import _client_ip, set_client_ip

__all__ = (
    "MAX_QUERY_VALUE",
    "AuditContextMiddleware",
    "LanguageMiddleware",
    "RefuseNulMiddleware",
    "request_ip",
)


def request_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_client_ip(request_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


class LanguageMiddleware:
    """简体中文 unless the user chose another language (the ``set_language`` cookie).

    Django's ``LocaleMiddleware`` would follow the browser's Accept-Language header; the platform
    is Chinese by default whatever the browser says, and English is one explicit switch away.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


#: Longest value of one query-string parameter (search boxes, filters, ids). Longer values are refused
#: at the door: SQLite fails on LIKE patterns over 50,000 bytes and PostgreSQL on very long
#: expressions, and no page or API of the platform takes bulk text in the query string.
MAX_QUERY_VALUE = 1000


class RefuseNulMiddleware:
    """Answer 400 to a NUL character in the query string or a form field, or to a query-string value
    longer than :data:`MAX_QUERY_VALUE` characters, before any view runs.

    PostgreSQL cannot store or compare text containing NUL (``\x00``); a filter or form value with
    one would reach the database and fail there with a server error. No legitimate input of this
    platform contains NUL, so it is refused at the door, in the API's one error shape under
    ``/api/`` and as a plain 400 elsewhere. (Uploaded files and JSON bodies are checked by the
    services that read them.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest, JsonResponse

        too_long = sorted(
            {key for key, values in request.GET.lists() if any(len(v) > MAX_QUERY_VALUE for v in values)}
        )
        if too_long:
            message = f"A query parameter may be at most {MAX_QUERY_VALUE} characters long: " + ", ".join(
                too_long
            )
            if request.path.startswith("/api/"):
                extra = {"fields": {name: [f"at most {MAX_QUERY_VALUE} characters"] for name in too_long}}
                return JsonResponse(
                    {"message": message, "code": "validation_error", "extra": extra}, status=400
                )
            return HttpResponseBadRequest(message)
        fields = sorted(
            {key for key, values in request.GET.lists() if any("\x00" in key + v for v in values)}
        )
        if (
            not fields
            and request.method == "POST"
            and request.content_type
            in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
        ):
            fields = sorted(
                {key for key, values in request.POST.lists() if any("\x00" in key + v for v in values)}
            )
        if not fields:
            return self.get_response(request)
        message = "A NUL character (\\x00) is not allowed in a parameter or form field: " + ", ".join(fields)
        if request.path.startswith("/api/"):
            extra = {"fields": {name: ["contains a NUL character"] for name in fields}}
            return JsonResponse({"message": message, "code": "validation_error", "extra": extra}, status=400)
        return HttpResponseBadRequest(message)
