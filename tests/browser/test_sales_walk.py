"""The showroom to the handover, in Chinese, role by role: a walk-in logged at the door on a tablet becomes a
lead, a test drive is booked and driven with the signed agreement, the consultant quotes with a discount above
their limit and an accessory, the sales manager approves and authorises it, the deposit is paid at the
cashier desk, the order is confirmed and given the oldest matching VIN (FIFO), the F&I specialist files the
loan with its 五大件, the bank approves and its money is taken at the desk, the policy is recorded, the
accessory is fitted by an internal repair order whose parts the storekeeper issues, the balance is paid and
the car is delivered. Then the vehicle is in the archive with its owner and warranty, customer care has its
calls, and the order's gross profit equals a hand computation."""

import datetime as dt
import os
import re
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, ROOT, shot

pytestmark = pytest.mark.browser

SH = ZoneInfo("Asia/Shanghai")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63600000020001"
    "54a24f5d0000000049454e44ae426082"
)
FEN = Decimal("0.01")


def _db():
    return sqlite3.connect(ROOT / "var" / f"browser-test{os.environ.get('FOURS_BROWSER_TAG', '')}.sqlite3")


def _session(browser, url, username, width=1366):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return ctx, page


def _ok(page):
    page.wait_for_load_state()
    errors = page.locator(".alert-danger, .invalid-feedback.d-block")
    if errors.count():
        raise AssertionError(errors.first.inner_text())


def _sign(page, form):
    canvas = page.locator(f"{form} canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 30, steps=5)
    page.mouse.move(box["x"] + 220, box["y"] + 80, steps=5)
    page.mouse.up()


def _pay_at_desk(browser, url, number, source_label, amount=None, method="card", ref=""):
    """The cashier finds the order at the desk and takes money on its item of that kind (all that is open
    when ``amount`` is None)."""
    ctx, page = _session(browser, url, "toyota.cashier")
    page.goto(f"{url}/finance/desk/?q={number}")
    page.locator("#desk-queue tbody tr", has_text=source_label).get_by_role("link", name="收款").click()
    page.wait_for_url(re.compile(r"/finance/desk/pay/"))
    alloc = page.locator("#pay-items input[name^=alloc_]").first
    if amount is not None:
        alloc.fill(amount)
    page.fill(f"input[name=amount_{method}]", alloc.input_value())
    if ref:
        page.fill(f"input[name=ref_{method}]", ref)
    page.locator("#pay-submit").click()
    page.wait_for_url(re.compile(r"/finance/payments/\d+/receipt/"))
    expect(page.locator("body")).to_contain_text(number)
    ctx.close()


def _net(amount, rate) -> Decimal:
    return (Decimal(str(amount)) / (1 + rate)).quantize(FEN, rounding=ROUND_HALF_UP)


def test_showroom_to_delivery_in_chinese(browser, demo_server):
    url = demo_server["url"]
    with _db() as c:
        store_id, vat = c.execute("SELECT id, vat_rate FROM core_store WHERE code = 'GZTY'").fetchone()
        # the configuration and colour with the most vehicles in stock, so the order has a FIFO choice
        conf_id, colour, model_id = c.execute(
            "SELECT v.configuration_id, v.colour, cf.model_id FROM sales_stockvehicle v "
            "JOIN customers_configuration cf ON cf.id = v.configuration_id "
            "WHERE v.store_id = ? AND v.status = 'in_stock' GROUP BY v.configuration_id, v.colour "
            "ORDER BY count(*) DESC, v.configuration_id LIMIT 1",
            (store_id,),
        ).fetchone()
        oldest_vin = c.execute(
            "SELECT vin FROM sales_stockvehicle WHERE store_id = ? AND status = 'in_stock' "
            "AND configuration_id = ? AND colour = ? ORDER BY arrived_on, id LIMIT 1",
            (store_id, conf_id, colour),
        ).fetchone()[0]
        msrp = Decimal(
            str(c.execute("SELECT msrp FROM customers_configuration WHERE id = ?", (conf_id,)).fetchone()[0])
        )
    vat = Decimal(str(vat))
    name, mobile = "卢嘉欣", "13922870416"

    # 销售顾问 at the showroom door, on a tablet: the walk-in is logged and becomes a lead
    ctx, page = _session(browser, url, "toyota.sales", width=1024)
    page.goto(f"{url}/sales/visits/door/")
    page.check("#kind-walk_in", force=True)
    page.fill("input[name=name]", name)
    page.fill("input[name=mobile]", mobile)
    page.select_option("select[name=intended_model]", str(model_id))
    page.get_by_role("button", name="登记").click()
    _ok(page)
    row = page.locator("#today-visits tr", has_text=name)
    expect(row).to_have_count(1)
    shot(page, "sales-door-tablet")
    row.get_by_role("link").click()
    _ok(page)
    lead_url = page.url
    expect(page.locator("body")).to_contain_text(mobile[-4:])

    # a test drive booked on the calendar, the agreement signed, driven and fed back
    page.get_by_role("link", name="预约试驾").click()
    _ok(page)
    # a demo car and an hour it is free (the demo books the cars around today)
    with _db() as c:
        cars = [
            r[0]
            for r in c.execute(
                "SELECT id FROM sales_stockvehicle WHERE status = 'demo' AND store_id = ? AND id NOT IN "
                "(SELECT vehicle_id FROM sales_testdrive WHERE status = 'driving') ORDER BY id",  # not out now
                (store_id,),
            )
        ]
        booked = c.execute(
            "SELECT vehicle_id, starts_at, ends_at FROM sales_testdrive WHERE status != 'cancelled'"
        ).fetchall()

    def _utc(text):
        return dt.datetime.fromisoformat(str(text)[:19]).replace(tzinfo=dt.UTC)

    first = (dt.datetime.now(SH) + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    first = first.replace(hour=min(max(first.hour, 9), 21))
    demo_car, start = next(
        (car, at)
        for at in (first + dt.timedelta(hours=h) for h in range(0, 72))
        for car in cars
        if 9 <= at.hour <= 21
        and not any(
            v == car and _utc(s) < at + dt.timedelta(minutes=40) and _utc(e) > at for v, s, e in booked
        )
    )
    page.select_option("select[name=vehicle]", str(demo_car))
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (start + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=driver_name]", name)
    page.fill("input[name=licence_no]", "440106199204160521")
    page.fill("input[name=licence_expiry]", "2031-04-16")
    page.get_by_role("button", name="预约").click()
    _ok(page)
    expect(page.locator("h1")).to_contain_text("试乘试驾单")
    drive_id = int(re.search(r"/drives/(\d+)/", page.url).group(1))
    with _db() as c:
        km = c.execute(
            "SELECT coalesce(max(odometer_in), 0) FROM sales_testdrive WHERE vehicle_id = ?", (demo_car,)
        ).fetchone()[0]
    _sign(page, "form[action$='/start/']")
    page.fill("input[name=odometer_out]", str(km + 2))
    page.get_by_role("button", name="出发").click()
    _ok(page)
    page.fill("input[name=odometer_in]", str(km + 14))
    rating = page.locator("[name=rating]")
    if rating.evaluate("e => e.tagName") == "SELECT":
        rating.select_option("5")
    else:
        rating.fill("5")
    page.fill("[name=feedback]", "动力平顺，想订白色")
    page.get_by_role("button", name="完成").click()
    _ok(page)
    with _db() as c:
        status, signed = c.execute(
            "SELECT status, agreement_signed_at FROM sales_testdrive WHERE id = ?", (drive_id,)
        ).fetchone()
    assert status == "done" and signed

    # the quote: 5% off (the consultant may give 2%), a reason, an accessory, a deposit; sent for approval
    page.goto(lead_url)
    page.get_by_role("link", name="报价").click()
    _ok(page)
    discount = (msrp * Decimal("0.05")).quantize(Decimal("1"))
    page.select_option("select[name=configuration]", str(conf_id))
    page.fill("input[name=colour]", colour)
    page.select_option("select[name=pay_plan]", "loan")
    page.fill("input[name=discount]", str(discount))
    page.fill("input[name=discount_reason]", "客户对比竞品，经理同意让利")
    page.fill("input[name=registration_fee]", "800")
    page.fill("input[name=deposit]", "5000")
    page.get_by_role("button", name="保存").click()
    _ok(page)
    order_url = page.url
    order_id = int(re.search(r"/orders/(\d+)/", order_url).group(1))
    number = page.locator("h1").inner_text().split()[1]
    expect(page.locator("body")).to_contain_text("顾问权限 2%")
    page.select_option("form[action$='/accessory_add/'] select[name=part]", index=1)
    page.get_by_role("button", name="添加精品").click()
    _ok(page)
    page.get_by_role("button", name="提交审批").click()
    _ok(page)
    expect(page.get_by_role("button", name="审批通过")).to_have_count(0)  # not the consultant's to approve
    ctx.close()

    # 销售经理 approves the discount and authorises the order: its receivable is in finance
    ctx, page = _session(browser, url, "toyota.salesmgr")
    page.goto(order_url)
    page.get_by_role("button", name="审批通过").click()
    _ok(page)
    shot(page, "sales-order-authorised")
    ctx.close()

    # 确认下定 is refused until the cashier has the deposit
    ctx, page = _session(browser, url, "toyota.sales")
    page.goto(order_url)
    page.get_by_role("button", name="确认下定").click()
    expect(page.locator(".alert-danger")).to_contain_text("尚未付清")
    expect(page.locator("#order-status")).to_have_text("已审批待下定")
    ctx.close()

    # 结算员: the deposit at the cashier desk, by card
    _pay_at_desk(browser, url, number, "整车销售", amount="5000", method="card")

    # the consultant confirms the order (已下定) and takes the suggested, oldest matching VIN
    ctx, page = _session(browser, url, "toyota.sales")
    page.goto(order_url)
    page.get_by_role("button", name="确认下定").click()
    _ok(page)
    suggested = page.locator("form[action$='/allocate/'] tr", has_text="推荐")
    expect(suggested).to_contain_text(oldest_vin)
    page.get_by_role("button", name="配车").click()
    _ok(page)
    expect(page.locator("#order-status")).to_have_text("已配车")
    expect(page.locator("body")).to_contain_text(oldest_vin)
    # the purchase contract prints with the order's number and its VIN
    page.get_by_role("link", name="打印车辆订购单").click()
    expect(page.locator("#print-title")).to_have_text("车辆订购单")
    expect(page.locator(".order-print")).to_contain_text(number)
    expect(page.locator(".order-print")).to_contain_text(oldest_vin)
    shot(page, "sales-contract-print")
    ctx.close()

    # 金融保险专员: the loan file with its five papers, sent to the bank, approved
    ctx, page = _session(browser, url, "toyota.fi")
    page.goto(f"{url}/sales/fi/loans/new/?order={order_id}")
    page.select_option("select[name=order]", str(order_id))
    page.select_option("select[name=product]", index=1)
    page.fill("input[name=amount]", "80000")
    page.fill("input[name=term_months]", "36")
    page.get_by_role("button", name="保存").click()
    _ok(page)
    loan_url = page.url
    page.get_by_role("button", name="提交银行").click()  # refused: the 五大件 are not in yet
    expect(page.locator(".alert-danger")).to_be_visible()
    for kind in ("id_card", "household", "marriage", "income", "bank_statement"):
        form = "form[action$='/documents/']"
        page.select_option(f"{form} select[name=kind]", kind)
        page.set_input_files(
            f"{form} input[name=file]",
            files=[{"name": f"{kind}.png", "mimeType": "image/png", "buffer": PNG}],
        )
        page.check(f"{form} input[name=checked]")
        page.get_by_role("button", name="上传").click()
        _ok(page)
    page.get_by_role("button", name="提交银行").click()
    _ok(page)
    page.fill("form[action$='/approved/'] [name=approved_amount]", "80000")
    page.get_by_role("button", name="银行批复").click()
    _ok(page)
    shot(page, "sales-loan-approved")

    # the bank's money is taken at the desk (the bank's 按揭放款 item), then the loan is disbursed
    _pay_at_desk(browser, url, number, "按揭放款", method="transfer", ref="工行放款回单")
    page.goto(loan_url)
    page.get_by_role("button", name="确认放款").click()
    _ok(page)

    # the new-car policy
    page.goto(f"{url}/sales/fi/policies/new/?order={order_id}")
    page.select_option("select[name=order]", str(order_id))
    page.select_option("select[name=product]", index=1)
    page.fill("input[name=policy_no]", "PDAA202644010600123")
    for cover in ("compulsory", "damage", "third_party"):
        page.check(f"input[name=covers][value={cover}]")
    for field, value in (("damage_amount", "150000"), ("third_party_amount", "2000000")):
        if page.locator(f"input[name={field}]").count():
            page.fill(f"input[name={field}]", value)
    page.fill("input[name=premium]", "6800")
    today = dt.datetime.now(SH).date()
    page.fill("input[name=starts_on]", today.isoformat())
    page.fill("input[name=expires_on]", today.replace(year=today.year + 1).isoformat())
    page.get_by_role("button", name="保存").click()
    _ok(page)
    ctx.close()

    # the accessory is fitted by an internal repair order; the storekeeper issues its parts
    ctx, page = _session(browser, url, "toyota.sales")
    page.goto(order_url)
    page.get_by_role("button", name="开精品加装工单").click()
    _ok(page)
    ro_url = url + page.locator("a[href*='/service/orders/']").first.get_attribute("href")
    ctx.close()
    ctx, page = _session(browser, url, "toyota.storekeeper")
    page.goto(ro_url)
    page.locator("form[action$='/issue-all/'] button").click()
    _ok(page)
    ctx.close()

    # the vehicle's PDI, if the stock clerk had not done it yet
    with _db() as c:
        vehicle_id, pdi = c.execute(
            "SELECT v.id, v.pdi_passed_at FROM sales_vehicleorder o JOIN sales_stockvehicle v ON v.id = o.vehicle_id "
            "WHERE o.id = ?",
            (order_id,),
        ).fetchone()
    if pdi is None:
        ctx, page = _session(browser, url, "toyota.vstock")
        page.goto(f"{url}/sales/stock/{vehicle_id}/")
        for box in page.locator("form[action$='/pdi/'] input[type=checkbox]").all():
            box.check()
        page.get_by_role("button", name="提交PDI结果").click()
        _ok(page)
        ctx.close()

    # the customer pays the balance; the consultant may not deliver before that
    ctx, page = _session(browser, url, "toyota.sales")
    page.goto(order_url)
    page.get_by_role("button", name="确认待交车").click()
    expect(page.locator(".alert-danger")).to_contain_text("车款未结清")
    ctx.close()
    _pay_at_desk(browser, url, number, "整车销售", method="transfer", ref="客户转账尾款")
    ctx, page = _session(browser, url, "toyota.sales")
    page.goto(order_url)
    page.get_by_role("button", name="确认待交车").click()
    _ok(page)
    page.reload()
    for box in page.locator("form[action$='/deliver/'] input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="确认交车").click()
    _ok(page)
    expect(page.locator("main, body").first).to_contain_text("已交车")
    shot(page, "sales-order-delivered")
    ctx.close()

    # the archive: the vehicle with its owner, warranty from the brand's policy and first service
    with _db() as c:
        row = c.execute(
            "SELECT av.vin, av.owner_id, o.customer_id, av.warranty_start, av.warranty_end, av.next_maintenance_date, "
            "o.gross_profit, o.list_price, o.discount, o.registration_fee, o.other_fees, o.gift_value, v.purchase_net, "
            "o.accessories_amount, o.fitting_order_id, av.insurer, av.policy_expiry "
            "FROM sales_vehicleorder o JOIN sales_stockvehicle v ON v.id = o.vehicle_id "
            "JOIN customers_vehicle av ON av.id = o.archive_vehicle_id WHERE o.id = ?",
            (order_id,),
        ).fetchone()
        (
            vin,
            owner,
            customer,
            w_start,
            w_end,
            first_service,
            gp,
            price,
            disc,
            reg,
            other,
            gifts,
            cost,
            acc,
            ro_id,
            insurer,
            policy_expiry,
        ) = row
        months, first_months = c.execute(
            "SELECT b.warranty_months, b.first_service_months FROM customers_configuration cf "
            "JOIN customers_vehiclemodel m ON m.id = cf.model_id JOIN customers_series s ON s.id = m.series_id "
            "JOIN customers_brand b ON b.id = s.brand_id WHERE cf.id = ?",
            (conf_id,),
        ).fetchone()
        acc_cost = c.execute(
            "SELECT coalesce(sum(cost), 0) FROM service_partline WHERE ro_id = ?", (ro_id,)
        ).fetchone()[0]
        commissions = c.execute(
            "SELECT coalesce(sum(i.net_amount), 0) FROM finance_openitem i JOIN django_content_type ct ON ct.id = i.doc_type_id "
            "WHERE i.source = 'commission' AND i.amount > 0 AND i.status != 'reversed' AND ("
            "(ct.model = 'loanapplication' AND i.doc_id IN (SELECT id FROM sales_loanapplication WHERE order_id = ?)) OR "
            "(ct.model = 'policy' AND i.doc_id IN (SELECT id FROM sales_policy WHERE order_id = ?)))",
            (order_id, order_id),
        ).fetchone()[0]
        tasks = c.execute(
            "SELECT kind, due_date FROM customers_caretask WHERE doc_number = ? ORDER BY due_date", (number,)
        ).fetchall()
    assert vin == oldest_vin and owner == customer
    delivered = dt.date.fromisoformat(w_start)
    assert delivered == today
    assert dt.date.fromisoformat(w_end).year * 12 + dt.date.fromisoformat(w_end).month == (
        delivered.year * 12 + delivered.month + months
    )
    assert dt.date.fromisoformat(first_service).year * 12 + dt.date.fromisoformat(first_service).month == (
        delivered.year * 12 + delivered.month + first_months
    )
    assert insurer and policy_expiry == today.replace(year=today.year + 1).isoformat()

    # 单车毛利 by hand: net vehicle margin + net accessories − their cost + commissions + net fees − gifts
    hand = (
        _net(Decimal(str(price)) - Decimal(str(disc)), vat)
        - Decimal(str(cost))
        + _net(acc, vat)
        - Decimal(str(acc_cost)).quantize(FEN)
        + Decimal(str(commissions))
        + _net(Decimal(str(reg)) + Decimal(str(other)), vat)
        - Decimal(str(gifts))
    )
    assert Decimal(str(gp)).quantize(FEN) == hand.quantize(FEN)
    assert Decimal(str(commissions)) > 0

    # customer care has its calls after the delivery (day 1, 3 and 7), in the specialist's task list
    assert [k for k, _ in tasks] == ["vehicle_delivery"] * 3
    assert [dt.date.fromisoformat(d) - today for _, d in tasks] == [dt.timedelta(days=n) for n in (1, 3, 7)]
    ctx, page = _session(browser, url, "toyota.crm")
    page.goto(f"{url}/crm/tasks/?q={name}")
    expect(page.locator("table tbody tr", has_text=name)).to_have_count(3)
    shot(page, "sales-care-tasks")
    ctx.close()
