import re

import pytest

from .conftest import shot

pytestmark = pytest.mark.browser


def test_every_demo_login_works_and_sees_the_chinese_home_page(page, demo_server, login):
    roles = {row["role"] for row in demo_server["logins"]}
    assert len(roles) >= 20  # one login per role (plus the group manager and admin)
    first = demo_server["logins"][1]
    login(first["username"])
    assert page.locator("h1.page-title").inner_text() == "工作台"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#store-switcher select").count() == 1
    shot(page, "home-1366")


def test_all_demo_logins_authenticate(demo_server, browser):
    ctx = browser.new_context()
    try:
        for row in demo_server["logins"]:
            pg = ctx.new_page()
            pg.goto(f"{demo_server['url']}/accounts/login/")
            pg.fill("#id_username", row["username"])
            pg.fill("#id_password", row["password"])
            pg.click("button[type=submit]")
            pg.wait_for_url(re.compile(r".*/$"))
            assert pg.locator("h1.page-title").inner_text() == "工作台", row["username"]
            pg.locator("#user-menu").click()
            pg.locator("form[action='/accounts/logout/'] button").click()
            pg.wait_for_url(re.compile(r".*/accounts/login/.*"))
            pg.close()
    finally:
        ctx.close()


def test_language_switch_to_english_and_back(page, login):
    login("toyota.gm")
    page.locator("#lang-switch button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1.page-title").inner_text() == "Workbench"
    page.locator("#lang-switch button").click()
    page.wait_for_load_state()
    assert page.locator("h1.page-title").inner_text() == "工作台"


def test_tablet_width_hides_the_sidebar_behind_a_button(browser, demo_server):
    ctx = browser.new_context(viewport={"width": 800, "height": 1280})
    pg = ctx.new_page()
    try:
        pg.goto(f"{demo_server['url']}/accounts/login/")
        pg.fill("#id_username", "toyota.advisor")
        pg.fill("#id_password", "Fours-demo-2026")
        pg.click("button[type=submit]")
        pg.wait_for_url(f"{demo_server['url']}/")
        assert not pg.locator("#sidebar").is_visible() or pg.locator("#sidebar").bounding_box()["x"] < 0
        pg.locator("button[aria-label='菜单']").click()
        pg.wait_for_timeout(300)
        assert pg.locator("#sidebar").bounding_box()["x"] >= 0
        shot(pg, "home-tablet")
    finally:
        ctx.close()
