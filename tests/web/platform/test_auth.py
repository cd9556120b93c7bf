"""Sign-in, Argon2 hashing, throttling, password change, CSRF and the audit trail of each."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.models import AuditEntry, LoginFailure, User
from dualcarbon_web.platform.services import user_create

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def analyst(db):
    return user_create(
        actor=None, username="ana", password=PASSWORD, role=RoleChoices.ANALYST, display_name="Ana"
    )


def test_passwords_are_hashed_with_argon2(analyst):
    assert analyst.password.startswith("argon2$argon2id$")
    assert analyst.check_password(PASSWORD)


def test_login_success_redirects_home_and_is_audited(client, analyst):
    resp = client.post(reverse("platform:login"), {"username": "ana", "password": PASSWORD})
    assert resp.status_code == 302 and resp.url == reverse("platform:home")
    entry = AuditEntry.objects.filter(action=AuditActionChoices.LOGIN).get()
    assert entry.user == analyst and entry.username == "ana" and entry.ip == "127.0.0.1"


def test_login_wrong_password_shows_error_and_records_failure(client, analyst):
    resp = client.post(reverse("platform:login"), {"username": "ana", "password": "nope"})
    assert resp.status_code == 200
    assert "用户名或密码错误" in resp.content.decode()
    assert LoginFailure.objects.filter(username="ana").count() == 1
    assert AuditEntry.objects.filter(action=AuditActionChoices.LOGIN_FAILED, object_id="ana").exists()


def test_login_is_throttled_after_five_failures_even_with_the_right_password(client, analyst, settings):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        client.post(reverse("platform:login"), {"username": "ana", "password": "wrong"})
    resp = client.post(reverse("platform:login"), {"username": "ana", "password": PASSWORD})
    assert resp.status_code == 429
    assert "_auth_user_id" not in client.session


def test_successful_login_clears_earlier_failures(client, analyst):
    for _ in range(3):
        client.post(reverse("platform:login"), {"username": "ana", "password": "wrong"})
    client.post(reverse("platform:login"), {"username": "ana", "password": PASSWORD})
    assert LoginFailure.objects.filter(username="ana").count() == 0


def test_login_next_url_must_be_on_this_host(client, analyst):
    resp = client.post(
        reverse("platform:login"), {"username": "ana", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert resp.url == reverse("platform:home")


def test_pages_require_login(client, db):
    resp = client.get(reverse("platform:home"))
    assert resp.status_code == 302 and resp.url.startswith(reverse("platform:login"))


def test_logout_needs_post_and_ends_the_session(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("platform:logout")).status_code == 405
    client.post(reverse("platform:logout"))
    assert client.get(reverse("platform:home")).status_code == 302
    assert AuditEntry.objects.filter(action=AuditActionChoices.LOGOUT, user=analyst).exists()


def test_csrf_is_enforced_on_forms(analyst):
    csrf_client = Client(enforce_csrf_checks=True)
    resp = csrf_client.post(reverse("platform:login"), {"username": "ana", "password": PASSWORD})
    assert resp.status_code == 403


def test_password_change_wrong_old_password_is_a_field_error(client, analyst):
    client.force_login(analyst)
    resp = client.post(
        reverse("platform:password_change"),
        {
            "old_password": "bad",
            "new_password": "a-much-better-pass-42",
            "new_password_again": "a-much-better-pass-42",
        },
    )
    assert resp.status_code == 200
    assert 'data-field="old_password"' in resp.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)


def test_password_change_rejects_weak_and_mismatched(client, analyst):
    client.force_login(analyst)
    resp = client.post(
        reverse("platform:password_change"),
        {"old_password": PASSWORD, "new_password": "1234567890", "new_password_again": "1234567890"},
    )
    assert 'data-field="new_password"' in resp.content.decode()
    resp = client.post(
        reverse("platform:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "a-much-better-pass-42",
            "new_password_again": "different-pass-42x",
        },
    )
    assert 'data-field="new_password_again"' in resp.content.decode()


def test_password_change_success_keeps_session_and_is_audited(client, analyst):
    client.force_login(analyst)
    new = "a-much-better-pass-42"
    resp = client.post(
        reverse("platform:password_change"),
        {"old_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert resp.status_code == 302
    analyst.refresh_from_db()
    assert analyst.check_password(new)
    assert client.get(reverse("platform:home")).status_code == 200
    entry = AuditEntry.objects.get(action=AuditActionChoices.PASSWORD_CHANGE)
    assert entry.user == analyst


def test_user_create_validates_role_and_organisation(db):
    from dualcarbon_web.platform.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="x", password=PASSWORD, role="emperor")
    assert "role" in exc.value.extra["fields"]
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="x", password=PASSWORD, role=RoleChoices.ENTERPRISE)
    assert "organization" in exc.value.extra["fields"]
    user_create(actor=None, username="x", password=PASSWORD, role=RoleChoices.ANALYST)
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="X", password=PASSWORD, role=RoleChoices.ANALYST)
    assert "username" in exc.value.extra["fields"]
    assert User.objects.count() == 1
