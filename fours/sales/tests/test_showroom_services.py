"""Services of the showroom: traffic, leads, follow-ups, grade rules, assignment, defeats, import, test
drives; each refusal names its field and code and leaves nothing changed."""

import datetime as dt

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError, NotAllowed
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.reports.models import DailySummary
from fours.sales.choices import DefeatReason, DriveStatus, Grade, LeadStatus, VisitKind
from fours.sales.models import FollowUp, GradeRule, Lead, Visit
from fours.sales.models import TestDrive as Drive
from fours.sales.services import showroom as svc

from .factories_showroom import catalogue, demo_car, lead, next_mobile


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


def summary(metric, **kw):
    rows = DailySummary.objects.filter(metric=metric, **kw)
    return sum(r.value for r in rows)


def snapshot():
    return (
        Lead.objects.count(),
        Visit.objects.count(),
        FollowUp.objects.count(),
        Drive.objects.count(),
        AuditEvent.objects.count(),
        DailySummary.objects.count(),
        list(Lead.objects.values_list("status", "owner_id", "grade", "next_follow_up").order_by("id")),
    )


def refused(fn, code, field=None, **kw):
    before = snapshot()
    with pytest.raises(BusinessError) as e:
        fn(**kw)
    assert e.value.error_code == code
    if field:
        assert field in e.value.message_dict, e.value.message_dict
    assert snapshot() == before
    return e.value


def test_a_walk_in_with_name_and_mobile_makes_a_lead_and_counts_traffic(w):
    v = svc.visit_log(
        actor=w["sc"],
        store=w["store"],
        name="李娜",
        mobile="13800138000",
        intended_model=w["model"],
        grade=Grade.H,
        party_size=3,
    )
    assert v.lead is not None and v.lead.owner == w["sc"] and v.first_visit
    assert v.lead.number.startswith("QK-")
    assert v.lead.next_follow_up == timezone.localdate() + dt.timedelta(days=1)
    assert summary("traffic", person=w["sc"]) == 1
    assert summary("leads", person=w["sc"], dimension=f"model:{w['model'].pk}") == 1
    # the second visit joins the open lead
    again = svc.visit_log(actor=w["sc2"], store=w["store"], name="李娜", mobile="138 0013 8000")
    assert again.lead_id == v.lead_id and not again.first_visit
    ticked = svc.visit_log(actor=w["sc"], store=w["store"], mobile="13800138000", first_visit=True)
    assert not ticked.first_visit  # walked in before: a repeat visit whatever the door ticked
    assert Lead.objects.count() == 1
    call = svc.visit_log(actor=w["sc"], store=w["store"], kind=VisitKind.CALL)
    assert call.lead is None and summary("calls") == 1
    svc.visit_leave(actor=w["sc"], visit=v)
    refused(svc.visit_leave, "not_pending", "left_at", actor=w["sc"], visit=v)


def test_visit_refusals(w):
    refused(svc.visit_log, "bad_format", "mobile", actor=w["sc"], store=w["store"], mobile="12345")
    refused(svc.visit_log, "out_of_range", "party_size", actor=w["sc"], store=w["store"], party_size=0)
    refused(svc.visit_log, "not_staff", "consultant", actor=w["sc"], store=w["store"], consultant=w["mkt"])
    refused(
        svc.visit_log,
        "in_future",
        "arrived_at",
        actor=w["sc"],
        store=w["store"],
        arrived_at=timezone.now() + dt.timedelta(hours=2),
    )
    with pytest.raises(NotAllowed):
        svc.visit_log(actor=w["mkt"], store=w["store"])


def test_lead_create_matches_the_archive_and_refuses_a_duplicate(w):
    from fours.customers.models import Customer

    cust = Customer.objects.create(group=w["store"].group, name="王芳", mobile="13911112222")
    ld = lead(w["store"], w["sc"], name="王芳", mobile="13911112222", configuration=w["conf"])
    assert ld.customer == cust and ld.intended_model == w["model"]
    e = refused(lead, "duplicate", "mobile", store=w["store"], owner=w["sc2"], mobile="13911112222")
    assert ld.number in str(e.message_dict["mobile"])
    refused(lead, "required", "mobile", store=w["store"], owner=w["sc"], mobile="")
    refused(lead, "not_assigned", "owner", store=w["store"], owner=w["sc2"], actor=w["sc"])
    other, _c = catalogue(series="卡罗拉", model="卡罗拉", conf="1.5L 先锋版")
    refused(
        lead,
        "mismatch",
        "configuration",
        store=w["store"],
        owner=w["sc"],
        intended_model=other,
        configuration=w["conf"],
    )
    # a company lead is a key account
    fleet = lead(
        w["store"],
        w["mgr"],
        actor=w["mgr"],
        kind="company",
        name="广州出租车公司",
        fleet_size=20,
        contact_person="陈经理",
    )
    assert fleet.is_key_account and fleet.fleet_size == 20


def test_follow_up_uses_the_grade_rule_and_counts(w):
    svc.graderule_set(actor=w["mgr"], store=w["store"], grade=Grade.A, follow_up_days=5)
    ld = lead(w["store"], w["sc"])
    fu = svc.followup_add(actor=w["sc"], lead=ld, channel="call", result="约周六到店", grade=Grade.A)
    ld.refresh_from_db()
    assert fu.next_follow_up == timezone.localdate() + dt.timedelta(days=5)
    assert ld.grade == Grade.A and ld.follow_up_count == 1 and ld.next_follow_up == fu.next_follow_up
    assert summary("follow_ups", person=w["sc"]) == 1
    refused(svc.followup_add, "not_assigned", "owner", actor=w["sc2"], lead=ld, channel="call", result="x")
    refused(svc.followup_add, "required", "result", actor=w["sc"], lead=ld, channel="call", result=" ")
    refused(svc.followup_add, "invalid_choice", "channel", actor=w["sc"], lead=ld, channel="fax", result="x")
    refused(
        svc.followup_add,
        "in_past",
        "next_follow_up",
        actor=w["sc"],
        lead=ld,
        channel="call",
        result="x",
        next_follow_up=timezone.localdate() - dt.timedelta(days=1),
    )
    # the manager may follow up any lead
    svc.followup_add(actor=w["mgr"], lead=ld, channel="wechat", result="发了报价")


def test_grade_rule_refusals(w):
    before = GradeRule.objects.count()
    with pytest.raises(NotAllowed):
        svc.graderule_set(actor=w["sc"], store=w["store"], grade="H", follow_up_days=2)
    refused(
        svc.graderule_set,
        "out_of_range",
        "follow_up_days",
        actor=w["mgr"],
        store=w["store"],
        grade="H",
        follow_up_days=0,
    )
    refused(
        svc.graderule_set,
        "invalid_choice",
        "grade",
        actor=w["mgr"],
        store=w["store"],
        grade="X",
        follow_up_days=3,
    )
    assert GradeRule.objects.count() == before


def test_assign_and_reassign(w):
    ld = lead(w["store"], w["sc"])
    svc.lead_assign(actor=w["mgr"], lead=ld, owner=w["sc2"])
    ld.refresh_from_db()
    assert ld.owner == w["sc2"]
    refused(svc.lead_assign, "same_person", "owner", actor=w["mgr"], lead=ld, owner=w["sc2"])
    refused(svc.lead_assign, "not_staff", "owner", actor=w["mgr"], lead=ld, owner=w["mkt"])
    with pytest.raises(NotAllowed):
        svc.lead_assign(actor=w["sc2"], lead=ld, owner=w["sc"])


def test_defeat_request_approve_and_send_back(w):
    ld = lead(w["store"], w["sc"])
    refused(
        svc.lead_defeat_request,
        "required",
        "competitor_model",
        actor=w["sc"],
        lead=ld,
        reason=DefeatReason.COMPETITOR,
    )
    refused(svc.lead_defeat_request, "not_assigned", "owner", actor=w["sc2"], lead=ld, reason="price")
    svc.lead_defeat_request(actor=w["sc"], lead=ld, reason=DefeatReason.COMPETITOR, competitor_model="雅阁")
    ld.refresh_from_db()
    assert ld.status == LeadStatus.DEFEAT_PENDING
    with pytest.raises(NotAllowed):
        svc.lead_defeat_approve(actor=w["sc"], lead=ld)
    refused(svc.lead_defeat_return, "required", "defeat_decision_note", actor=w["mgr"], lead=ld, note="")
    svc.lead_defeat_return(actor=w["mgr"], lead=ld, note="再跟进一次，客户还在比价")
    ld.refresh_from_db()
    assert ld.status == LeadStatus.OPEN and ld.next_follow_up == timezone.localdate()
    svc.lead_defeat_request(actor=w["sc"], lead=ld, reason=DefeatReason.PRICE)
    svc.lead_defeat_approve(actor=w["mgr"], lead=ld, note="同意")
    ld.refresh_from_db()
    assert ld.status == LeadStatus.DEFEATED and ld.defeat_decided_by == w["mgr"]
    assert summary("defeats", person=w["sc"], dimension="reason:price") == 1
    refused(svc.lead_defeat_approve, "bad_transition", "status", actor=w["mgr"], lead=ld)
    refused(svc.followup_add, "bad_transition", "status", actor=w["sc"], lead=ld, channel="call", result="x")


def test_import_all_or_nothing_with_row_numbers(w):
    from fours.customers.models import Customer

    Customer.objects.create(group=w["store"].group, name="老客户", mobile="13600000001")
    existing = lead(w["store"], w["sc"], mobile="13600000009")
    rows = [
        {
            "line": 2,
            "name": "赵敏",
            "mobile": "13600000001",
            "model": "凯美瑞",
            "grade": "H",
            "campaign": "双十一",
        },
        {"line": 3, "name": "钱强", "mobile": "1360000", "model": "凯美瑞"},
        {"line": 4, "name": "孙丽", "mobile": "13600000001"},
        {"line": 5, "name": "周杰", "mobile": "13600000009"},
        {"line": 6, "name": "吴静", "mobile": "13600000006", "model": "不存在的车"},
    ]
    e = refused(svc.lead_import, "invalid", actor=w["mgr"], store=w["store"], rows=rows)
    keys = set(e.message_dict)
    assert keys == {"rows[3].mobile", "rows[4].mobile", "rows[5].mobile", "rows[6].model"}
    assert (
        "第5行" in e.message_dict["rows[5].mobile"][0]
        and existing.number in e.message_dict["rows[5].mobile"][0]
    )
    good = [rows[0], rows[3]]
    r = svc.lead_import(actor=w["mgr"], store=w["store"], rows=good, skip_duplicates=True, owner=w["sc2"])
    assert len(r.created) == 1 and r.matched == 1 and [ln for ln, _l in r.skipped] == [5]
    made = r.created[0]
    assert made.owner == w["sc2"] and made.campaign == "双十一" and made.grade == "H" and made.source == "oem"
    with pytest.raises(NotAllowed):
        svc.lead_import(actor=w["sc"], store=w["store"], rows=good)
    # unassigned import: the manager assigns later
    r2 = svc.lead_import(
        actor=w["mgr"], store=w["store"], rows=[{"line": 2, "name": "郑", "mobile": "13600000077"}]
    )
    assert r2.created[0].owner is None


def _book(w, ld, car, start, hours=1, **kw):
    kw.setdefault("driver_name", ld.name)
    kw.setdefault("licence_no", "440101199001011234")
    kw.setdefault("licence_expiry", timezone.localdate() + dt.timedelta(days=365))
    return svc.drive_book(
        actor=kw.pop("actor", w["sc"]),
        lead=ld,
        vehicle=car,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        **kw,
    )


def test_test_drive_booking_refuses_double_booking_and_an_expired_licence(w):
    ld = lead(w["store"], w["sc"])
    car = demo_car(w["store"], w["conf"])
    start = timezone.now() + dt.timedelta(hours=1)
    d = _book(w, ld, car, start)
    assert d.number.startswith("SJ-") and d.status == DriveStatus.BOOKED
    other = lead(w["store"], w["sc2"])
    e = refused(
        _book,
        "double_booked",
        "starts_at",
        w=w,
        ld=other,
        car=car,
        start=start + dt.timedelta(minutes=30),
        actor=w["sc2"],
    )
    assert ld.name in e.message_dict["starts_at"][0]
    _book(w, other, car, start + dt.timedelta(hours=1), actor=w["sc2"])  # back to back is fine
    refused(
        _book,
        "licence_expired",
        "licence_expiry",
        w=w,
        ld=ld,
        car=car,
        start=start + dt.timedelta(days=1),
        licence_expiry=timezone.localdate(),
    )
    stock_car = demo_car(w["store"], w["conf"], status="in_stock")
    refused(_book, "not_demo", "vehicle", w=w, ld=ld, car=stock_car, start=start + dt.timedelta(days=2))
    refused(_book, "date_order", "ends_at", w=w, ld=ld, car=car, start=start + dt.timedelta(days=3), hours=0)


def test_drive_start_needs_a_signature_and_finish_counts(w):
    ld = lead(w["store"], w["sc"])
    car = demo_car(w["store"], w["conf"])
    d = _book(w, ld, car, timezone.now() + dt.timedelta(minutes=10))
    refused(svc.drive_start, "required", "signature", actor=w["sc"], drive=d, signature="", odometer_out=100)
    refused(
        svc.drive_start,
        "required",
        "odometer_out",
        actor=w["sc"],
        drive=d,
        signature="data:image/png;base64,AA",
        odometer_out="",
    )
    svc.drive_start(actor=w["sc"], drive=d, signature="data:image/png;base64,AA", odometer_out=120)
    d.refresh_from_db()
    assert d.status == DriveStatus.DRIVING and d.agreement_signed_at
    refused(svc.drive_finish, "odometer_falling", "odometer_in", actor=w["sc"], drive=d, odometer_in=100)
    refused(svc.drive_finish, "out_of_range", "rating", actor=w["sc"], drive=d, odometer_in=130, rating=9)
    svc.drive_finish(actor=w["sc"], drive=d, odometer_in=135, rating=5, feedback="动力不错")
    d.refresh_from_db()
    assert d.status == DriveStatus.DONE and d.odometer_in == 135
    assert summary("test_drives", person=w["sc"], dimension=f"model:{w['model'].pk}") == 1
    # the next drive cannot start below the last odometer
    d2 = _book(w, ld, car, timezone.now() + dt.timedelta(hours=2))
    refused(
        svc.drive_start,
        "odometer_falling",
        "odometer_out",
        actor=w["sc"],
        drive=d2,
        signature="data:image/png;base64,AA",
        odometer_out=130,
    )
    refused(svc.drive_cancel, "required", "reason", actor=w["sc"], drive=d2, reason="")
    svc.drive_cancel(actor=w["sc"], drive=d2, reason="客户改期")


def test_lead_ordered_and_reopened(w):
    ld = lead(w["store"], w["sc"])
    svc.lead_mark_ordered(actor=w["sc"], lead=ld)
    ld.refresh_from_db()
    assert ld.status == LeadStatus.ORDERED and ld.next_follow_up is None
    svc.lead_reopen(actor=w["sc"], lead=ld)
    ld.refresh_from_db()
    assert ld.status == LeadStatus.OPEN


def test_next_mobile_is_fresh():
    assert next_mobile() != next_mobile()


def test_the_summaries_kept_equal_a_rebuild_from_the_documents(w):
    """What the showroom services add to DailySummary equals what the rebuild finds in the documents,
    also after a reassignment and a changed intended model moved a lead's count."""
    from fours.sales.summaries import summaries_from_documents

    other, _c = catalogue(series="卡罗拉", model="卡罗拉", conf="1.5L 先锋版")
    v = svc.visit_log(
        actor=w["sc"], store=w["store"], name="甲", mobile="13700000001", intended_model=w["model"]
    )
    svc.visit_log(actor=w["sc2"], store=w["store"], kind=VisitKind.CALL)
    svc.lead_assign(actor=w["mgr"], lead=v.lead, owner=w["sc2"])
    svc.lead_update(actor=w["sc2"], lead=v.lead, intended_model=other)
    ld = lead(w["store"], w["sc"])
    svc.followup_add(actor=w["sc"], lead=ld, channel="call", result="x")
    svc.lead_defeat_request(actor=w["sc"], lead=ld, reason="price")
    svc.lead_defeat_approve(actor=w["mgr"], lead=ld)
    car = demo_car(w["store"], w["conf"])
    d = _book(w, v.lead, car, timezone.now() + dt.timedelta(minutes=5), actor=w["sc2"])
    svc.drive_start(actor=w["sc2"], drive=d, signature="data:image/png;base64,AA", odometer_out=1)
    svc.drive_finish(actor=w["sc2"], drive=d, odometer_in=9)
    svc.lead_import(
        actor=w["mgr"], store=w["store"], rows=[{"line": 2, "name": "乙", "mobile": "13700000002"}]
    )
    showroom = {"traffic", "calls", "leads", "follow_ups", "defeats", "test_drives"}
    kept = {
        (r.day, r.metric, r.person_id, r.dimension): r.value
        for r in DailySummary.objects.filter(store=w["store"], metric__in=showroom)
        if r.value
    }
    rebuilt = {k: v for k, v in summaries_from_documents(w["store"]).items() if k[1] in showroom and v}
    assert kept == rebuilt
