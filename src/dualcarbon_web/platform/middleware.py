"""Middleware: remember the client address for the audit trail."""

from __future__ import annotations

from dualcarbon_web.platform.context import _client_ip, set_client_ip

__all__ = ("AuditContextMiddleware", "LanguageMiddleware", "request_ip")


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
