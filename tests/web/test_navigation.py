"""The menu each role sees is exactly its entries of ``navigation.NAV``, and protected pages outside
a role's menu are refused (403/404) for that role, whatever the URL typed in."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.navigation import NAV

# Demo users (dualcarbon_web.platform.setup.demo_users_load) and their roles.
ROLES = {
    "admin": RoleChoices.ADMIN,
    "regulator": RoleChoices.REGULATOR,
    "city_regulator": RoleChoices.REGULATOR,
    "verifier": RoleChoices.VERIFIER,
    "techowner": RoleChoices.TECHNOLOGY_OWNER,
    "analyst": RoleChoices.ANALYST,
    "enterprise1": RoleChoices.ENTERPRISE,
}

# Pages whose view refuses every role but the administrator, whatever the menu says.
ADMIN_ONLY = ("platform:audit_list", "platform:user_list")
# Pages whose view refuses (403/404) every role that does not have them in its menu. Other off-menu
# pages (e.g. the facility list for a verifier) open but show only what the role may see.
REFUSED_OFF_MENU = (*ADMIN_ONLY, "inventories:inventory_list")


class _NavParser(HTMLParser):
    """Collects (data-nav, href) of the links inside ``<nav data-testid="nav">``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.items: list[tuple[str, str]] = []
        self.navs = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and a.get("data-testid") == "nav":
            self.depth = 1
            self.navs += 1
        elif tag == "nav" and self.depth:
            self.depth += 1
        elif tag == "a" and self.depth:
            self.items.append((a.get("data-nav", ""), a.get("href", "")))

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1


def rendered_menu(html: str) -> list[tuple[str, str]]:
    parser = _NavParser()
    parser.feed(html)
    return parser.items


def allowed_entries(role: str) -> list[tuple[str, str]]:
    """(url name, URL) of the NAV entries ``role`` may use whose URL exists, in menu order."""
    out = []
    for item in NAV:
        if role not in item.roles:
            continue
        try:
            out.append((item.url_name, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return out


def installed_entries() -> list[tuple[str, str]]:
    out = []
    for item in NAV:
        try:
            out.append((item.url_name, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return out


def test_every_role_is_named_in_the_navigation():
    """Each role has at least the dashboard, and NAV names no role that does not exist."""
    for item in NAV:
        assert set(item.roles) <= set(RoleChoices.values), item
    for role in RoleChoices.values:
        assert any(role in item.roles for item in NAV), role


@pytest.mark.parametrize("username", list(ROLES))
def test_menu_is_exactly_the_roles_entries(username, demo):
    client = Client()
    client.force_login(demo.users[username])
    want = allowed_entries(ROLES[username])
    resp = client.get(reverse("platform:home"))
    assert resp.status_code == 200
    assert rendered_menu(resp.content.decode()) == want
    # ... and every entry of it opens, showing the same menu.
    for name, url in want:
        page = client.get(url)
        assert page.status_code == 200, f"{username}: {name} ({url}) answered {page.status_code}"
        assert rendered_menu(page.content.decode()) == want, f"{username}: menu differs on {url}"


@pytest.mark.parametrize("username", list(ROLES))
def test_protected_pages_outside_the_menu_are_refused(username, demo):
    client = Client()
    client.force_login(demo.users[username])
    role = ROLES[username]
    allowed = {name for name, _ in allowed_entries(role)}
    for name, url in installed_entries():
        if name in allowed:
            continue
        resp = client.get(url)
        if name in REFUSED_OFF_MENU:
            assert resp.status_code in (403, 404), f"{username}: {name} answered {resp.status_code}"
        else:
            # Not in this role's menu: the page may exist for the role (showing only what it may
            # see), but it must never fail.
            assert resp.status_code in (200, 403, 404), f"{username}: {name} answered {resp.status_code}"
    for name in ADMIN_ONLY:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        expected = (200,) if role == RoleChoices.ADMIN else (403, 404)
        assert client.get(url).status_code in expected, f"{username}: {name}"


def test_anonymous_visitors_see_no_menu_and_are_sent_to_login(db):
    client = Client()
    resp = client.get(reverse("platform:login"))
    assert resp.status_code == 200
    assert rendered_menu(resp.content.decode()) == []
    for name, url in installed_entries():
        resp = client.get(url)
        assert resp.status_code == 302, f"{name} answered {resp.status_code} to an anonymous visitor"
        assert resp.url.startswith(reverse("platform:login")), resp.url
