"""A planner and a storekeeper walk the parts desk in Chinese, as new users would: purchase order,
receipt with a discrepancy, counter sale, stocktake count, stock card and dashboard."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, shot

pytestmark = pytest.mark.browser


def _session(browser, demo_server, username, width=1366, height=768):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    url = demo_server["url"]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return ctx, page


def test_planner_and_storekeeper_walk_the_parts_desk(browser, demo_server):
    url = demo_server["url"]

    # the planner finds a stocked oil filter and orders six of them
    ctx, page = _session(browser, demo_server, "toyota.planner")
    page.goto(f"{url}/parts/stock/?in_stock=true&q=机油滤清器")
    first = page.locator("table tbody tr td a").first
    part_no = first.inner_text().split()[0]
    card_url = first.get_attribute("href")
    on_hand_before = int(page.locator("table tbody tr").first.locator("td").nth(1).inner_text())

    page.goto(f"{url}/parts/orders/new/")
    page.select_option("select[name=supplier]", index=0)
    page.locator("input[name=part_no]").first.fill(part_no)
    page.locator("input[name=qty]").first.fill("6")
    page.locator("input[name=unit_price]").first.fill("40")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/parts/orders/\d+/$"))
    po_url = page.url
    expect(page.locator("h1")).to_contain_text("PO-")
    shot(page, "parts-po")
    ctx.close()

    # the storekeeper receives five good and one damaged: a discrepancy note follows
    ctx, page = _session(browser, demo_server, "toyota.storekeeper")
    page.goto(po_url)
    page.get_by_role("link", name="验收入库").click()
    row = page.locator("table tbody tr").first
    bin_code = row.locator("td").first.inner_text().strip()
    page.fill("input[name=delivery_note]", "SH-E2E-001")
    line_id = row.locator("input[name^=qty_noted_]").get_attribute("name").rsplit("_", 1)[1]
    page.fill(f"input[name=qty_noted_{line_id}]", "6")
    page.fill(f"input[name=qty_{line_id}]", "5")
    page.fill(f"input[name=qty_damaged_{line_id}]", "1")
    page.get_by_role("button", name="确认入库").click()
    page.wait_for_url(re.compile(r"/parts/receipts/\d+/$"))
    expect(page.locator("body")).to_contain_text("差损单")
    shot(page, "parts-receipt")

    ctx.close()

    # the counter clerk (配件销售员) writes the slip; selling is not the storekeeper's job
    ctx, page = _session(browser, demo_server, "toyota.partssales")
    page.goto(f"{url}/parts/sales/counter/")
    page.fill("input[name=customer_name]", "测试客户")
    page.locator("input[name=part_no]").first.fill(part_no)
    page.locator("input[name=qty]").first.fill("1")
    page.get_by_role("button", name="开单").click()
    page.wait_for_url(re.compile(r"/parts/sales/\d+/$"))
    sale_url = page.url
    expect(page.locator("body")).to_contain_text("待付款")
    expect(page.get_by_role("button", name="确认出库")).to_have_count(0)  # not before it is paid
    sale_no = page.locator("h1").inner_text().split()[-1]
    ctx.close()

    # the customer pays by WeChat at the cashier desk (收银台)
    ctx, page = _session(browser, demo_server, "toyota.cashier")
    page.goto(f"{url}/finance/desk/?q={sale_no}")
    page.locator("#desk-queue tbody tr", has_text=sale_no).get_by_role("link", name="收款").click()
    page.wait_for_url(re.compile(r"/finance/desk/pay/"))
    due = page.locator("#pay-items input[name^=alloc_]").first.input_value()
    page.fill("input[name=amount_wechat]", due)
    page.locator("#pay-submit").click()
    page.wait_for_url(re.compile(r"/finance/payments/\d+/receipt/"))
    expect(page.locator("body")).to_contain_text(sale_no)
    expect(page.locator("body")).to_contain_text("微信")
    shot(page, "parts-slip-receipt")
    ctx.close()

    # the storekeeper issues the paid slip
    ctx, page = _session(browser, demo_server, "toyota.storekeeper")
    page.goto(sale_url)
    page.get_by_role("button", name="确认出库").click()
    expect(page.locator("body")).to_contain_text("已出库")

    # the stock card shows both moves and the running balance: before + 5 - 1
    page.goto(f"{url}{card_url}" if card_url.startswith("/") else card_url)
    body = page.locator("body")
    expect(body).to_contain_text(sale_no)
    expect(body).to_contain_text(str(on_hand_before + 4))
    shot(page, "parts-stock-card")

    # stocktake of the part's bin, counted on the phone page
    page.goto(f"{url}/parts/stocktakes/new/")
    page.select_option("select[name=scope]", "bins")
    page.fill("input[name=scope_value]", bin_code if bin_code != "—" else "")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/parts/stocktakes/\d+/$"))
    page.get_by_role("link", name="手机录入").click()
    card = page.locator(".card", has_text=part_no).first
    card.locator("input[name^=c_]").fill(str(on_hand_before + 4))
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("已保存盘点数量")
    expect(page.locator(".card", has_text=part_no).first.locator("input[name^=c_]")).to_have_value(
        str(on_hand_before + 4)
    )
    shot(page, "parts-count-entry")
    ctx.close()

    # the parts manager's dashboard shows the figures
    ctx, page = _session(browser, demo_server, "toyota.partsmgr")
    page.goto(f"{url}/parts/dashboard/")
    expect(page.locator("body")).to_contain_text("库存金额")
    expect(page.locator("body")).to_contain_text("满足率")
    shot(page, "parts-dashboard")
    ctx.close()
