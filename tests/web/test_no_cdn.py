"""No CDN, no network fetch at run time: every script, stylesheet, image and CSS ``url()`` on every
page a demo administrator can reach is same-origin and actually served (HTTP 200).

The pages are found the way a person would find them: from the home page and the menu, following
same-origin links (list → detail pages, pagination) breadth-first, up to a bound. Static files are
fetched through the test client, i.e. through WhiteNoise with ``WHITENOISE_USE_FINDERS`` -- the same
path ``dualcarbon serve`` uses, no ``collectstatic`` needed.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client
from django.urls import NoReverseMatch, reverse

from dualcarbon_web.platform.navigation import NAV

ORIGIN = "http://testserver"
MAX_PAGES = 120
# Pages that change state on GET would be a bug anyway; these are simply not pages to render.
SKIP_PREFIXES = ("/logout/", "/static/", "/i18n/", "/media/")
EXTRA_PAGES = (
    "platform:token_list",
    "platform:password_change",
    "platform:job_list",
    "platform:audit_list",
    "platform:user_list",
)
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(['"])([^'"]+)\1""")


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []  # (what, url)
        self.links: list[str] = []
        self.inline_css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.assets.append(("<script src>", a["src"]))
        elif tag == "link" and a.get("href"):
            self.assets.append((f"<link rel={a.get('rel')}>", a["href"]))
        elif tag in ("img", "source", "iframe", "embed", "audio", "video") and a.get("src"):
            self.assets.append((f"<{tag} src>", a["src"]))
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "style":
            self._in_style = True
        if a.get("style"):
            self.inline_css.append(a["style"])

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css.append(data)


def _same_origin(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    return parts.scheme in ("", "http") and parts.netloc in ("", "testserver") and not url.startswith("//")


def _fetch_status(client: Client, url: str) -> tuple[int, str]:
    path = urlsplit(url).path
    query = urlsplit(url).query
    resp = client.get(path + (f"?{query}" if query else ""))
    body = b""
    if resp.status_code == 200:
        body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    if hasattr(resp, "close"):
        resp.close()
    ctype = resp.get("Content-Type", "")
    text = body.decode("utf-8", "replace") if "css" in ctype or path.endswith(".css") else ""
    return resp.status_code, text


def _start_pages() -> list[str]:
    urls = ["/"]
    for item in NAV:
        try:
            urls.append(reverse(item.url_name))
        except NoReverseMatch:
            continue
    for name in EXTRA_PAGES:
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    urls.append("/api/v1/docs")
    return list(dict.fromkeys(urls))


def _crawl(client: Client) -> dict[str, _AssetParser]:
    pages: dict[str, _AssetParser] = {}
    queue = deque(_start_pages())
    seen = set(queue)
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        resp = client.get(url)
        assert resp.status_code in (200, 302), f"{url} answered {resp.status_code}"
        if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
            continue
        parser = _AssetParser()
        parser.feed(resp.content.decode("utf-8", "replace"))
        pages[url] = parser
        for href in parser.links:
            target, _frag = urldefrag(urljoin(ORIGIN + url, href))
            parts = urlsplit(target)
            if parts.netloc != "testserver" or parts.path.startswith(SKIP_PREFIXES):
                continue
            if parts.path.startswith("/api/"):
                continue
            # One page of each list is enough; the first page and one page number are followed.
            path = parts.path + (f"?{parts.query}" if parts.query and "page=" in parts.query else "")
            if path not in seen:
                seen.add(path)
                queue.append(path)
    return pages


def test_every_asset_is_same_origin_and_served(demo):
    client = Client()
    client.force_login(demo.admin)
    pages = _crawl(client)
    assert "/" in pages and len(pages) >= len(_start_pages()) - 1

    foreign: list[str] = []
    missing: list[str] = []
    checked: dict[str, int] = {}
    css_queue: deque[tuple[str, str]] = deque()
    for page, parser in pages.items():
        refs = list(parser.assets)
        for css in parser.inline_css:
            refs += [("inline CSS url()", m.group(2)) for m in CSS_URL.finditer(css)]
        for what, ref in refs:
            absolute = urljoin(ORIGIN + page, ref)
            if not _same_origin(absolute):
                foreign.append(f"{page}: {what} {ref}")
                continue
            if absolute.startswith("data:"):
                continue
            if absolute not in checked:
                status, css_text = _fetch_status(client, absolute)
                checked[absolute] = status
                if css_text:
                    css_queue.append((absolute, css_text))
            if checked[absolute] != 200:
                missing.append(f"{page}: {what} {ref} → {checked[absolute]}")

    # url() and @import inside the served stylesheets (fonts, images) follow the same rule.
    while css_queue:
        sheet, text = css_queue.popleft()
        refs = [m.group(2) for m in CSS_URL.finditer(text)] + [m.group(2) for m in CSS_IMPORT.finditer(text)]
        for ref in refs:
            if ref.startswith(("data:", "#")):
                continue
            absolute = urljoin(sheet, ref)
            if not _same_origin(absolute):
                foreign.append(f"{sheet}: url({ref})")
                continue
            if absolute not in checked:
                status, css_text = _fetch_status(client, absolute)
                checked[absolute] = status
                if css_text:
                    css_queue.append((absolute, css_text))
            if checked[absolute] != 200:
                missing.append(f"{sheet}: url({ref}) → {checked[absolute]}")

    assert not foreign, "assets from another origin (CDN?):\n" + "\n".join(sorted(set(foreign)))
    assert not missing, "assets that are not served:\n" + "\n".join(sorted(set(missing)))
    # The platform's own stylesheet and htmx are among what was checked.
    assert any(u.endswith("/dualcarbon/app.css") for u in checked), sorted(checked)
    assert any("htmx" in u for u in checked), sorted(checked)
