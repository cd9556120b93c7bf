"""Per-request context (client address) that services read when they write the audit trail."""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ("client_ip", "set_client_ip")

_client_ip: ContextVar[str] = ContextVar("dualcarbon_client_ip", default="")


def client_ip() -> str:
    return _client_ip.get()


def set_client_ip(ip: str):
    return _client_ip.set(ip)
