import re

import pytest
from django.conf import settings

from fours.core.roles import Role
from fours.core.tests.factories import DealerGroupFactory, StoreFactory, UserFactory, member

HAN = re.compile(r"[\u4e00-\u9fff]")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<option[^>]*>[^<]*</option>", " ", html)  # data (store names) in the switcher
    html = re.sub(r'<button[^>]*name="language"[^>]*>[^<]*</button>', " ", html)  # '中文' switch
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def english_client(client, db):
    group = DealerGroupFactory(code="PR", name="Pearl River Motor Group")
    store = StoreFactory(
        group=group,
        city="Guangzhou",
        name="Pearl River Toyota",
        short_name="Pearl River Toyota",
        brands="Toyota",
    )
    user = UserFactory(username="manager", first_name="Alex")
    member(user, Role.GENERAL_MANAGER, store=store)
    client.force_login(user)
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert resp.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    client.store = store
    return client


def test_chinese_is_the_default(client_for, gm_a):
    html = client_for(gm_a).get("/").content.decode()
    assert '<html lang="zh-hans">' in html and "工作台" in html


@pytest.mark.parametrize("path", ["/", "/core/audit/", "/core/stores/current/", "/nope/"])
def test_core_pages_are_completely_english_after_the_switch(english_client, path):
    resp = english_client.get(path, follow=True)
    text = visible_text(resp.content.decode())
    assert '<html lang="en">' in resp.content.decode()
    assert not HAN.findall(text), f"untranslated text on {path}: {HAN.findall(text)[:20]} in {text[:500]}"


def test_api_errors_follow_the_language(api_for, gm_a):
    api = api_for(gm_a)
    assert "未找到" in api.get("/api/v1/stores/999999/").json()["error"]["message"]
    resp = api.get("/api/v1/stores/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.json()["error"]["message"] == "Not found, or not within your stores"
