"""A counter clerk double-clicks 开单 and the browser resends the form: one sale, and every answer
is the first result (the sale's page, with the note that nothing was posted twice)."""

import os
import re
import sqlite3

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from .conftest import ROOT, shot

pytestmark = pytest.mark.browser

UNKEYED = """() => [...document.forms].filter(f => f.method === "post"
    && !/^[0-9a-f]{32}$/.test((f.querySelector('input[name="_once"]') || {}).value || "")).length"""


def _db():
    db = ROOT / "var" / f"browser-test{os.environ.get('FOURS_BROWSER_TAG', '')}.sqlite3"
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def _sales(customer: str) -> int:
    with _db() as con:
        return con.execute("SELECT count(*) FROM parts_sale WHERE customer_name = ?", [customer]).fetchone()[
            0
        ]


def test_a_double_click_and_a_resubmit_post_one_counter_sale(login, demo_server):
    url = demo_server["url"]
    # an oil filter the Toyota store has free to sell (on hand and not reserved for other slips)
    with _db() as con:
        part_no = con.execute(
            "SELECT p.part_no FROM parts_stockbalance b JOIN parts_part p ON p.id = b.part_id "
            "JOIN core_store s ON s.id = b.store_id WHERE s.code = 'GZTY' AND p.name LIKE '%机油滤清器%' "
            "AND b.on_hand - b.reserved >= 2 ORDER BY b.on_hand - b.reserved DESC, p.id LIMIT 1"
        ).fetchone()[0]

    page = login("toyota.partssales")
    page.goto(f"{url}/parts/sales/counter/")
    assert page.evaluate(UNKEYED) == 0  # every POST form of the page carries its key
    customer = "双击测试客户"
    page.fill("input[name=customer_name]", customer)
    page.locator("input[name=part_no]").first.fill(part_no)
    page.locator("input[name=qty]").first.fill("1")
    page.locator("input[name=qty]").first.blur()  # a changed field gives the form a new key
    sent = page.evaluate(
        "() => new URLSearchParams(new FormData(document.getElementById('sale-form'))).toString()"
    )
    assert re.search(r"_once=[0-9a-f]{32}", sent)

    page.get_by_role("button", name="开单").dblclick()
    try:
        page.wait_for_url(re.compile(r"/parts/sales/\d+/$"))
    except PlaywrightTimeout:  # say what the page answered instead of the sale
        raise AssertionError(page.locator("main").inner_text()[:800]) from None
    expect(page.locator(".alert").first).to_contain_text("已开单")
    sale_url = page.url
    assert _sales(customer) == 1
    assert page.evaluate(UNKEYED) == 0

    # the browser sends the same form again (a resubmit): the answer is the first one
    again = page.request.post(
        f"{url}/parts/sales/counter/",
        data=sent,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert again.status == 302 and again.headers["idempotent-replayed"] == "true"
    assert url + again.headers["location"] == sale_url
    page.goto(sale_url)
    expect(page.locator("main")).to_contain_text("已处理，未重复提交")
    assert _sales(customer) == 1
    shot(page, "double-post-sale")
