"""The service flow in Chinese, role by role: an appointment with the car's package (parts pre-picked),
reception from it (walk-around marks), estimate signed on screen, an added warranty job approved, dispatch,
clock on/off, parts issued with the old part handed in (the stock card shows the order), QC with one
rework, settlement with two payers, payment, delivery — the board and the dashboard checked on the way."""

import datetime as dt
import re
import sqlite3

import pytest
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
    page.fill("#complaint", "刹车时有吱吱声，顺便做保养")
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
    # an added job paid by the manufacturer (索赔): the customer approves it on screen again
    op = page.locator("#labour-add select[name=operation] option", has_text="故障灯检测").first.get_attribute(
        "value"
    )
    page.select_option("#labour-add select[name=operation]", op)
    page.select_option("#labour-add select[name=payer]", "warranty")
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

    # 结算员: two payers (自费 and 索赔), paid in two parts; delivery refused before payment
    ctx, page = _session(browser, demo_server, "toyota.cashier")
    page.goto(ro_url)
    page.locator("#settle-form a").click()  # the confirmation: payers, amounts and VAT, then post
    expect(page.locator("#settle-summary")).to_contain_text("索赔")
    page.locator("#settle-confirm-form button").click()
    expect(page.locator("#ro-status")).to_have_text("已结算")
    table = page.locator("#payer-table").inner_text()
    assert "索赔" in table and "自费" in table
    expect(page.locator("#deliver-form")).to_have_count(0)  # unpaid: the reason instead of the form
    expect(page.locator("#deliver-blocked")).to_contain_text("收清")
    due = page.locator("#pay-form input[name=amount]").input_value()
    half = f"{float(due) / 2:.2f}"
    page.fill("#pay-form input[name=amount]", half)
    page.select_option("#pay-form select[name=method]", "wechat")
    page.locator("#pay-form button").click()
    page.fill("#pay-form input[name=amount]", str(round(float(due) - float(half), 2)))
    page.select_option("#pay-form select[name=method]", "cash")
    page.locator("#pay-form button").click()
    expect(page.locator("body")).to_contain_text("已收款")
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
