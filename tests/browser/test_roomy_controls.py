"""Controls keep their words whole at 1366×768 and at tablet width (820): a button's label stays on
one line (派工 never becomes 派/工, 暂停 never 暂/停), a row's dropdown shows its whole choice
("08 四轮定位", not "08 四轮定"), and the vehicle list keeps plates, names and dates on one line."""

import pytest

from .conftest import shot

pytestmark = pytest.mark.browser

# the elements whose text runs over more than one line (distinct line tops of their text)
ONE_LINE = """els => els.filter(e => e.offsetParent !== null).filter(e => {
  const r = document.createRange(); r.selectNodeContents(e);
  return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size > 1;
}).map(e => e.innerText.trim())"""

CUT_SELECTS = """els => els.filter(e => e.offsetParent !== null).map(e => {
  const c = document.createElement('canvas').getContext('2d');
  c.font = getComputedStyle(e).font;
  const text = e.options[e.selectedIndex] ? e.options[e.selectedIndex].text : '';
  const room = e.clientWidth - parseFloat(getComputedStyle(e).paddingLeft) - parseFloat(getComputedStyle(e).paddingRight);
  return {text, need: c.measureText(text).width, room};
}).filter(r => r.need > r.room + 1)"""


@pytest.mark.parametrize("width,height", [(1366, 768), (820, 1180)])
def test_dispatch_and_my_jobs_keep_buttons_and_dropdowns_whole(browser, demo_server, width, height):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    try:
        for username, path in (
            ("toyota.foreman", "/service/dispatch/"),
            ("toyota.tech", "/service/my-jobs/"),
        ):
            page.goto(f"{demo_server['url']}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "Fours-demo-2026")
            page.click("button[type=submit]")
            page.wait_for_url(f"{demo_server['url']}/")
            page.goto(demo_server["url"] + path)
            assert page.locator("main .btn, .btn").count() > 0
            broken = page.eval_on_selector_all(".btn", ONE_LINE)
            assert not broken, (username, width, broken)
            cut = page.eval_on_selector_all("td form select", CUT_SELECTS)
            assert not cut, (username, width, cut)
            shot(page, f"{path.strip('/').replace('/', '-')}-{width}")
            page.context.clear_cookies()
    finally:
        ctx.close()


def test_tablet_vehicle_list_keeps_plates_names_and_dates_on_one_line(browser, demo_server):
    ctx = browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(f"{demo_server['url']}/accounts/login/")
        page.fill("#id_username", "toyota.advisor")
        page.fill("#id_password", "Fours-demo-2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{demo_server['url']}/")
        page.goto(demo_server["url"] + "/customers/vehicles/")
        wrapped = page.eval_on_selector_all("table tbody td > a, table tbody td.text-nowrap", ONE_LINE)
        assert not wrapped, wrapped[:10]
        shot(page, "vehicles-820")
    finally:
        ctx.close()
