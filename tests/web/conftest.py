"""Fixtures for the web suite: the demo province (reference data, organisations, one user per role)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def demo(db):
    """The demo province as the platform's own setup loads it, with one user per role."""
    from dualcarbon_web.organizations.demo import demo_province_load
    from dualcarbon_web.organizations.services import reference_data_load
    from dualcarbon_web.platform.models import User
    from dualcarbon_web.platform.setup import DEMO_PASSWORD, demo_users_load

    reference_data_load()
    orgs = demo_province_load()
    demo_users_load(orgs)
    users = {u.username: u for u in User.objects.select_related("organization", "organization__jurisdiction")}
    return SimpleNamespace(orgs=orgs, users=users, password=DEMO_PASSWORD, **users)


@pytest.fixture
def login(client):
    """Sign a demo user in with the test client: ``login(user)`` returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def token_client(db):
    """``token_client(user)`` → a Django test client that sends a fresh bearer token for ``user``."""
    from django.test import Client

    from dualcarbon_web.platform.services import token_create

    def _make(user):
        _token, secret = token_create(user=user, name="pytest")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return _make


@pytest.fixture(scope="session", autouse=True)
def _flush_through_append_only_triggers():
    """Transactional tests end with ``flush``; let it purge the append-only tables (and only it)."""
    from django.core.management.commands import flush

    from dualcarbon_web.platform.db.append_only import purge_allowed

    original = flush.Command.handle

    def handle(self, **options):
        with purge_allowed(options.get("database", "default")):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
