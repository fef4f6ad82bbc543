"""The workshop's paperwork in Chinese in the browser: the foreman sees the tool lent yesterday morning still
out (超期) on the home page and the tools page, lends a tool against an order and takes it back; the advisor
sees the car whose missing part arrived; the service manager follows a comeback (返修) to its first order,
prints the dispatch slip, and downloads the performance and manufacturer reports as Excel."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import PASSWORD, shot

pytestmark = pytest.mark.browser


def _session(browser, demo_server, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    url = demo_server["url"]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return ctx, page


def test_foreman_tools_overdue_lend_and_return(browser, demo_server):
    ctx, page = _session(browser, demo_server, "toyota.foreman")
    expect(page.get_by_text("借出工具").first).to_be_visible()
    expect(page.get_by_text("超期未还 1").first).to_be_visible()
    page.get_by_role("link", name="专用工具").first.click()
    overdue = page.locator("#loans-open tr.table-danger")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("ZT-001")
    expect(overdue).to_contain_text("超期")
    row = page.locator("#tool-register tr", has_text="ZT-005")
    row.locator("select[name=technician]").select_option(index=1)
    row.locator("select[name=ro]").select_option(index=1)
    row.get_by_role("button", name="借出").click()
    expect(page.locator(".alert-success, .toast", has_text="已借出").first).to_be_visible()
    lent = page.locator("#loans-open tr", has_text="ZT-005")
    expect(lent).to_have_count(1)
    shot(page, "workshop-tools")
    lent.locator("input[name=condition]").fill("完好")
    lent.get_by_role("button", name="归还").click()
    expect(page.locator("#loans-open tr", has_text="ZT-005")).to_have_count(0)
    ctx.close()


def test_advisor_sees_the_arrived_part(browser, demo_server):
    ctx, page = _session(browser, demo_server, "toyota.advisor")
    card = page.get_by_text("我的缺件已到货").first
    expect(card).to_be_visible()
    page.goto(f"{demo_server['url']}/service/shortages/?status=arrived&mine=1")
    expect(page.locator("tbody tr.table-success")).to_have_count(1)
    page.goto(f"{demo_server['url']}/service/shortages/")
    expect(page.locator("tbody tr", has_text="已向厂家下紧急订单")).to_have_count(1)
    ctx.close()


def test_comeback_links_to_its_first_order_and_reports_export(browser, demo_server):
    ctx, page = _session(browser, demo_server, "toyota.servicemgr")
    page.goto(f"{demo_server['url']}/service/comebacks/")
    row = page.locator("tbody tr").first
    first_no = row.locator("td").nth(2).inner_text()
    row.locator("td").first.get_by_role("link").click()
    expect(page.get_by_text("本单为返修，原工单")).to_be_visible()
    expect(page.get_by_role("link", name=first_no)).to_be_visible()
    page.get_by_role("link", name=first_no).click()
    page.get_by_role("link", name="质检单据与派工单").click()
    slip = page.locator("#slips a").first
    slip.click()
    expect(page.get_by_role("heading", name="派工单")).to_be_visible()
    page.goto(f"{demo_server['url']}/service/performance/")
    expect(page.locator("#per-technician tbody tr").first).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_role("link", name="导出计件工资与提成").click()
    wb = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    assert wb.sheetnames == ["技师计件", "顾问提成"]
    page.goto(f"{demo_server['url']}/service/maker-reports/?report=monthly")
    page.locator("tbody tr", has_text="结算台次").get_by_role("link").click()
    expect(page.locator("tbody tr").first).to_be_visible()
    page.goto(f"{demo_server['url']}/service/maker-reports/?report=quality")
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出Excel").click()
    ws = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read())).active
    assert ws["A1"].value == "质量信息报告"
    shot(page, "workshop-maker-reports")
    ctx.close()
