"""The pages as the roles use them: the care specialist's queue and call page, complaints through their
steps, reports, surveys and campaigns; buttons only for the roles that may use them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.crm import services
from fours.crm.models import CallScript, Complaint, Survey
from fours.customers.models import CareKind, CareStatus, CareTask

from .conftest import delivered_ro, make_customer


@pytest.fixture
def script(store_a):
    return CallScript.objects.create(
        store=store_a,
        kind=CareKind.SERVICE_DELIVERY,
        opening="您好，我是客服专员，请问您是车主吗？",
        questions=[{"key": "q1", "q": "对本次维修质量满意吗？"}, {"key": "q2", "q": "交车是否准时？"}],
        branches={"good": "感谢您的支持！", "bad": "能否告诉我您对哪方面不满意？"},
    )


def test_queue_shows_due_tasks_mine_first(client_for, store_a, task, crm_user, crm_other):
    other = CareTask.objects.create(
        store=store_a,
        kind=CareKind.BIRTHDAY,
        key="x1",
        customer=task.customer,
        due_date=timezone.localdate() - dt.timedelta(days=2),
        assignee=crm_other,
    )
    task.due_date = timezone.localdate()
    task.save()
    r = client_for(crm_user).get(reverse("crm:queue"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index(f'data-task="{task.pk}"') < html.index(f'data-task="{other.pk}"')
    assert "逾期" in html


def test_call_page_shows_the_script_and_records_a_not_reached_call(client_for, task, crm_user, script):
    c = client_for(crm_user)
    r = c.get(reverse("crm:task", args=[task.pk]))
    html = r.content.decode()
    assert "对本次维修质量满意吗？" in html and "能否告诉我您对哪方面不满意？" in html and "开场白" in html
    r = c.post(reverse("crm:task_call", args=[task.pk]), {"result": "not_reached"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.attempts == 1 and task.next_try_at and task.status == CareStatus.OPEN


def test_unsatisfied_answer_opens_the_complaint_page(client_for, task, crm_user, script):
    r = client_for(crm_user).post(
        reverse("crm:task_call", args=[task.pk]),
        {
            "result": "reached",
            "satisfaction": "bad",
            "a_q1": "不满意",
            "problem": "异响未排除",
            "problem_department": "service",
        },
    )
    c = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("crm:complaint_detail", args=[c.pk])
    assert task.calls.get().answers == {"q1": "不满意"}


def test_refused_call_shows_the_error_and_changes_nothing(client_for, task, crm_user):
    r = client_for(crm_user).post(reverse("crm:task_call", args=[task.pk]), {"result": "reached"})
    assert r.status_code == 400 and "请选择客户满意度" in r.content.decode()
    task.refresh_from_db()
    assert task.attempts == 0


def test_no_call_form_without_consent(client_for, task, crm_user):
    task.customer.consent_call = False
    task.customer.save()
    html = client_for(crm_user).get(reverse("crm:task", args=[task.pk])).content.decode()
    assert 'id="no-consent"' in html and 'id="call-form"' not in html


def test_complaint_steps_as_the_roles(client_for, store_a, customer, crm_user, service_mgr):
    c = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="phone", content="等太久"
    )
    cl = client_for(crm_user)
    assert (
        cl.post(
            reverse("crm:complaint_act", args=[c.pk, "judge"]), {"valid": "1", "department": "service"}
        ).status_code
        == 302
    )
    cl.post(
        reverse("crm:complaint_act", args=[c.pk, "propose"]),
        {"cause": "车间排班", "category": "time", "solution": "道歉并赠送洗车", "compensation": "100"},
    )
    c.refresh_from_db()
    assert c.status == "proposed"
    # the specialist sees no 批示 button, the manager does
    assert 'id="approve-btn"' not in cl.get(reverse("crm:complaint_detail", args=[c.pk])).content.decode()
    m = client_for(service_mgr)
    assert 'id="approve-btn"' in m.get(reverse("crm:complaint_detail", args=[c.pk])).content.decode()
    m.post(reverse("crm:complaint_act", args=[c.pk, "approve"]), {"approve": "1", "note": "同意"})
    c.refresh_from_db()
    assert c.status == "approved"


def test_over_limit_approval_refused_on_the_page(client_for, store_a, customer, crm_user, service_mgr):
    c = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="phone", content="x"
    )
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(
        actor=crm_user, complaint=c, cause="x", category="price", solution="退款", compensation="5000"
    )
    m = client_for(service_mgr)
    html = m.get(reverse("crm:complaint_detail", args=[c.pk])).content.decode()
    assert 'id="over-limit"' in html and 'id="approve-btn"' not in html
    r = m.post(reverse("crm:complaint_act", args=[c.pk, "approve"]), {"approve": "1"})
    assert r.status_code == 400
    c.refresh_from_db()
    assert c.status == "proposed"


def test_reports_and_lists_render(client_for, store_a, task, crm_user, service_mgr, gm_a, marketing):
    services.call_record(actor=crm_user, task=task, result="reached", satisfaction="good")
    for user in (crm_user, service_mgr, gm_a):
        cl = client_for(user)
        for name in (
            "crm:summary",
            "crm:complaint_stats",
            "crm:complaint_list",
            "crm:call_list",
            "crm:task_list",
            "crm:response_list",
            "crm:scores",
            "crm:loss",
        ):
            r = cl.get(reverse(name))
            assert r.status_code == 200, (user, name)
    html = client_for(gm_a).get(reverse("crm:summary")).content.decode()
    assert "回访接通率" in html
    for name in ("crm:campaign_list", "crm:gift_list", "crm:campaign_create"):
        assert client_for(marketing).get(reverse(name)).status_code in (200, 403)


def test_an_advisor_cannot_open_the_queue(client_for, advisor):
    assert client_for(advisor).get(reverse("crm:queue")).status_code == 403


def test_campaign_page_flow(client_for, store_a, marketing, crm_user):
    c1 = make_customer(store_a, crm_user, consent_marketing=True)
    make_customer(store_a, crm_user)  # no marketing consent
    cl = client_for(marketing)
    r = cl.post(
        reverse("crm:campaign_create"),
        {"name": "夏季免费检测", "starts_on": "2026-12-01", "ends_on": "2026-12-31", "budget": "5000"},
    )
    assert r.status_code == 302
    from fours.crm.models import Campaign, Message

    camp = Campaign.objects.get()
    cl.post(
        reverse("crm:campaign_act", args=[camp.pk, "invite"]),
        {"body": "本周末免费检测，欢迎到店", "send": "1"},
    )
    assert camp.members.count() == 2
    assert list(Message.objects.values_list("customer_id", flat=True)) == [c1.pk]
    cl.post(reverse("crm:campaign_act", args=[camp.pk, "start"]))
    cl.post(
        reverse("crm:campaign_act", args=[camp.pk, "record"]),
        {"actual_cost": "4000", "oem_support": "1000", "attended": [str(c1.pk)]},
    )
    camp.refresh_from_db()
    assert camp.actual_cost == Decimal("4000") and camp.members.filter(attended=True).count() == 1
    assert cl.get(reverse("crm:campaign_detail", args=[camp.pk])).status_code == 200


def test_gift_within_the_monthly_quota(client_for, store_a, crm_user, gm_a):
    c = make_customer(store_a, crm_user)
    g1 = services.gift_request(actor=crm_user, store=store_a, customer=c, reason="生日", value="3000")
    g2 = services.gift_request(actor=crm_user, store=store_a, customer=c, reason="生日", value="2500")
    gm = client_for(gm_a)
    assert "批准" in gm.get(reverse("crm:gift_list")).content.decode()
    gm.post(reverse("crm:gift_act", args=[g1.pk, "approve"]))
    gm.post(reverse("crm:gift_act", args=[g2.pk, "approve"]))  # 3000 + 2500 > 5000
    g1.refresh_from_db()
    g2.refresh_from_db()
    assert g1.status == "approved" and g2.status == "pending"


def test_survey_import_all_or_nothing(client_for, store_a, crm_user, advisor):
    import io

    from openpyxl import Workbook

    from fours.crm.models import SurveyResponse

    survey = Survey.objects.create(
        store=store_a, kind="csi", name="厂家CSI", questions=[{"key": "q1", "q": "总体满意度", "max": 10}]
    )
    ro = delivered_ro(store_a, advisor)

    def upload(rows):
        wb = Workbook()
        ws = wb.active
        ws.append(["单据号", "调查日期", "总体满意度"])
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        buf.name = "csi.xlsx"
        return buf

    cl = client_for(crm_user)
    r = cl.post(
        reverse("crm:survey_import"),
        {"survey": survey.pk, "file": upload([[ro.number, "2026-12-01", 9], ["RO-NOPE", "2026-12-01", 8]])},
    )
    assert r.status_code == 400 and "RO-NOPE" in r.content.decode()
    assert not SurveyResponse.objects.exists()
    r = cl.post(
        reverse("crm:survey_import"), {"survey": survey.pk, "file": upload([[ro.number, "2026-12-01", 9]])}
    )
    assert r.status_code == 302
    resp = SurveyResponse.objects.get()
    assert resp.score == Decimal("90.00") and resp.advisor == advisor and resp.doc_number == ro.number


def test_send_a_phone_link_from_the_task_page(client_for, store_a, task, crm_user):
    from fours.crm.models import CareRule, Message

    CareRule.objects.create(
        store=store_a, kind=CareKind.SERVICE_DELIVERY, quiet_start=dt.time(0), quiet_end=dt.time(0)
    )
    cl = client_for(crm_user)
    assert "发送手机链接" in cl.get(reverse("crm:task", args=[task.pk])).content.decode()
    r = cl.post(
        reverse("crm:link_send"),
        {
            "purpose": "survey",
            "customer": task.customer_id,
            "ro": task.doc_id,
            "next": reverse("crm:task", args=[task.pk]),
        },
    )
    assert r.status_code == 302
    m = Message.objects.get()
    assert m.purpose == "phone_link" and "/crm/m/" in m.body and m.doc_number == task.doc_number


def test_home_tiles_open_lists_of_that_many_rows(client_for, store_a, customer, crm_user, service_mgr):
    import re

    major = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="phone", content="起火", severity="major"
    )
    c = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="phone", content="x"
    )
    services.complaint_judge(actor=crm_user, complaint=c, valid=False, note="误会")
    assert major.escalated_at
    cl = client_for(service_mgr)
    for url, n in (
        (reverse("crm:complaint_list") + "?open=true", 1),
        (reverse("crm:complaint_list") + "?escalated=true&open=true", 1),
    ):
        r = cl.get(url)
        assert r.context["table"].paginator.count == n, url
    home = cl.get("/").content.decode()
    assert re.search(r"处理中投诉", home)


def test_marketers_home_leads_with_their_campaigns(client_for, store_a, marketing):
    services.campaign_create(
        actor=marketing,
        store=store_a,
        name="车展",
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 9),
    )
    html = client_for(marketing).get("/").content.decode()
    assert "计划中的市场活动" in html
    r = client_for(marketing).get(reverse("crm:campaign_list") + "?status=planned")
    assert r.context["table"].paginator.count == 1
