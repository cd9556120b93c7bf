"""Middleware: remember the client address for the audit trail."""

from __future__ import annotations

from dualcarbon_web.platform.context import _client_ip, set_client_ip

__all__ = ("AuditContextMiddleware", "request_ip")


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
