"""Browser tests: the real platform, started the way a user starts it, driven by headless chromium.

Why a subprocess and not pytest-django's ``live_server``
--------------------------------------------------------
The platform under test is ``dualcarbon serve --demo --port <free port>`` run in a child process with
a fresh temporary ``DUALCARBON_HOME`` (so a fresh embedded SQLite database, secret key and uploads
folder) and the production settings module. That is exactly what the README tells a user to run:
migrations, reference data, the demo province and its users are loaded by the platform's own
``setup`` code, requests are served by waitress with its thread pool, and background jobs by the
embedded worker. ``live_server`` would instead run Django's development server in a thread of the test
process, share one in-memory test database across threads (SQLite) or need ``transactional_db``
truncation between tests, and use the test settings (cheap Argon2, inline jobs) -- a different
program from the one a regulator would use. The price is a start-up of a few seconds per session.

The browser is Debian's ``/usr/bin/chromium`` launched through Playwright's Python package with its
network-facing features switched off (``playwright install`` is never used: nothing is downloaded).
Every request the pages make is recorded and the tests assert that none left the test server.
Without ``/usr/bin/chromium`` (or without the ``playwright`` package) every test here is skipped with
the reason, never failed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("DUALCARBON_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
START_TIMEOUT_S = 180.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is an ``e2e`` test; without a browser they are skipped, not failed."""
    here = Path(__file__).parent
    reason = _missing_browser_reason()
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _missing_browser_reason() -> str | None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"e2e: {CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "e2e: the playwright Python package is not installed (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Platform:
    """A running ``dualcarbon serve --demo``: where it answers and where it keeps its data."""

    base_url: str
    home: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def _dualcarbon_command() -> list[str]:
    script = Path(sys.executable).with_name("dualcarbon")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from dualcarbon.cli import main; main()"]


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """``dualcarbon serve --demo`` on a free loopback port with a fresh data home (SQLite)."""
    home = tmp_path_factory.mktemp("dualcarbon-e2e-home")
    log = home / "serve.log"
    port = _free_port()
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the embedded default: a fresh SQLite file in DUALCARBON_HOME
    env.update(
        DUALCARBON_HOME=str(home),
        DJANGO_SETTINGS_MODULE="dualcarbon_web.config.settings",
        DUALCARBON_DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    cmd = [*_dualcarbon_command(), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=home)
    server = Platform(base_url=f"http://127.0.0.1:{port}", home=home, log=log, process=proc)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`{' '.join(cmd)}` exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(server.url("/login/"), timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the platform did not answer within {START_TIMEOUT_S:.0f} s:\n{server.log_tail()}"
                )
            time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class RequestLog:
    """Every URL the browser asked for in one context, to prove nothing left the test server."""

    ALLOWED_SCHEMES = ("data", "blob", "about")

    def __init__(self, netloc: str) -> None:
        self.netloc = netloc
        self.urls: list[str] = []

    def __call__(self, request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in self.ALLOWED_SCHEMES:
                continue
            if parts.scheme not in ("http", "https") or parts.netloc != self.netloc:
                out.append(url)
        return out


@pytest.fixture
def new_page(platform: Platform, browser):
    """``new_page(locale="zh-CN")`` → a page in a fresh browser context whose requests are logged.

    At teardown the test fails if any request went to another host than the test server, if a
    page had a JavaScript error, or if the server logged an error (a 500 behind an htmx request
    or an image would not show up in a status assertion).
    """
    contexts = []
    log_start = platform.log.stat().st_size

    def _make(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 900})
        log = RequestLog(platform.netloc)
        context.on("request", log)
        # Belt and braces: anything for another host is refused before it leaves the browser.
        context.route(
            lambda url: urlsplit(url).netloc != platform.netloc and urlsplit(url).scheme in ("http", "https"),
            lambda route: route.abort(),
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        contexts.append((context, log, errors))
        return page

    yield _make
    problems = []
    for context, log, errors in contexts:
        foreign = log.foreign()
        if foreign:
            problems.append(f"requests left the test server: {foreign[:10]}")
        if errors:
            problems.append(f"JavaScript errors: {errors[:5]}")
        if not log.urls:
            problems.append("no request was recorded at all (is the request hook working?)")
        context.close()
    with platform.log.open("rb") as fh:
        fh.seek(log_start)
        server_log = fh.read().decode("utf-8", "replace")
    if "Internal Server Error" in server_log or "Traceback (most recent call last)" in server_log:
        problems.append(f"the server logged an error:\n{server_log[-4000:]}")
    assert not problems, "; ".join(problems)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for PNG artifacts (git-ignored), emptied of earlier runs' PNGs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        with contextlib.suppress(OSError):
            old.unlink()
    return SCREENSHOTS


class Registry:
    """The truth about the demo registry, read straight from the server's SQLite file, and the checks
    of what each role sees of it in the browser.

    The expected sets are computed here from the rules of :mod:`dualcarbon_web.platform.visibility`
    restated on raw rows (administrators: every enterprise; a regulator: enterprises whose GB/T 2260
    region code starts with its jurisdiction's prefix -- two digits for a province, four for a
    prefecture-level city; everyone else: their own organisation only), so a bug in the platform's
    selectors cannot hide itself by being used to compute the expectation.
    """

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.db = platform.home / "dualcarbon.sqlite3"

    def _rows(self, sql: str, params: tuple = ()) -> list[dict]:
        import sqlite3

        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute(sql, params)]
        finally:
            con.close()

    def enterprises(self) -> list[dict]:
        return self._rows(
            "SELECT o.id, o.name, r.code AS region_code FROM organizations_organization o "
            "JOIN organizations_region r ON r.id = o.region_id WHERE o.kind = 'enterprise' ORDER BY o.id"
        )

    def first_facility_id(self) -> int:
        rows = self._rows("SELECT id FROM organizations_facility ORDER BY id LIMIT 1")
        return rows[0]["id"] if rows else 0

    def user(self, username: str) -> dict:
        rows = self._rows(
            "SELECT u.username, u.role, u.is_superuser, u.organization_id, j.code AS jurisdiction_code, "
            "j.level AS jurisdiction_level FROM platform_user u "
            "LEFT JOIN organizations_organization o ON o.id = u.organization_id "
            "LEFT JOIN organizations_region j ON j.id = o.jurisdiction_id WHERE u.username = ?",
            (username,),
        )
        assert rows, f"demo user {username!r} is missing from the server database"
        return rows[0]

    @staticmethod
    def prefix(code: str, level: str) -> str:
        return {"province": code[:2], "prefecture": code[:4]}.get(level, code)

    def visible_enterprise_ids(self, username: str) -> set[int]:
        user = self.user(username)
        ents = self.enterprises()
        if user["role"] == "admin" or user["is_superuser"]:
            return {e["id"] for e in ents}
        if user["role"] == "regulator" and user["jurisdiction_code"]:
            p = self.prefix(user["jurisdiction_code"], user["jurisdiction_level"])
            return {e["id"] for e in ents if e["region_code"].startswith(p)}
        return {e["id"] for e in ents if e["id"] == user["organization_id"]}

    # -- pages -------------------------------------------------------------------------------
    @staticmethod
    def _reverse(name: str, *args) -> str | None:
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    def main_pages(self) -> dict[str, str]:
        """Screenshot name → URL of the registry's main pages (those that are installed)."""
        ents = self.enterprises()
        wanted = {
            "organization_list": ("organizations:organization_list",),
            "organization_detail": ("organizations:organization_detail", ents[0]["id"]) if ents else None,
            "facility_list": ("organizations:facility_list",),
            "facility_detail": ("organizations:facility_detail", self.first_facility_id()),
            "park_list": ("organizations:park_list",),
            "import": ("organizations:organization_import",),
        }
        out = {}
        for shot, spec in wanted.items():
            url = self._reverse(*spec) if spec else None
            if url:
                out[shot] = url
        return out

    def check_visibility(self, page, username: str) -> None:
        """What ``username`` sees of the enterprises in the browser equals the rule's answer."""
        list_url = self._reverse("organizations:organization_list")
        assert list_url is not None, "the organisations registry is not installed"
        visible = self.visible_enterprise_ids(username)
        ents = {e["id"]: e for e in self.enterprises()}
        hidden = set(ents) - visible
        user = self.user(username)
        codes = {pk: ents[pk]["region_code"] for pk in ents}

        # The demo province exercises each rule (otherwise the checks below would prove little).
        if username == "regulator":  # 广东省: every Guangdong enterprise, not the Hunan one
            assert visible and all(codes[pk].startswith("44") for pk in visible)
            assert any(codes[pk].startswith("43") for pk in hidden), "no Hunan enterprise hidden"
        elif username == "city_regulator":  # 广州市 only
            assert visible and all(codes[pk].startswith("4401") for pk in visible)
            assert any(codes[pk].startswith("44") for pk in hidden), "no other Guangdong city hidden"
        elif user["role"] == "enterprise":  # its own organisation, nobody else's
            assert visible == {user["organization_id"]} and hidden
        elif user["role"] == "admin":
            assert not hidden

        # The REST API, with the browser's session, agrees with the rule exactly.
        resp = page.request.get(self.platform.url("/api/v1/organizations/?kind=enterprise&page_size=500"))
        assert resp.status == 200, resp.text()[:300]
        body = resp.json()
        assert {item["id"] for item in body["items"]} == visible, f"{username}: API list differs"
        page.goto(self.platform.url(list_url))
        text = page.locator("main").inner_text()
        for pk in hidden:
            assert ents[pk]["name"] not in text, f"{username} sees {ents[pk]['name']} in the list"
        for pk in sorted(visible)[:20]:
            assert ents[pk]["name"] in text, f"{username} does not see {ents[pk]['name']} in the list"
        for pk in sorted(hidden)[:3]:
            url = self._reverse("organizations:organization_detail", pk)
            resp = page.request.get(self.platform.url(url))
            assert resp.status == 404, f"{username}: {url} ({ents[pk]['name']}) answered {resp.status}"
        for pk in sorted(visible)[:3]:
            url = self._reverse("organizations:organization_detail", pk)
            resp = page.request.get(self.platform.url(url))
            assert resp.status == 200, f"{username}: {url} ({ents[pk]['name']}) answered {resp.status}"


@pytest.fixture(scope="session")
def registry(platform: Platform) -> Registry:
    return Registry(platform)
