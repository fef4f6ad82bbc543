"""A vehicle order in Chinese, as the showroom works it: the consultant quotes a configuration in stock with
an accessory and sends it; the sales manager authorises it; 确认下定 is refused until the cashier has taken
the deposit at the desk, where the order's receivable is found by its number with the customer's name;
then the deposit is confirmed, the FIFO vehicle allocated, and the purchase contract printed."""

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, shot
from .test_service_walk import _db

pytestmark = pytest.mark.browser


def _session(browser, demo_server, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    url = demo_server["url"]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return ctx, page


def _in_stock():
    """(configuration id, colour) of an in-stock vehicle of the Toyota store."""
    with _db() as c:
        row = c.execute(
            "SELECT configuration_id, colour FROM sales_stockvehicle WHERE status = 'in_stock' AND store_id = "
            "(SELECT id FROM core_store WHERE code = 'GZTY') ORDER BY arrived_on, id LIMIT 1"
        ).fetchone()
    assert row
    return row


def test_quote_to_contract(browser, demo_server):
    url = demo_server["url"]
    conf, colour = _in_stock()
    sales_ctx, sales = _session(browser, demo_server, "toyota.sales")
    sales.goto(f"{url}/sales/orders/new/")
    sales.fill("#id_customer_name", "浏览器测试客户")
    sales.fill("#id_mobile", "13698765432")
    sales.select_option("#id_configuration", str(conf))
    sales.fill("#id_colour", colour)
    sales.fill("#id_discount", "1000")
    sales.fill("#id_deposit", "5000")
    sales.get_by_role("button", name="保存").click()
    expect(sales.locator("#order-status")).to_have_text("报价")
    number = sales.locator("h1").inner_text().split()[-1]
    accessory = sales.locator("#accessory-form select option").nth(1)
    sales.select_option("#accessory-form select", accessory.get_attribute("value"))
    sales.locator("#accessory-form button").click()
    expect(sales.locator("#accessory-table tbody tr")).to_have_count(1)
    order_url = sales.url
    sales.get_by_role("button", name="提交审批").click()
    expect(sales.locator("#order-status")).to_have_text("待审批")
    expect(sales.get_by_role("button", name="审批通过")).to_have_count(0)

    mgr_ctx, mgr = _session(browser, demo_server, "toyota.salesmgr")
    mgr.goto(order_url)
    mgr.get_by_role("button", name="审批通过").click()
    expect(mgr.locator("#order-status")).to_have_text("已审批待下定")
    mgr_ctx.close()

    sales.goto(order_url)
    sales.get_by_role("button", name="确认下定").click()
    expect(sales.locator(".alert-danger")).to_contain_text("尚未付清")
    expect(sales.locator("#order-status")).to_have_text("已审批待下定")

    cash_ctx, cash = _session(browser, demo_server, "toyota.cashier")
    cash.goto(f"{url}/finance/desk/?q={number}")
    row = cash.locator("tr", has_text=number).first
    expect(row).to_contain_text("浏览器测试客户")
    row.get_by_role("link", name="收款").click()
    alloc = cash.locator("#pay-items input[name^=alloc_]").first
    alloc.fill("5000.00")
    cash.fill("input[name=amount_wechat]", "5000.00")
    cash.locator("#pay-submit").click()
    cash.wait_for_load_state()
    assert not cash.locator(".alert-danger").count(), cash.locator(".alert-danger").first.inner_text()
    cash_ctx.close()

    sales.goto(order_url)
    expect(sales.locator("#order-paid")).to_have_text("¥5,000.00")
    sales.get_by_role("button", name="确认下定").click()
    expect(sales.locator("#order-status")).to_have_text("已下定")
    expect(sales.locator("#allocate-form")).to_contain_text("推荐（先进先出）")
    sales.locator("#allocate-form button").click()
    expect(sales.locator("#order-status")).to_have_text("已配车")
    shot(sales, "orders-allocated")
    sales.get_by_role("link", name="打印车辆订购单").click()
    expect(sales.locator("#print-title")).to_have_text("车辆订购单")
    expect(sales.locator(".order-print")).to_contain_text(number)
    shot(sales, "orders-contract")
    sales_ctx.close()
