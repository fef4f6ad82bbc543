"""Warranty in Chinese in the browser, as a new warranty clerk (索赔员) would: the home page says what waits,
the clerk signs a warranty line off on the desk, makes the claim of an order, submits it, registers the
manufacturer's rejection, corrects and resubmits it, registers the approval; finance records the
manufacturer's payment; the clerk packs the kept old part and ships it back with its packing list; finance
collects an accident job's receivable from the insurer."""

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, shot

pytestmark = pytest.mark.browser


def _session(browser, demo_server, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    url = demo_server["url"]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return ctx, page


def _ok(page, text):
    expect(page.locator(".alert-success, .toast", has_text=text).first).to_be_visible()


def test_the_warranty_clerk_takes_a_claim_to_payment_and_ships_the_old_part(browser, demo_server):
    ctx, page = _session(browser, demo_server, "toyota.warranty")
    expect(page.get_by_text("待签字索赔项目").first).to_be_visible()
    expect(page.get_by_text("拒赔待重报").first).to_be_visible()
    page.get_by_role("link", name="索赔工作台").first.click()
    # sign the warranty job waiting on a car in the workshop
    row = page.locator("#to-sign tbody tr").first
    row.locator("input[name=note]").fill("故障属质量问题，同意索赔")
    row.get_by_role("button", name="签字认可").click()
    _ok(page, "已签字认可")
    # the claim of the order waiting to be claimed
    page.locator("#to-claim tbody tr").first.get_by_role("button", name="生成索赔申请").click()
    _ok(page, "已生成索赔申请")
    expect(page.locator("#claim-status")).to_have_text("草稿")
    expect(page.locator("#claim-checks")).to_be_visible()
    claim_url = page.url
    page.fill("#c-code", "P0420")
    part_no = page.locator("#causal-parts option").first.get_attribute("value")
    page.fill("#c-part", part_no)
    page.get_by_role("button", name="保存").click()
    _ok(page, "已保存")
    page.get_by_role("button", name="提交厂家").click()
    expect(page.locator("#claim-status")).to_have_text("已提交")
    # the manufacturer rejects it for missing documents
    page.select_option("#d-reason", label="资料不全")
    page.fill("#d-note", "缺少诊断报告")
    page.get_by_role("button", name="拒赔").click()
    expect(page.locator("#claim-status")).to_have_text("已拒赔")
    page.fill("#c-failure", "发动机故障灯亮，附诊断仪报告与照片")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="重新提交厂家").click()
    expect(page.locator("#claim-status")).to_have_text("已提交")
    expect(page.get_by_text("第 2 次提交")).to_be_visible()
    page.get_by_role("button", name="全额批准").click()
    expect(page.locator("#claim-status")).to_have_text("已批准")
    expect(page.get_by_role("button", name="登记回款")).to_have_count(0)  # the money is finance's
    shot(page, "claim-approved")
    ctx.close()

    ctx, page = _session(browser, demo_server, "toyota.finance")
    page.goto(claim_url)
    page.fill("#p-ref", "OEM-2026-12")
    page.get_by_role("button", name="登记回款").click()
    expect(page.locator("#claim-status")).to_have_text("已回款")
    ctx.close()

    ctx, page = _session(browser, demo_server, "toyota.warranty")
    page.get_by_role("link", name="索赔旧件").first.click()
    page.locator("tbody input[name=tag]").first.check()
    page.get_by_role("button", name="选中旧件装箱返厂").click()
    _ok(page, "已生成旧件返厂单")
    expect(page.locator("#packing-list tbody tr")).to_have_count(1)
    page.fill("#s-carrier", "顺丰速运")
    page.fill("#s-waybill", "SF1234567890")
    page.get_by_role("button", name="发运").click()
    expect(page.locator("#shipment-status")).to_have_text("已发运")
    page.goto(page.url + "print/")
    expect(page.get_by_text("索赔旧件返厂装箱单")).to_be_visible()
    shot(page, "claim-packing-list")
    ctx.close()


def test_finance_collects_an_accident_job_from_the_insurer(browser, demo_server):
    ctx, page = _session(browser, demo_server, "toyota.finance")
    page.goto(f"{demo_server['url']}/service/accidents/?status=settled")
    page.locator("tbody tr").first.get_by_role("link").first.click()
    expect(page.locator("#job-status")).to_have_text("已结算")
    page.fill("#c-ref", "PA-2026-12")
    page.get_by_role("button", name="登记回款").click()
    expect(page.locator("#job-status")).to_have_text("保险已回款")
    page.goto(f"{demo_server['url']}/service/insurers/")
    expect(page.locator("#insurers tbody tr").first).to_be_visible()
    ctx.close()
