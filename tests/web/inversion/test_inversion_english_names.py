"""The inversion pages name the facilities' enterprises in the reader's language (the English name
where one is recorded); the API keeps the name recorded with the run."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

FS, FS_EN = "佛山南海水泥有限公司（示例）", "Foshan Nanhai Cement Co. (demo)"


def _table(html: str, testid: str) -> str:
    table = html[html.index(f'data-testid="{testid}"') :]
    return table[: table.index("</table>")]


def _get(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.content.decode(), len(ctx.captured_queries)


def test_flagged_facilities_name_the_enterprise_in_the_language(province, osse_run, token_client, login):
    client = login(province.regulator)
    zh, zh_queries = _get(client, f"/inversion/{osse_run.pk}/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en, en_queries = _get(client, f"/inversion/{osse_run.pk}/")
    assert en_queries == zh_queries
    assert f"<td>{FS}</td>" in _table(zh, "flagged-table") and FS_EN not in zh
    assert f"<td>{FS_EN}</td>" in _table(en, "flagged-table") and FS not in en  # the map's hover text too
    # the API: the name recorded with the run, whatever the language
    api = token_client(province.regulator)
    facilities = api.get(f"/api/v1/inversion/runs/{osse_run.pk}/results", HTTP_ACCEPT_LANGUAGE="en").json()[
        "facilities"
    ]
    assert {f["organization"] for f in facilities if f["code"].startswith("NH-")} == {FS}


def test_osse_form_lists_facilities_with_the_enterprise_in_the_language(province, login):
    client = login(province.regulator)
    zh = client.get("/inversion/observations/synthetic/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en = client.get("/inversion/observations/synthetic/").content.decode()
    assert f">{FS} · 熟料生产线" in zh and FS_EN not in zh
    assert f">{FS_EN} · 熟料生产线" in en and FS not in en
