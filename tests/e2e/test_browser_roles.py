"""Each demo role signs in through the login form of the running platform and is checked in chromium.

For every role: the menu shows exactly the role's entries of :data:`navigation.NAV`, every entry opens
(HTTP 200), the audit log is the administrator's alone (403 for everyone else), what the role may see
of the registry follows :mod:`dualcarbon_web.platform.visibility` (checked against the server's own
database, read directly), the language switches to English and back, and the main pages are saved
as full-page PNG screenshots in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
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


class _MenuParser(HTMLParser):
    """(data-nav, href, text) of the links in ``<nav data-testid="nav">`` of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.items: list[list[str]] = []
        self.link = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and a.get("data-testid") == "nav":
            self.inside = True
        elif tag == "a" and self.inside:
            self.items.append([a.get("data-nav", ""), a.get("href", ""), ""])
            self.link = True

    def handle_endtag(self, tag):
        if tag == "nav":
            self.inside = False
        elif tag == "a":
            self.link = False

    def handle_data(self, data):
        if self.link:
            self.items[-1][2] += data


def menu_in_html(html: str) -> list[tuple[str, str, str]]:
    parser = _MenuParser()
    parser.feed(html)
    return [(n, h, t.strip()) for n, h, t in parser.items]


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


def shoot(page, folder, name: str, *, full_page: bool = True) -> None:
    settle(page)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


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


def test_chinese_by_default_even_when_the_browser_prefers_english(new_page, platform):
    """简体中文 is the default whatever the browser's Accept-Language; English is an explicit switch."""
    page = new_page(locale="en-US")
    page.goto(platform.url("/login/"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("select[name=language]").input_value() == "zh-hans"
    switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().strip() != "登录"
    switch_language(page, "zh-hans")
    assert page.locator("h1").inner_text().strip() == "登录"


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

    # Every entry of the menu opens and keeps the same menu. These fetches share the browser's
    # session cookie but skip rendering (the pages that matter are rendered and shot elsewhere).
    for _name, url, _label in want:
        resp = page.request.get(platform.url(url))
        assert resp.status == 200, f"{username}: {url} answered {resp.status}"
        html = resp.text()
        assert menu_in_html(html) == want, f"{username}: menu changed on {url}"
        assert "<h1" in html, f"{username}: {url} has no heading"

    # Pages outside the menu: the audit log and user management are the administrator's alone.
    for name in ("platform:audit_list", "platform:user_list"):
        resp = page.request.get(platform.url(reverse(name)))
        if role == RoleChoices.ADMIN:
            assert resp.status == 200, f"admin: {name} answered {resp.status}"
        else:
            assert resp.status == 403, f"{username}: {name} answered {resp.status}, expected 403"

    registry.check_visibility(page, username)

    # English and back: the <html lang>, the selected option and the menu labels follow.
    shot_en = username in ("admin", "regulator", "enterprise1")
    page.goto(platform.url("/" if shot_en else reverse("platform:job_list")))
    switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("select[name=language]").input_value() == "en"
    assert rendered_menu(page) == expected_menu(role, "en")
    if shot_en:
        shoot(page, screenshots, f"dashboard_{username}_en")
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert rendered_menu(page) == want


def test_main_pages_as_administrator(new_page, platform, screenshots, registry):
    """Full-page screenshots of the main pages, as the administrator sees them."""
    page = new_page()
    sign_in(page, platform, "admin")
    pages = {
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


def _uscc(region: str, serial: int) -> str:
    from dualcarbon.registry.uscc import organization_code_check_character, uscc_check_character

    org8 = f"E2E{serial:05d}"
    first17 = "91" + region + org8 + organization_code_check_character(org8)
    return first17 + uscc_check_character(first17)


def _csv(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    lines = ["kind,name,uscc,region,industry"] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_regulator_imports_enterprises_and_follows_the_background_job(
    new_page, platform, screenshots, registry
):
    """Runs last (it adds enterprises): a file with one bad row is refused whole with the row named; a
    file above the inline limit becomes a background job whose progress the page follows (htmx) until
    it succeeds, and the job is listed on the jobs page."""
    page = new_page()
    sign_in(page, platform, "regulator")
    before = len(registry.enterprises())
    import_url = platform.url(reverse("organizations:organization_import"))

    good = ("enterprise", "端到端导入测试企业甲（示例）", _uscc("440100", 1), "440100", "4411")
    broken_uscc = _uscc("440300", 2)[:-1] + ("0" if _uscc("440300", 2)[-1] != "0" else "1")
    bad = ("enterprise", "端到端导入测试企业乙（示例）", broken_uscc, "440300", "3011")
    page.goto(import_url)
    page.set_input_files(
        "input[type=file]", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": _csv([good, bad])}]
    )
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("[data-testid=import-rejected]").is_visible()
    errors = page.locator("[data-testid=import-errors]").inner_text()
    assert "uscc" in errors, errors
    assert len(registry.enterprises()) == before, "a refused file must store nothing"
    shoot(page, screenshots, "import_rejected")

    n = 501  # one more than the inline limit of the import page
    regions = ("440100", "440300", "440600", "441300")
    rows = [
        (
            "enterprise",
            f"端到端批量导入企业{i:03d}（示例）",
            _uscc(regions[i % 4], 100 + i),
            regions[i % 4],
            "4411",
        )
        for i in range(n)
    ]
    page.goto(import_url)
    page.set_input_files(
        "input[type=file]", files=[{"name": "many.csv", "mimeType": "text/csv", "buffer": _csv(rows)}]
    )
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert re.fullmatch(r"/jobs/[0-9a-f-]{36}/", urlsplit(page.url).path), page.url
    progress = page.locator("[data-testid=job-progress]")
    page.wait_for_function(
        "() => ['succeeded', 'failed'].includes(document.querySelector('[data-testid=job-progress]')?.dataset.status)",
        timeout=150_000,
    )
    assert progress.get_attribute("data-status") == "succeeded", progress.inner_text()
    # The page lists every imported row in the job's result: the first screen is what matters.
    shoot(page, screenshots, "job_detail", full_page=False)
    assert len(registry.enterprises()) == before + n

    page.goto(platform.url(reverse("platform:job_list")))
    assert page.locator("main table tbody tr").count() >= 1
    shoot(page, screenshots, "jobs")
