"""Showroom pages as each role sees them: the door, the lead list (mine / all, overdue in red, a pinned
query count), the lead page and its actions, the defeat queue, grade rules, import, test drives, home."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.sales.choices import DriveStatus, LeadStatus
from fours.sales.models import Lead, Visit
from fours.sales.services import showroom as svc

from .factories_showroom import catalogue, demo_car, lead


@pytest.fixture
def w(make_user, store_a):
    m, c = catalogue()
    return {
        "store": store_a,
        "sc": make_user(Role.SALES_CONSULTANT, store_a, "sc1"),
        "sc2": make_user(Role.SALES_CONSULTANT, store_a, "sc2"),
        "mgr": make_user(Role.SALES_MANAGER, store_a, "smgr1"),
        "mkt": make_user(Role.MARKETING, store_a, "mkt1"),
        "model": m,
        "conf": c,
    }


def overdue(ld, days=3):
    Lead.objects.filter(pk=ld.pk).update(next_follow_up=timezone.localdate() - dt.timedelta(days=days))


def test_the_door_logs_a_walk_in_and_shows_the_day(client_for, w):
    c = client_for(w["sc"])
    page = c.get(reverse("sales:visit_door"))
    assert page.status_code == 200 and "客流登记" in page.content.decode()
    r = c.post(
        reverse("sales:visit_door"),
        {
            "kind": "walk_in",
            "consultant": w["sc"].pk,
            "name": "刘洋",
            "mobile": "13812345678",
            "intended_model": w["model"].pk,
            "grade": "A",
            "party_size": 2,
            "first_visit": "on",
        },
    )
    assert r.status_code == 302
    v = Visit.objects.get()
    assert v.lead.name == "刘洋" and v.party_size == 2
    html = c.get(reverse("sales:visit_door")).content.decode()
    assert "刘洋" in html and v.lead.number in html
    bad = c.post(
        reverse("sales:visit_door"),
        {"kind": "walk_in", "consultant": w["sc"].pk, "mobile": "123", "grade": "B", "party_size": 1},
    )
    assert bad.status_code == 200 and "手机号应为" in bad.content.decode()
    assert Visit.objects.count() == 1
    c.post(reverse("sales:visit_leave", args=[v.pk]))
    v.refresh_from_db()
    assert v.left_at
    assert client_for(w["mkt"]).get(reverse("sales:visit_door")).status_code == 403
    assert client_for(w["mkt"]).get(reverse("sales:visit_list")).status_code == 200


def test_lead_list_mine_for_the_consultant_all_for_the_manager_overdue_in_red(client_for, w):
    mine = lead(w["store"], w["sc"], name="甲客户")
    theirs = lead(w["store"], w["sc2"], name="乙客户")
    overdue(mine)
    html = client_for(w["sc"]).get(reverse("sales:lead_list")).content.decode()
    assert "甲客户" in html and "乙客户" not in html and "我的潜客" in html
    assert "table-danger overdue" in html, html[html.find("<tbody") :][:1500]
    html = client_for(w["mgr"]).get(reverse("sales:lead_list")).content.decode()
    assert "甲客户" in html and "乙客户" in html
    html = client_for(w["mgr"]).get(reverse("sales:lead_list") + "?due=overdue").content.decode()
    assert "甲客户" in html and "乙客户" not in html
    assert theirs.pk


def _count(django_assert_num_queries, c, url, n):
    with django_assert_num_queries(n):
        assert c.get(url).status_code == 200


def test_lead_list_query_count_is_the_same_for_few_and_many_rows(client_for, w, django_assert_num_queries):
    """The manager's list (all) and the consultant's (mine): one page costs the same queries for one lead
    as for twenty, overdue rows included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("sales:lead_list")
    lead(w["store"], w["sc"], intended_model=w["model"])
    few = {}
    for who in ("mgr", "sc"):
        c = client_for(w[who])
        c.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as q:
            c.get(url)
        few[who] = len(q.captured_queries)
    for i in range(20):
        ld = lead(w["store"], w["sc2"] if i % 2 else w["sc"], intended_model=w["model"], campaign=f"活动{i}")
        if i % 3 == 0:
            overdue(ld)
    for who in ("mgr", "sc"):
        c = client_for(w[who])
        c.get(url)
        _count(django_assert_num_queries, c, url, few[who])


def test_lead_page_actions_follow_allowed_next(client_for, w):
    ld = lead(w["store"], w["sc"], name="丙客户")
    c = client_for(w["sc"])
    html = c.get(reverse("sales:lead_detail", args=[ld.pk])).content.decode()
    assert "记录跟进" in html and "申请战败" in html and "预约试驾" in html
    assert "assign-form" not in html and "同意战败" not in html
    # another consultant sees the card but no work buttons
    other = client_for(w["sc2"]).get(reverse("sales:lead_detail", args=[ld.pk])).content.decode()
    assert "follow-up-form" not in other and "defeat-form" not in other
    c = client_for(w["sc"])
    r = c.post(
        reverse("sales:lead_act", args=[ld.pk, "follow_up"]),
        {"channel": "call", "result": "客户周末来看车", "grade": "H"},
    )
    assert r.status_code == 302
    ld.refresh_from_db()
    assert ld.grade == "H" and ld.follow_up_count == 1
    bad = c.post(
        reverse("sales:lead_act", args=[ld.pk, "follow_up"]),
        {"channel": "call", "result": "x", "grade": "H", "next_follow_up": "2020-01-01"},
    )
    assert bad.status_code == 400 and "不能早于今天" in bad.content.decode()
    r = c.post(
        reverse("sales:lead_act", args=[ld.pk, "defeat"]), {"reason": "competitor", "competitor_model": ""}
    )
    assert r.status_code == 400 and "竞品车型" in r.content.decode()
    ld.refresh_from_db()
    assert ld.status == LeadStatus.OPEN
    c.post(
        reverse("sales:lead_act", args=[ld.pk, "defeat"]),
        {"reason": "competitor", "competitor_model": "雅阁"},
    )
    ld.refresh_from_db()
    assert ld.status == LeadStatus.DEFEAT_PENDING
    m = client_for(w["mgr"])
    queue = m.get(reverse("sales:defeat_queue")).content.decode()
    assert "丙客户" in queue and "雅阁" in queue
    page = m.get(reverse("sales:lead_detail", args=[ld.pk])).content.decode()
    assert "同意战败" in page and "退回继续跟进" in page
    assert "同意战败" in queue
    r = m.post(reverse("sales:lead_act", args=[ld.pk, "approve"]), {"note": "同意", "next": "queue"})
    assert r.status_code == 302 and r.url == reverse("sales:defeat_queue")
    ld.refresh_from_db()
    assert ld.status == LeadStatus.DEFEATED
    assert client_for(w["sc"]).get(reverse("sales:defeat_queue")).status_code == 403


def test_manager_assigns_and_creates_for_a_consultant(client_for, w):
    m = client_for(w["mgr"])
    r = m.post(
        reverse("sales:lead_create"),
        {
            "kind": "company",
            "name": "白云物流",
            "mobile": "13700000001",
            "pay_plan": "cash",
            "source": "fleet",
            "grade": "A",
            "fleet_size": 10,
            "owner": w["sc"].pk,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ld = Lead.objects.get(name="白云物流")
    assert ld.owner == w["sc"] and ld.is_key_account
    m.post(reverse("sales:lead_act", args=[ld.pk, "assign"]), {"owner": w["sc2"].pk})
    ld.refresh_from_db()
    assert ld.owner == w["sc2"]
    edit = client_for(w["sc2"]).post(
        reverse("sales:lead_edit", args=[ld.pk]),
        {
            "kind": "company",
            "name": "白云物流有限公司",
            "mobile": "13700000001",
            "pay_plan": "loan",
            "source": "fleet",
            "grade": "A",
            "fleet_size": 12,
            "is_key_account": "on",
        },
    )
    assert edit.status_code == 302
    ld.refresh_from_db()
    assert ld.name == "白云物流有限公司" and ld.fleet_size == 12


def test_grade_rules_page(client_for, w):
    assert client_for(w["sc"]).get(reverse("sales:grade_rules")).status_code == 200
    assert client_for(w["sc"]).post(reverse("sales:grade_rules"), {"days_H": "2"}).status_code == 403
    m = client_for(w["mgr"])
    assert m.post(reverse("sales:grade_rules"), {"days_H": "2", "days_A": "3"}).status_code == 302
    html = m.get(reverse("sales:grade_rules")).content.decode()
    assert 'name="days_H" value="2"' in html
    bad = m.post(reverse("sales:grade_rules"), {"days_H": "0"})
    assert bad.status_code == 200 and "1到90" in bad.content.decode()


def test_import_page_csv_and_xlsx(client_for, w):
    from openpyxl import Workbook

    assert client_for(w["sc"]).get(reverse("sales:lead_import")).status_code == 403
    m = client_for(w["mgr"])
    bad = "姓名,手机号,意向车型\n赵一,13500000001,凯美瑞\n钱二,135,凯美瑞\n".encode()
    r = m.post(reverse("sales:lead_import"), {"file": SimpleUploadedFile("a.csv", bad), "owner": ""})
    assert r.status_code == 400 and "第3行" in r.content.decode() and Lead.objects.count() == 0
    wb = Workbook()
    ws = wb.active
    ws.append(["手机号", "姓名", "意向级别", "活动"])
    ws.append([13500000001, "赵一", "H", "车展"])
    ws.append([13500000002, "钱二", "C", "车展"])
    buf = io.BytesIO()
    wb.save(buf)
    r = m.post(
        reverse("sales:lead_import"),
        {"file": SimpleUploadedFile("b.xlsx", buf.getvalue()), "owner": w["sc"].pk, "source": "online"},
    )
    assert r.status_code == 200 and "已导入 2 条" in r.content.decode()
    assert set(Lead.objects.values_list("owner_id", "source", "campaign").distinct()) == {
        (w["sc"].pk, "online", "车展")
    }


def test_booking_calendar_and_the_drive_page(client_for, w):
    ld = lead(w["store"], w["sc"], name="丁客户")
    car = demo_car(w["store"], w["conf"])
    c = client_for(w["sc"])
    page = c.get(reverse("sales:drive_calendar") + f"?lead={ld.pk}").content.decode()
    assert "book-form" in page and car.vin[-6:] in page
    start = timezone.localtime() + dt.timedelta(hours=1)
    fmt = "%Y-%m-%dT%H:%M"
    data = {
        "lead": ld.pk,
        "vehicle": car.pk,
        "starts_at": start.strftime(fmt),
        "ends_at": (start + dt.timedelta(minutes=30)).strftime(fmt),
        "driver_name": "丁客户",
        "licence_no": "440101199001011234",
        "licence_expiry": "2030-01-01",
    }
    r = c.post(reverse("sales:drive_calendar"), data)
    assert r.status_code == 302
    drive = ld.drives.get()
    again = c.post(reverse("sales:drive_calendar"), data)
    assert again.status_code == 400 and "已被预约" in again.content.decode() and ld.drives.count() == 1
    expired = c.post(
        reverse("sales:drive_calendar"),
        {
            **data,
            "starts_at": (start + dt.timedelta(days=1)).strftime(fmt),
            "ends_at": (start + dt.timedelta(days=1, hours=1)).strftime(fmt),
            "licence_expiry": "2020-01-01",
        },
    )
    assert expired.status_code == 400 and "过期" in expired.content.decode()
    cal = c.get(reverse("sales:drive_calendar")).content.decode()
    assert "丁客户" in cal
    page = c.get(reverse("sales:drive_detail", args=[drive.pk])).content.decode()
    assert "start-form" in page and "finish-form" not in page
    r = c.post(reverse("sales:drive_act", args=[drive.pk, "start"]), {"signature": "", "odometer_out": "50"})
    assert r.status_code == 400 and "签署" in r.content.decode()
    c.post(
        reverse("sales:drive_act", args=[drive.pk, "start"]),
        {"signature": "data:image/png;base64,AA", "odometer_out": "50"},
    )
    c.post(
        reverse("sales:drive_act", args=[drive.pk, "finish"]),
        {"odometer_in": "62", "rating": "5", "feedback": "很满意"},
    )
    drive.refresh_from_db()
    assert drive.status == DriveStatus.DONE and drive.odometer_in == 62
    assert "很满意" in c.get(reverse("sales:drive_detail", args=[drive.pk])).content.decode()
    assert client_for(w["mkt"]).get(reverse("sales:drive_list")).status_code == 200


def test_home_widgets_by_role(client_for, w):
    ld = lead(w["store"], w["sc"], campaign="春季车展")
    overdue(ld)
    lead(w["store"], w["sc"])
    svc.visit_log(actor=w["sc"], store=w["store"], name="访客", mobile="13300000001")
    d = lead(w["store"], w["sc2"])
    svc.lead_defeat_request(actor=w["sc2"], lead=d, reason="price")
    home = client_for(w["sc"]).get("/").content.decode()
    assert "我的今日跟进" in home and "其中逾期 1 个" in home and "我的今日试驾" in home
    home = client_for(w["mgr"]).get("/").content.decode()
    assert "待审战败申请" in home and "全店逾期未跟进" in home
    home = client_for(w["mkt"]).get("/").content.decode()
    assert "近30天客流（按来源）" in home and "展厅到店 1" in home and "春季车展 1" in home


def test_the_lists_export_to_excel(client_for, w):
    ld = lead(w["store"], w["sc"], name="导出客户")
    overdue(ld)
    svc.visit_log(actor=w["sc"], store=w["store"], name="导出客户", mobile=ld.mobile)
    c = client_for(w["mgr"])
    for name in ("sales:lead_list", "sales:visit_list", "sales:drive_list"):
        r = c.get(reverse(name) + "?_export=xlsx")
        assert r.status_code == 200 and "spreadsheet" in r["Content-Type"], name


def test_the_door_names_the_lead_a_typed_mobile_joins(client_for, w):
    ld = lead(w["store"], w["sc2"], name="老潜客")
    c = client_for(w["sc"])
    html = c.get(reverse("sales:visit_lookup"), {"mobile": ld.mobile}).content.decode()
    assert "老潜客" in html and ld.number in html
    html = c.get(reverse("sales:visit_lookup"), {"mobile": "13100000000"}).content.decode()
    assert "新客户" in html
    assert "hx-get" in c.get(reverse("sales:visit_door")).content.decode()
