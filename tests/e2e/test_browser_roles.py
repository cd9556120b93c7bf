"""Each demo role signs in through the login form of the running platform and is checked in chromium.

For every role: the menu shows exactly the role's entries of :data:`navigation.NAV`, every entry opens
(HTTP 200), the audit log is the administrator's alone (403 for everyone else), what the role may see
of the registry follows :mod:`dualcarbon_web.platform.visibility` (checked against the server's own
database, read directly), the language switches to English and back, and the main pages are saved
as full-page PNG screenshots in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.navigation import NAV
from dualcarbon_web.platform.setup import DEMO_PASSWORD

# demo user → role, as loaded by dualcarbon_web.platform.setup.demo_users_load
ROLES: dict[str, str] = {
    "admin": RoleChoices.ADMIN,
    "regulator": RoleChoices.REGULATOR,
    "city_regulator": RoleChoices.REGULATOR,
    "verifier": RoleChoices.VERIFIER,
    "techowner": RoleChoices.TECHNOLOGY_OWNER,
    "analyst": RoleChoices.ANALYST,
    "enterprise1": RoleChoices.ENTERPRISE,
}


def expected_menu(role: str, language: str = "zh-hans") -> list[tuple[str, str, str]]:
    """(url name, URL, label) of the NAV entries ``role`` may use, in menu order, in ``language``.

    Entries whose URL does not resolve (an app not installed) are left out, as in ``menu_for``."""
    out = []
    with translation.override(language):
        for item in NAV:
            if role not in item.roles:
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            out.append((item.url_name, url, str(item.label)))
    return out


def forbidden_menu_entries(role: str) -> list[tuple[str, str]]:
    """(url name, URL) of installed NAV entries that ``role`` must not see."""
    allowed = {name for name, _, _ in expected_menu(role)}
    out = []
    for item in NAV:
        if item.url_name in allowed:
            continue
        try:
            out.append((item.url_name, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return out


def rendered_menu(page) -> list[tuple[str, str, str]]:
    return [
        tuple(row)
        for row in page.locator("[data-testid=nav] a").evaluate_all(
            "els => els.map(e => [e.dataset.nav, e.getAttribute('href'), e.textContent.trim()])"
        )
    ]


def sign_in(page, platform, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and submit the login form, as a person would."""
    page.goto(platform.url("/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def settle(page) -> None:
    """Wait until charts (Plotly) have drawn, so screenshots show them."""
    page.wait_for_load_state("load")
    for chart in page.locator(".chart").all():
        chart.locator(".main-svg").first.wait_for(state="attached", timeout=15_000)


def shoot(page, folder, name: str) -> None:
    settle(page)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("select[name=language]", code)
    page.wait_for_load_state("load")


def test_anonymous_visitor_is_sent_to_the_login_page(new_page, platform, screenshots):
    page = new_page()
    resp = page.goto(platform.url("/"))
    assert resp is not None and resp.ok
    assert urlsplit(page.url).path == "/login/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"  # 简体中文 by default
    assert page.locator("[data-testid=nav]").count() == 0
    assert page.locator("h1").inner_text().strip() == "登录"
    shoot(page, screenshots, "login")

    # A wrong password is refused with a message and no session.
    page.fill("input[name=username]", "nobody-e2e")
    page.fill("input[name=password]", "wrong-password-123")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert urlsplit(page.url).path == "/login/"
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
    shoot(page, screenshots, "login_error")

    # The API answers an anonymous caller with the one JSON error shape.
    api = page.request.get(platform.url("/api/v1/platform/me"))
    assert api.status == 401
    body = api.json()
    assert set(body) == {"message", "code", "extra"} and body["code"] == "unauthenticated"


def test_english_login_page_when_the_browser_prefers_english(new_page, platform):
    page = new_page(locale="en-US")
    page.goto(platform.url("/login/"))
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("username", list(ROLES))
def test_role_signs_in_and_sees_exactly_its_menu(username, new_page, platform, screenshots, registry):
    role = ROLES[username]
    page = new_page()
    sign_in(page, platform, username)
    assert urlsplit(page.url).path == reverse("platform:home"), f"{username} was not signed in"
    assert page.locator("[data-testid=whoami]").count() == 1

    # The menu is exactly the role's NAV entries, in order, with their Chinese labels.
    want = expected_menu(role)
    assert rendered_menu(page) == want, f"menu of {username} ({role})"
    assert page.locator("[data-testid=dashboard-title]").is_visible()
    shoot(page, screenshots, f"dashboard_{username}")

    # Every entry of the menu opens and keeps the same menu.
    for _name, url, _label in want:
        resp = page.goto(platform.url(url))
        assert resp is not None and resp.status == 200, f"{username}: {url} answered {resp and resp.status}"
        assert rendered_menu(page) == want, f"{username}: menu changed on {url}"
        assert page.locator("main h1").count() >= 1, f"{username}: {url} has no heading"

    # Pages outside the menu: the audit log and user management are the administrator's alone.
    for name in ("platform:audit_list", "platform:user_list"):
        resp = page.goto(platform.url(reverse(name)))
        if role == RoleChoices.ADMIN:
            assert resp.status == 200, f"admin: {name} answered {resp.status}"
        else:
            assert resp.status == 403, f"{username}: {name} answered {resp.status}, expected 403"

    registry.check_visibility(page, username)

    # English and back: the <html lang>, the selected option and the menu labels follow.
    page.goto(platform.url("/"))
    switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("select[name=language]").input_value() == "en"
    assert rendered_menu(page) == expected_menu(role, "en")
    if username in ("admin", "regulator", "enterprise1"):
        shoot(page, screenshots, f"dashboard_{username}_en")
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert rendered_menu(page) == want


def test_main_pages_as_administrator(new_page, platform, screenshots, registry):
    """Full-page screenshots of the main pages, as the administrator sees them."""
    page = new_page()
    sign_in(page, platform, "admin")
    pages = {
        "jobs": reverse("platform:job_list"),
        "tokens": reverse("platform:token_list"),
        "audit_log": reverse("platform:audit_list"),
        "users": reverse("platform:user_list"),
        "password_change": reverse("platform:password_change"),
    }
    pages.update(registry.main_pages())
    for shot, url in pages.items():
        resp = page.goto(platform.url(url))
        assert resp is not None and resp.status == 200, f"{url} answered {resp and resp.status}"
        shoot(page, screenshots, shot)

    # The audit log shows the sign-ins of this run.
    page.goto(platform.url(reverse("platform:audit_list")))
    assert re.search(r"\badmin\b", page.locator("main").inner_text())

    # A token made in the UI is shown once and then works as a bearer token against the API.
    page.goto(platform.url(reverse("platform:token_list")))
    page.fill("input[name=name]", "e2e script")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    secret = page.locator("[data-testid=new-token] code").inner_text().strip()
    assert secret.startswith("dc_")
    shoot(page, screenshots, "tokens_created")
    me = page.context.request.get(
        platform.url("/api/v1/platform/me"), headers={"Authorization": f"Bearer {secret}"}
    )
    assert me.status == 200 and me.json()["username"] == "admin"
