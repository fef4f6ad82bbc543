"""The service flow in Chinese, role by role: an appointment with the car's package (parts pre-picked),
reception from it (walk-around marks), estimate signed on screen, an added warranty job approved, dispatch,
clock on/off, parts issued with the old part handed in (the stock card shows the order), QC with one
rework, settlement with two payers, payment, delivery — the board and the dashboard checked on the way."""

import datetime as dt
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import PASSWORD, ROOT, shot

pytestmark = pytest.mark.browser


def _session(browser, demo_server, username, width=1366, height=900):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    url = demo_server["url"]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return ctx, page


def _db():
    import os

    return sqlite3.connect(ROOT / "var" / f"browser-test{os.environ.get('FOURS_BROWSER_TAG', '')}.sqlite3")


def _free_car():
    """(plate, series) of a demo car of the Toyota store with no order and no appointment yet."""
    with _db() as c:
        return c.execute(
            "SELECT v.plate, s.name FROM customers_vehicle v JOIN customers_vehiclemodel m ON m.id = v.model_id "
            "JOIN customers_series s ON s.id = m.series_id WHERE v.plate != '' AND v.created_store_id = "
            "(SELECT id FROM core_store WHERE code = 'GZTY') "
            "AND v.id NOT IN (SELECT vehicle_id FROM service_repairorder) "
            "AND v.id NOT IN (SELECT vehicle_id FROM service_appointment) ORDER BY v.id DESC LIMIT 1"
        ).fetchone()


def _yuan(text):
    return float(text.replace("¥", "").replace(",", "").strip() or 0)


def _no_error(page):
    page.wait_for_load_state()
    if page.locator(".alert-danger").count():
        raise AssertionError(page.locator(".alert-danger").first.inner_text())


def _sign(page, form):
    page.locator(f"{form} canvas.sig").scroll_into_view_if_needed()
    box = page.locator(f"{form} canvas.sig").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 30, steps=5)
    page.mouse.move(box["x"] + 220, box["y"] + 80, steps=5)
    page.mouse.up()


def test_service_flow_in_chinese(browser, demo_server):
    url = demo_server["url"]
    plate, series = _free_car()

    def board_row():
        """The car's row on the workshop board (as the workshop TV shows it)."""
        c, p = _session(browser, demo_server, "toyota.foreman")
        p.goto(f"{url}/service/board/")
        text = p.locator("#board-table tr", has_text=plate).inner_text()
        c.close()
        return text

    # 服务经理: today's output before the car
    ctx, page = _session(browser, demo_server, "toyota.servicemgr")
    page.goto(f"{url}/service/dashboard/")
    output_before = _yuan(page.locator("#kpi-output").inner_text())
    ctx.close()

    # 服务顾问: the customer books by phone — the car found by its plate tail, the package for its series;
    # the package's parts are pre-picked (reserved) for the booking
    ctx, page = _session(browser, demo_server, "toyota.advisor", 1180, 820)
    page.goto(f"{url}/service/appointments/new/")
    page.locator("input[name=vehicle__q]").fill(plate[-5:])
    page.locator("#vehicle-results button").first.click()
    day = dt.date.today() + dt.timedelta(days=2)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_slot", "09:00")
    package = page.locator("#id_package option", has_text=series).first.get_attribute("value")
    page.select_option("#id_package", package)
    page.fill("#id_jobs", "常规保养，刹车有异响")
    page.get_by_role("button", name="保存").click()
    _no_error(page)
    expect(page.locator(".alert-success")).to_contain_text("已预约")
    page.goto(f"{url}/service/appointments/day/?date={day.isoformat()}")
    expect(page.locator("tr", has_text=plate)).to_contain_text("已预留")

    # 服务顾问: the car arrives — reception from the appointment on a tablet-sized screen
    page.goto(f"{url}/service/appointments/day/?date={day.isoformat()}")
    page.locator("tr", has_text=plate).get_by_role("link").first.click()
    page.get_by_role("link", name="到店接车").click()
    expect(page.locator("h1")).to_contain_text("预约")
    expect(page.locator("#vehicle-panel")).to_contain_text("配件已预留")
    page.fill("#odometer_km", "99000")
    box = page.locator("#car").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 4)
    expect(page.locator("#marks-count")).to_contain_text("1")
    page.fill("#complaint", "刹车时有吱吱声，顺便做保养；前保险杠刮擦走保险")
    page.fill("input[name=insurer]", "平安产险")
    shot(page, "service-reception")
    page.locator("#open-ro").click()
    page.wait_for_load_state()
    if page.locator(".alert-danger").count():
        raise AssertionError(page.locator(".alert-danger").inner_text())
    page.wait_for_url(re.compile(r"/service/orders/\d+/$"))
    ro_url = page.url
    expect(page.locator("#ro-status")).to_have_text("接车")
    page.locator("#estimate-form button").click()
    expect(page.locator("#ro-status")).to_have_text("待确认")
    _sign(page, "#confirm-form")
    page.locator("#confirm-form button").click()
    _no_error(page)
    expect(page.locator("#ro-status")).to_have_text("在修")
    expect(page.locator("body")).to_contain_text("估价确认")
    # an added job paid by the insurer (保险): the customer approves it on screen again
    op = page.locator("#labour-add select[name=operation] option", has_text="故障灯检测").first.get_attribute(
        "value"
    )
    page.select_option("#labour-add select[name=operation]", op)
    page.select_option("#labour-add select[name=payer]", "insurance")
    page.locator("#labour-add button").click()
    expect(page.locator("#added-form")).to_be_visible()
    _sign(page, "#added-form")
    page.locator("#added-form button").click()
    _no_error(page)
    expect(page.locator("body")).to_contain_text("追加确认")
    ctx.close()

    # 车间主管: dispatch every line to the technician, a bay each; the board shows the car
    ctx, page = _session(browser, demo_server, "toyota.foreman")
    page.goto(ro_url)
    n = page.locator("form.dispatch-form").count()
    assert n >= 2
    for i in range(n):
        f = page.locator("form.dispatch-form").nth(i)
        f.locator("select[name=technician]").select_option(index=1)  # toyota.tech, first by username
        f.locator("select[name=bay]").select_option(index=i + 1)
        f.get_by_role("button", name="派工").click()
        _no_error(page)
    expect(page.locator("#labour-lines")).not_to_contain_text("待派工")
    page.goto(f"{url}/service/board/")
    expect(page.locator("#board-table")).to_contain_text(plate)
    shot(page, "service-board")
    ctx.close()
    assert "在修" in board_row()

    def tech_works():
        c, p = _session(browser, demo_server, "toyota.tech", 820, 1180)
        p.goto(f"{url}/service/my-jobs/")
        for _ in range(6):
            card = (
                p.locator(".job-card").filter(has_text=plate).filter(has=p.get_by_role("button", name="开工"))
            )
            if not card.count():
                break
            card.first.get_by_role("button", name="开工").click()
            p.wait_for_load_state()
            busy = (
                p.locator(".job-card")
                .filter(has_text=plate)
                .filter(has=p.get_by_role("button", name="完工自检"))
            )
            busy.first.get_by_role("button", name="完工自检").click()
            p.wait_for_load_state()
        shot(p, "service-tech")
        c.close()

    # 库管员: the first part issued on its own, the rest as one pick list, old parts handed in
    ctx, page = _session(browser, demo_server, "toyota.storekeeper")
    page.goto(ro_url)
    # 交旧领新: a part that leaves an old one behind is issued once it is handed in (oil is exempt)
    f = page.locator("form.issue-form").filter(has=page.locator("input[name=old_part]")).first
    f.locator("input[name=old_part]").check()
    f.get_by_role("button", name="发料").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("已发料")
    issue_all = page.locator("#issue-all")
    issue_all.locator("input[name=old_part]").check()
    issue_all.get_by_role("button", name=re.compile("全部发料")).click()
    page.wait_for_load_state()
    expect(page.locator("form.issue-form")).to_have_count(0)
    expect(page.locator("#issue-all")).to_have_count(0)
    expect(page.locator("#part-lines")).to_contain_text("已交旧")
    # the stock card (卡片账) of an issued part shows the order's issue and the running balance
    ro_number = page.locator("h1").inner_text().split()[1]
    with _db() as c:
        part_id = c.execute(
            "SELECT part_id FROM service_partline WHERE ro_id = ? ORDER BY id LIMIT 1",
            (int(ro_url.rstrip("/").rsplit("/", 1)[1]),),
        ).fetchone()[0]
    page.goto(f"{url}/parts/catalog/{part_id}/card/")
    expect(page.locator("tr", has_text=ro_number).first).to_contain_text("维修领料")
    ctx.close()

    # 机修工: clock on and off each job (the self-check is recorded on finishing)
    # the technician may already be busy on a demo car: pause it first
    c, p = _session(browser, demo_server, "toyota.tech", 820, 1180)
    p.goto(f"{url}/service/my-jobs/")
    pause = p.get_by_role("button", name="暂停")
    if pause.count():
        pause.first.click()
        p.wait_for_load_state()
    c.close()
    tech_works()

    # 质检员: one rework, then pass
    ctx, page = _session(browser, demo_server, "toyota.qc")
    page.goto(ro_url)
    expect(page.locator("#ro-status")).to_have_text("待质检")
    page.locator("#qc-form select[name=rework_lines]").select_option(index=0)
    page.fill("#qc-form input[name=reason]", "刹车仍有异响")
    page.get_by_role("button", name="返工").click()
    expect(page.locator("#ro-status")).to_have_text("返工")
    ctx.close()
    assert "返工" in board_row()
    tech_works()
    ctx, page = _session(browser, demo_server, "toyota.qc")
    page.goto(ro_url)
    page.get_by_role("button", name="质检合格").click()
    expect(page.locator("#ro-status")).to_have_text("待结算")
    ctx.close()

    # 结算员: two payers (自费 and 保险); delivery refused before payment; the customer pays at the
    # cashier desk (收银台) in two methods, the insurer's share stays owed by the insurer
    ctx, page = _session(browser, demo_server, "toyota.cashier")
    page.goto(ro_url)
    page.locator("#settle-form a").click()  # the confirmation: payers, amounts and VAT, then post
    expect(page.locator("#settle-summary")).to_contain_text("保险")
    page.locator("#settle-confirm-form button").click()
    expect(page.locator("#ro-status")).to_have_text("已结算")
    table = page.locator("#payer-table").inner_text()
    assert "保险" in table and "自费" in table
    expect(page.locator("#deliver-form")).to_have_count(0)  # unpaid: the reason instead of the form
    expect(page.locator("#deliver-blocked")).to_contain_text("收银台")
    page.locator("#desk-link").click()
    page.wait_for_url(re.compile(r"/finance/desk/"))
    row = page.locator("#desk-queue tbody tr", has_text="维修结算·客户").first
    expect(row).to_contain_text(plate)
    row.get_by_role("link", name="收款").click()
    page.wait_for_url(re.compile(r"/finance/desk/pay/"))
    due = page.locator("#pay-items input[name^=alloc_]").first.input_value()
    half = f"{float(due) / 2:.2f}"
    page.fill("input[name=amount_wechat]", half)
    page.locator("#fill-cash").click()  # the rest in cash
    expect(page.locator("#short")).to_have_text("¥0.00")
    page.locator("#pay-submit").click()
    page.wait_for_url(re.compile(r"/finance/payments/\d+/receipt/"))
    receipt = page.locator("body").inner_text()
    assert "收款收据" in receipt and "微信" in receipt and "现金" in receipt and ro_number in receipt
    shot(page, "finance-receipt")
    page.goto(ro_url)
    expect(page.locator("#ro-money")).not_to_contain_text("待收")
    page.goto(
        f"{url}/service/ro-print-check/".replace("ro-print-check/", "")
        + ro_url.split("/service/")[1]
        + "print/settlement/"
    )
    expect(page.locator("h2")).to_have_text("维修结算单")
    shot(page, "service-settlement")
    ctx.close()

    # 服务顾问: delivery, gate pass, follow-up task; the dashboard counts the output
    ctx, page = _session(browser, demo_server, "toyota.advisor")
    page.goto(ro_url)
    page.locator("#deliver-form button").click()
    expect(page.locator("#ro-status")).to_have_text("已交车")
    expect(page.get_by_role("link", name="出门证")).to_be_visible()
    page.goto(f"{url}/service/dashboard/")
    expect(page.locator("#kpis")).to_contain_text("今日产值")
    assert _yuan(page.locator("#kpi-output").inner_text()) > output_before
    shot(page, "service-dashboard")
    ctx.close()


def test_the_insurer_pays_in_part_the_day_is_closed_and_its_vouchers_balance(browser, demo_server, tmp_path):
    """After the day's desk work: the insurer's transfer collected in part, the cashier's hand-over with a
    ¥10 difference explained, finance confirms and closes the day, the aged receivables show the rest,
    and the day's vouchers exported for 用友 U8 open with openpyxl with debit = credit in each."""
    url = demo_server["url"]
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    # 结算员: 平安产险 pays half of its first open bill by bank transfer
    ctx, page = _session(browser, demo_server, "toyota.cashier")
    page.goto(f"{url}/finance/desk/")
    page.locator("#collect-parties a", has_text="平安产险").click()
    page.wait_for_url(re.compile(r"/finance/desk/pay/\?party="))
    allocs = page.locator("#pay-items input[name^=alloc_]")
    first_open = float(allocs.first.input_value())
    for i in range(1, allocs.count()):
        allocs.nth(i).fill("0")
    part = f"{first_open / 2:.2f}"
    allocs.first.fill(part)
    page.fill("input[name=amount_transfer]", part)
    page.fill("input[name=ref_transfer]", "PAIC-20261203-01")
    page.locator("#pay-submit").click()
    page.wait_for_url(re.compile(r"/finance/payments/\d+/receipt/"))
    expect(page.locator("body")).to_contain_text("平安产险")
    expect(page.locator("body")).to_contain_text("银行转账")

    # the hand-over (交款单): ¥10 short in the drawer, explained
    page.goto(f"{url}/finance/handover/")
    expected = float(page.locator("#expected-cash").get_attribute("data-value"))
    page.fill("input[name=counted_cash]", f"{expected - 10:.2f}")
    page.locator("#handover-form button").click()
    expect(page.locator("[data-field=reason]")).to_be_visible()  # a difference needs its reason
    page.fill("input[name=counted_cash]", f"{expected - 10:.2f}")
    page.fill("[name=reason]", "找零多找10元")
    page.locator("#handover-form button").click()
    expect(page.locator("body")).to_contain_text("找零多找10元")
    expect(page.locator("body")).to_contain_text("-¥10.00")
    shot(page, "finance-handover")
    ctx.close()

    # 财务: confirms the hand-over and closes the day
    ctx, page = _session(browser, demo_server, "toyota.finance")
    page.goto(f"{url}/finance/day-close/?date={today}")
    page.locator("#day-handovers").get_by_role("button", name="确认").click()
    expect(page.locator("#day-handovers")).to_contain_text("已确认")
    page.get_by_role("button", name="确认日结").click()
    expect(page.locator(".alert-success")).to_contain_text("日结")
    shot(page, "finance-day-close")

    # the aged receivables of the insurers: 平安产险 still owes the rest
    page.goto(f"{url}/finance/ageing/?direction=ar&kind=insurer")
    row = page.locator("tr", has_text="平安产险").first
    expect(row).to_be_visible()
    shot(page, "finance-ageing")

    # the day's vouchers for 用友 U8, downloaded and opened again: debit = credit in every voucher
    page.goto(f"{url}/finance/vouchers/export/")
    page.fill("input[name=date_from]", today)
    page.fill("input[name=date_to]", today)
    page.select_option("select[name=format]", "yonyou")
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出并下载").click()
    path = tmp_path / "vouchers.xlsx"
    dl.value.save_as(path)
    ws = load_workbook(path).active
    head = [c.value for c in ws[1]]
    number, debit, credit = head.index("凭证编号"), head.index("借方金额"), head.index("贷方金额")
    sums: dict = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        d, c = sums.get(r[number], (0, 0))
        sums[r[number]] = (d + float(r[debit] or 0), c + float(r[credit] or 0))
    assert len(sums) >= 3
    assert all(round(d - c, 2) == 0 for d, c in sums.values()), sums
    ctx.close()
