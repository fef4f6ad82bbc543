import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.reports.models import Target
from fours.reports.services import summary_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, store_a):
    return {
        "mgr": make_user(Role.SALES_MANAGER, store_a, "mgr_a"),
        "gm": make_user(Role.GENERAL_MANAGER, store_a, "gm_x"),
        "c1": make_user(Role.SALES_CONSULTANT, store_a, "c1"),
        "c2": make_user(Role.SALES_CONSULTANT, store_a, "c2"),
    }


def _month():
    return timezone.localdate().replace(day=1)


def test_manager_sets_the_month_grid_at_once(client_for, people, store_a):
    c1 = people["c1"]
    url = reverse("reports:targets")
    month = _month()
    resp = client_for(people["mgr"]).post(
        url,
        {
            "month": f"{month:%Y-%m}",
            "department": "sales",
            "t-dept-deliveries": "30",
            "t-dept-gross_profit": "240,000.00",
            f"t-{c1.pk}-deliveries": "12",
            f"t-{c1.pk}-orders": "",
        },
    )
    assert resp.status_code == 302
    rows = {(t.person_id, t.metric): t.value for t in Target.objects.filter(store=store_a, month=month)}
    assert rows == {
        (None, "deliveries"): Decimal("30"),
        (None, "gross_profit"): Decimal("240000"),
        (c1.pk, "deliveries"): Decimal("12"),
    }
    assert AuditEvent.objects.filter(store=store_a).count() == 3
    # the same grid again changes nothing and writes no event
    client_for(people["mgr"]).post(
        url, {"month": f"{month:%Y-%m}", "department": "sales", "t-dept-deliveries": "30"}
    )
    assert AuditEvent.objects.filter(store=store_a).count() == 3


def test_a_negative_target_is_refused_and_nothing_is_saved(client_for, people, store_a):
    c1 = people["c1"]
    month = _month()
    resp = client_for(people["mgr"]).post(
        reverse("reports:targets"),
        {"month": f"{month:%Y-%m}", "t-dept-deliveries": "30", f"t-{c1.pk}-deliveries": "-2"},
    )
    assert resp.status_code == 200
    assert "目标值不能为负数" in resp.content.decode()
    assert not Target.objects.exists()


def test_not_a_number_is_refused(client_for, people):
    resp = client_for(people["mgr"]).post(reverse("reports:targets"), {"t-dept-orders": "三十"})
    assert resp.status_code == 200
    assert "请输入数字" in resp.content.decode()
    assert not Target.objects.exists()


def test_consultant_sees_targets_but_cannot_set_them(client_for, people, store_a):
    client = client_for(people["c1"])
    page = client.get(reverse("reports:targets"))
    assert page.status_code == 200
    assert 'name="t-dept-deliveries"' not in page.content.decode()
    assert client.post(reverse("reports:targets"), {"t-dept-deliveries": "5"}).status_code == 403
    assert not Target.objects.exists()


def test_grid_shows_actual_from_summaries_against_target(client_for, people, store_a):
    from fours.reports.services import target_set

    month = _month()
    target_set(
        actor=people["mgr"], store=store_a, month=month, department="sales", metric="deliveries", value=20
    )
    summary_add(store=store_a, metric="deliveries", value=5, day=month, person=people["c1"])
    page = client_for(people["mgr"]).get(reverse("reports:targets") + f"?month={month:%Y-%m}")
    html = page.content.decode()
    assert "25.0%" in html  # 5 of 20
    assert "部门合计" in html and "员工" in html  # the consultants by name
    for label in ("交车台数", "销售毛利", "到店客流"):
        assert label in html


def test_month_and_department_switch(client_for, people, store_a):
    page = client_for(people["gm"]).get(reverse("reports:targets") + "?month=2026-01&department=service")
    assert page.status_code == 200
    assert page.context["month"] == dt.date(2026, 1, 1)
    assert [m["key"] for m in page.context["grid"]["metrics"]][0] == "ro_count"


def test_a_department_manager_sets_only_their_departments_targets(client_for, people, store_a, make_user):
    page = client_for(people["mgr"]).get(reverse("reports:targets") + "?department=service")
    assert page.context["department"] == "sales"
    assert [d for d, _label in page.context["departments"]] == ["sales"]
    client_for(people["mgr"]).post(
        reverse("reports:targets"), {"department": "service", "t-dept-ro_count": "500"}
    )
    assert not Target.objects.filter(department="service").exists()
    svc = make_user(Role.SERVICE_MANAGER, store_a, "svcmgr")
    client_for(svc).post(reverse("reports:targets"), {"department": "service", "t-dept-ro_count": "500"})
    assert Target.objects.filter(department="service", metric="ro_count", value=500).exists()


def test_home_widgets_of_the_sales_manager_and_the_gm(client_for, people, store_a):
    from fours.reports.services import target_set

    month = _month()
    target_set(
        actor=people["mgr"], store=store_a, month=month, department="sales", metric="deliveries", value=10
    )
    summary_add(store=store_a, metric="deliveries", value=4, day=timezone.localdate(), person=people["c1"])
    summary_add(
        store=store_a, metric="gross_profit", value="32000.5", day=timezone.localdate(), person=people["c1"]
    )
    for who in ("mgr", "gm"):
        html = client_for(people[who]).get("/").content.decode()
        assert "本月交车台数" in html
        assert "目标 10 · 完成 40.0%" in html
        assert "¥32,000.50" in html
        assert "本月到店客流" in html and "本月订单" in html
    html = client_for(people["c1"]).get("/").content.decode()
    assert "本月交车台数" not in html


def test_nav_lists_targets(client_for, people):
    html = client_for(people["mgr"]).get("/").content.decode()
    assert reverse("reports:targets") in html
    assert reverse("sales:report_dashboard") in html


def test_targets_page_is_english_after_the_switch(client, people, store_a):
    from fours.core.tests.test_i18n import HAN, visible_text

    client.force_login(people["mgr"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("reports:targets")).content.decode()
    text = visible_text(html[html.index("<main") : html.index("</main>")])
    text = text.replace(str(store_a), " ")
    for u in people.values():
        text = text.replace(u.first_name, " ")
    assert not HAN.findall(text), HAN.findall(text)[:20]


def test_a_month_in_progress_is_judged_against_the_calendar():
    from fours.reports.selectors import month_pace, progress

    nov = dt.date(2026, 11, 1)
    assert month_pace(nov, dt.date(2026, 11, 15)) == Decimal("50.0")
    assert month_pace(nov, dt.date(2026, 12, 2)) == 100
    assert month_pace(nov, dt.date(2026, 10, 30)) == 0
    # 12 of 30 halfway through the month: 40% done, 80% of the pace → warning; at the month's end: danger
    assert progress(Decimal(12), Decimal(30), "deliveries", Decimal(50))["tone"] == "warning"
    assert progress(Decimal(16), Decimal(30), "deliveries", Decimal(50))["tone"] == "success"
    assert progress(Decimal(12), Decimal(30), "deliveries")["tone"] == "danger"
    # a ceiling (defeats): 6 of 10 allowed halfway is over the pro-rata 5
    assert progress(Decimal(6), Decimal(10), "defeats", Decimal(50))["tone"] == "danger"
    assert progress(Decimal(4), Decimal(10), "defeats", Decimal(50))["tone"] == "success"
    assert progress(Decimal(4), None, "deliveries")["tone"] == "secondary"
