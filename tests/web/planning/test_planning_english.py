"""The planning pages in English: no Chinese left from the planning templates, titles from the core."""

from __future__ import annotations

import re

from django.urls import reverse

HAN = re.compile(r"[\u4e00-\u9fff]")


def _main(html: str) -> str:
    return html.split('<main class="content">', 1)[1].split("</main>", 1)[0]


def test_pages_in_english(demo, login):
    client = login(demo.analyst)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("planning:tracking")).content.decode()
    assert "14th FYP: CO2 per unit of GDP −18 %" in html
    assert "uncertain (journalistic characterisation)" in html
    main = _main(html)
    # the only Chinese left is quoted source notes of the official table
    main_wo_notes = re.sub(r"<a href=\"[^\"]*\" rel=\"noopener noreferrer nofollow\">[^<]*</a>", "", main)
    assert not HAN.search(main_wo_notes), HAN.findall(main_wo_notes)[:10]
    html = client.get(
        reverse("planning:lmdi"), {"region": "China", "year_from": 2005, "year_to": 2020}
    ).content
    main = _main(html.decode())
    assert "GDP per person" in main and not HAN.search(main)
    main = _main(client.get(reverse("planning:macc")).content.decode())
    assert "Abatement target (tCO2 per year)" in main and not HAN.search(main)
    assert re.search(r'data-nav="planning:tracking"[^>]*>Decision support<', html.decode())
