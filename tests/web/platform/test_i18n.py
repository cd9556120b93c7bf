"""简体中文 by default, English one switch away."""

from __future__ import annotations

import pytest

from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.services import user_create


@pytest.fixture
def analyst(db):
    return user_create(
        actor=None, username="ana", password="correct-horse-battery-9", role=RoleChoices.ANALYST
    )


def test_chinese_is_the_default(client, db):
    html = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html and "登录" in html


def test_switching_to_english_and_back(client, analyst):
    client.force_login(analyst)
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert resp.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Dashboard" in html and "Sign out" in html and "工作台" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get("/").content.decode()


def test_browser_language_does_not_override_the_chinese_default(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
