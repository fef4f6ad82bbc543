"""Customer care in Chinese, as a new care specialist would work: the day's queue, a not-reached call retried
and reached, a 不满意 answer that becomes a complaint, judged and proposed, the service manager's 批示, the
customer's signature, the second call that closes it; then a customer on a phone-sized screen confirms an
added job through the SMS link and the advisor's repair order shows the confirmation."""

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, ROOT, shot
from .test_service_walk import _db

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


def _no_error(page):
    page.wait_for_load_state()
    if page.locator(".alert-danger").count():
        raise AssertionError(page.locator(".alert-danger").first.inner_text())


def _queue_task(where: str):
    """An open task of the Toyota store in the crm user's queue matching ``where``."""
    with _db() as c:
        row = c.execute(
            "SELECT t.id FROM customers_caretask t JOIN customers_customer cu ON cu.id = t.customer_id "
            "WHERE t.store_id = (SELECT id FROM core_store WHERE code = 'GZTY') AND t.status = 'open' "
            "AND cu.consent_call AND t.due_date <= date('now', '+1 day') "
            "AND (t.next_try_at IS NULL OR t.next_try_at <= datetime('now')) AND "
            + where
            + " ORDER BY t.id LIMIT 1"
        ).fetchone()
    assert row, where
    return row[0]


def _draw(page, canvas):
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 70, steps=8)
    page.mouse.move(box["x"] + 200, box["y"] + 40, steps=8)
    page.mouse.up()


def test_care_specialist_day(browser, demo_server):
    url = demo_server["url"]
    ctx, page = _session(browser, demo_server, "toyota.crm")
    page.get_by_role("link", name="回访工作台").first.click()
    expect(page.locator("h1")).to_have_text("回访工作台")
    expect(page.locator("#queue tbody tr").first).to_be_visible()
    shot(page, "crm-queue")

    # a not-reached call: the task waits for its retry
    first = _queue_task("t.attempts = 0 AND t.kind NOT IN ('vehicle_delivery', 'service_delivery')")
    page.locator(f"tr[data-task='{first}'] a").click()
    page.get_by_label("未接通").check()
    page.locator("#call-save").click()
    _no_error(page)
    expect(page.locator("#waiting")).to_contain_text("已拨 1")

    # a task not reached before, whose retry time has come, is reached now
    retry = _queue_task("t.attempts >= 1")
    page.goto(f"{url}/crm/")
    page.locator(f"tr[data-task='{retry}'] a").click()
    page.get_by_label("已接通").check()
    page.get_by_label("满意", exact=True).check()
    page.locator("#call-save").click()
    _no_error(page)

    # 不满意 becomes a complaint
    bad = _queue_task(
        f"t.kind IN ('vehicle_delivery', 'service_delivery') AND t.id NOT IN ({first}, {retry})"
    )
    page.goto(f"{url}/crm/tasks/{bad}/")
    page.get_by_label("已接通").check()
    page.get_by_label("不满意").check()
    expect(page.locator(".branch[data-branch='bad']")).to_be_visible()
    page.fill("#c-problem", "交车时车内有油污")
    page.select_option("#c-dept", "service")
    page.locator("#call-save").click()
    _no_error(page)
    expect(page.locator("#complaint-status")).to_have_text("已登记")
    complaint_url = page.url
    page.fill("#j-note", "属实")
    page.get_by_role("button", name="有效，开始调查").click()
    _no_error(page)
    page.fill("#p-cause", "洗车工漏擦内饰")
    page.select_option("#p-cat", "quality")
    page.fill("#p-comp", "100")
    page.fill("#p-sol", "上门致歉，免费内饰清洗一次")
    page.get_by_role("button", name="提交批示").click()
    _no_error(page)
    expect(page.locator("#complaint-status")).to_have_text("方案待批示")
    expect(page.locator("#approve-btn")).to_have_count(0)  # the specialist does not approve
    ctx.close()

    # the service manager approves the solution
    mctx, mpage = _session(browser, demo_server, "toyota.servicemgr")
    mpage.goto(complaint_url)
    mpage.fill("#a-note", "同意")
    mpage.locator("#approve-btn").click()
    _no_error(mpage)
    expect(mpage.locator("#complaint-status")).to_have_text("方案已批示")
    mpage.get_by_role("button", name="方案已实施").click()
    _no_error(mpage)
    mctx.close()

    # the customer signs, the second call closes the complaint
    ctx, page = _session(browser, demo_server, "toyota.crm")
    page.goto(complaint_url)
    page.select_option("#cf-method", "signature")
    _draw(page, page.locator("canvas.sig"))
    page.locator("#confirm-btn").click()
    _no_error(page)
    expect(page.locator("#complaint-status")).to_have_text("客户已确认")
    page.locator("#follow-ups a").first.click()
    expect(page.locator("h1")).to_contain_text("回访")
    page.get_by_label("已接通").check()
    page.get_by_label("满意", exact=True).check()
    page.locator("#call-save").click()
    _no_error(page)
    page.goto(complaint_url)
    expect(page.locator("#complaint-status")).to_have_text("已结案")
    shot(page, "crm-complaint-closed")
    ctx.close()


def _added_job_link() -> tuple[str, str]:
    """(RO number, token): an in-progress Toyota order gets an added job and its phone link."""
    code = (
        "from fours.service.models import RepairOrder, LabourOperation\n"
        "from fours.service import services as s\n"
        "from fours.crm.services import link_make\n"
        "ro = RepairOrder.objects.filter(store__code='GZTY', status='in_progress').order_by('id').first()\n"
        "op = LabourOperation.objects.filter(group=ro.store.group).order_by('id').first()\n"
        "s.ro_labour_add(actor=ro.advisor, ro=ro, operation=op)\n"
        "print(ro.number, link_make(actor=ro.advisor, store=ro.store, purpose='added', customer=ro.customer, doc=ro))\n"
    )
    db = ROOT / "var" / f"browser-test{os.environ.get('FOURS_BROWSER_TAG', '')}.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": f"sqlite:///{db}",
        "FOURS_DEBUG": "1",
    }
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[-2], out[-1]


def test_customer_confirms_an_added_job_on_the_phone(browser, demo_server):
    url = demo_server["url"]
    number, token = _added_job_link()
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(f"{url}/crm/m/{token}/")
    expect(page.locator("h1")).to_have_text("确认追加项目")
    expect(page.locator("#phone-lines li").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    _draw(page, page.locator("#sig"))
    shot(page, "crm-phone-confirm")
    page.locator("#phone-approve").click()
    expect(page.locator("#link-done")).to_contain_text("已确认")
    # the link works once; a tampered link is refused
    page.goto(f"{url}/crm/m/{token}/")
    expect(page.locator("#link-refused")).to_contain_text("已使用")
    page.goto(f"{url}/crm/m/{token[:-3]}xyz/")
    expect(page.locator("#link-refused")).to_contain_text("链接无效")
    phone.close()

    ctx, adv = _session(browser, demo_server, "toyota.advisor")
    with _db() as c:
        ro_id = c.execute("SELECT id FROM service_repairorder WHERE number = ?", (number,)).fetchone()[0]
    adv.goto(f"{url}/service/orders/{ro_id}/")
    expect(adv.get_by_text("追加确认").first).to_be_visible()
    ctx.close()
