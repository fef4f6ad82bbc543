"""The API actions the flow test does not walk: part lines, cancel, confirm-added, reverse, the
part-line requisition, dispatch to a technician, and the appointments API. Each checks what changed,
and at least one refusal that changes nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.models import Allocation, OpenItem, Payment
from fours.parts.models import FillRateRecord, PurchaseDemand, StockBalance, StockMove
from fours.service import selectors, services
from fours.service.models import Appointment, PartLine, Settlement

from .conftest import ALL_OK, confirmed, finish_work, pay_at_desk, ready_to_settle, receive

pytestmark = pytest.mark.django_db


def fields(r) -> dict:
    return r.json()["error"]["fields"]


def ro_state(ro):
    ro.refresh_from_db()
    money = selectors.ro_money(ro)
    return (
        ro.status,
        money.customer_due,
        money.paid,
        ro.invoice_no,
        list(ro.parts.values_list("id", "status", "approval", "qty_issued").order_by("id")),
        list(ro.labour.values_list("id", "status", "approval").order_by("id")),
        Settlement.objects.filter(ro=ro).count(),
        list(OpenItem.objects.values_list("id", "status", "allocated").order_by("id")),
        Payment.objects.count(),
        Allocation.objects.count(),
        StockMove.objects.count(),
        list(StockBalance.objects.values_list("part_id", "on_hand", "reserved").order_by("id")),
        AuditEvent.objects.count(),
    )


# --- part lines -----------------------------------------------------------------------------------


def test_parts_adds_a_line_at_the_payer_price_and_refuses_an_unknown_part(world, store_a, api_for):
    w = world
    ro = receive(w, store_a)
    api = api_for(w["advisor"])
    url = reverse("api-repair-order-parts", args=[ro.pk])
    r = api.post(url, {"part_no": w["pads"].part_no, "qty": "2", "payer": "customer"}, format="json")
    assert r.status_code == 200, r.json()
    (line,) = r.json()["parts"]
    assert (line["part_no"], line["qty"], line["unit_price"], line["amount"]) == (
        w["pads"].part_no,
        "2.000",
        "598.00",
        "1196.00",
    )
    assert (line["status"], line["approval"], line["is_added"]) == ("planned", "approved", False)
    before = ro_state(ro)
    r = api.post(url, {"part_no": "NOSUCHPART", "qty": "1"}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["part_no"]
    r = api.post(url, {"part_no": w["pads"].part_no, "qty": "0.5"}, format="json")  # pieces are whole
    assert r.status_code == 400 and list(fields(r)) == ["qty"]
    r = api.post(url, {"part_no": w["pads"].part_no, "qty": "1", "payer": "insurance"}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["payer"]  # no insurer on the order
    assert ro_state(ro) == before


def test_parts_added_after_the_estimate_wait_for_confirm_added(world, store_a, api_for):
    w = world
    ro = confirmed(w, store_a)
    api = api_for(w["advisor"])
    confirm = reverse("api-repair-order-confirm-added", args=[ro.pk])
    before = ro_state(ro)
    r = api.post(confirm, {"signer_name": "王建国", "method": "print"}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["lines"]  # nothing waits for the customer
    assert ro_state(ro) == before
    r = api.post(reverse("api-repair-order-parts", args=[ro.pk]), {"part_no": w["rare"].part_no, "qty": "1"})
    assert r.status_code == 200
    added = PartLine.objects.get(ro=ro, part=w["rare"])
    assert added.is_added and added.approval == "pending"
    before = ro_state(ro)
    r = api.post(confirm, {"signer_name": "王建国", "method": "signature", "signature": "x"}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["signature"]
    assert ro_state(ro) == before
    r = api.post(confirm, {"signer_name": "王建国", "method": "print"}, format="json")
    assert r.status_code == 200, r.json()
    by_id = {p["id"]: p for p in r.json()["parts"]}
    assert by_id[added.pk]["approval"] == "approved" and by_id[added.pk]["status"] == "planned"
    assert ro.approvals.filter(kind="added", approved=True).count() == 1
    # a declined added job is cancelled
    api.post(reverse("api-repair-order-parts", args=[ro.pk]), {"part_no": w["filter"].part_no, "qty": "1"})
    second = PartLine.objects.filter(ro=ro, part=w["filter"], approval="pending").get()
    r = api.post(confirm, {"signer_name": "王建国", "method": "print", "approved": False}, format="json")
    assert r.status_code == 200
    second.refresh_from_db()
    assert (second.approval, second.status) == ("declined", "cancelled")


def test_part_line_request_goes_to_the_pick_list_once(world, store_a, api_for):
    w = world
    ro = confirmed(w, store_a)
    line = PartLine.objects.get(ro=ro, part=w["pads"])
    tech = api_for(w["tech"])
    url = reverse("api-part-line-request-issue", args=[line.pk])
    r = tech.post(url)
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "requested"
    line.refresh_from_db()
    assert line.requested_by == w["tech"] and line.requested_at is not None
    fr = FillRateRecord.objects.get(part=w["pads"], channel="repair")
    assert (fr.qty_requested, fr.qty_served) == (1, 1)
    before = ro_state(ro), FillRateRecord.objects.count()
    r = tech.post(url)
    assert r.status_code == 400 and list(fields(r)) == ["line"]  # already requested
    assert (ro_state(ro), FillRateRecord.objects.count()) == before


def test_part_line_request_refuses_an_added_part_not_yet_confirmed_and_other_stores(
    world, store_a, store_b, make_user, api_for
):
    w = world
    ro = confirmed(w, store_a)
    added = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["rare"], qty=1)
    before = ro_state(ro), FillRateRecord.objects.count(), PurchaseDemand.objects.count()
    r = api_for(w["tech"]).post(reverse("api-part-line-request-issue", args=[added.pk]))
    assert r.status_code == 400 and list(fields(r)) == ["line"]
    other = api_for(make_user(Role.TECHNICIAN, store_b, "tech_b"))
    assert other.post(reverse("api-part-line-request-issue", args=[added.pk])).status_code == 404
    assert (ro_state(ro), FillRateRecord.objects.count(), PurchaseDemand.objects.count()) == before


def test_part_line_request_without_stock_records_a_shortage(world, store_a, api_for):
    w = world
    ro = confirmed(w, store_a)
    line = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["rare"], qty=1)
    services.ro_added_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    r = api_for(w["tech"]).post(reverse("api-part-line-request-issue", args=[line.pk]))
    assert r.status_code == 200 and r.json()["status"] == "waiting"
    assert PurchaseDemand.objects.get(part=w["rare"]).qty == 1


# --- cancel -----------------------------------------------------------------------------------------


def test_cancel_releases_the_order_and_refuses_with_issued_parts(world, store_a, api_for):
    w = world
    ro = confirmed(w, store_a)
    api = api_for(w["advisor"])
    url = reverse("api-repair-order-cancel", args=[ro.pk])
    pads = PartLine.objects.get(ro=ro, part=w["pads"])
    services.part_issue(actor=w["keeper"], line=pads, old_part_handed_in=True)
    before = ro_state(ro)
    r = api.post(url, {"reason": "客户不修了"}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["cancel_reason"]  # return the issued part first
    r = api.post(url, {"reason": ""}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["reason"]
    r = api_for(w["keeper"]).post(url, {"reason": "x"}, format="json")
    assert r.status_code == 403
    assert ro_state(ro) == before
    services.part_return(actor=w["keeper"], line=pads, qty=1)
    r = api.post(url, {"reason": "客户不修了"}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "cancelled"
    assert {ln["status"] for ln in body["labour"]} == {"cancelled"}
    ro.refresh_from_db()
    assert ro.cancel_reason == "客户不修了"
    assert set(ro.parts.filter(qty_issued=0).values_list("status", flat=True)) == {"cancelled"}
    assert not StockBalance.objects.filter(store=store_a, reserved__gt=0).exists()
    r = api.post(url, {"reason": "再取消"}, format="json")
    assert r.status_code == 400  # a cancelled order stays cancelled


# --- settlement: reverse -------------------------------------------------------------------------------


@pytest.fixture
def paid(world, store_a):
    """A settled order the customer paid in full at the cashier desk."""
    ro = ready_to_settle(world, store_a)
    st = services.ro_settle(actor=world["cashier"], ro=ro)
    pay_at_desk(world, ro)
    ro.refresh_from_db()
    return ro, st


def test_reverse_appends_a_red_letter_settlement(world, paid, api_for):
    w = world
    ro, st = paid
    url = reverse("api-repair-order-reverse", args=[ro.pk])
    before = ro_state(ro)
    assert api_for(w["cashier"]).post(url, {"reason": "开错发票"}, format="json").status_code == 403
    r = api_for(w["manager"]).post(url, {"reason": ""}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["reason"]
    assert ro_state(ro) == before
    r = api_for(w["manager"]).post(url, {"reason": "开错发票"}, format="json")
    assert r.status_code == 201, r.json()
    rev = r.json()
    assert rev["kind"] == "reversal" and D(rev["total"]) == -st.total
    assert D(rev["customer_amount"]) == -st.customer_amount
    assert D(rev["advance"]) == st.customer_amount  # what was paid became the customer's advance
    st.refresh_from_db()
    assert st.reversed_by.pk == rev["id"] and st.invoice_no  # the original stays as it was
    ro.refresh_from_db()
    money = selectors.ro_money(ro)
    assert (ro.status, ro.invoice_no, money.customer_due, money.paid) == ("awaiting_settlement", "", 0, 0)
    assert not selectors.ro_items(ro)  # every item of the settlement reversed
    before = ro_state(ro)
    r = api_for(w["manager"]).post(url, {"reason": "再冲一次"}, format="json")
    assert r.status_code == 400  # nothing settled to reverse
    assert ro_state(ro) == before


def test_reverse_refuses_when_the_manufacturer_paid_part_of_its_share(world, store_a, api_for):
    from fours.finance.services import payment_take

    w = world
    ro = confirmed(w, store_a)
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_diag"], payer="warranty")
    services.ro_added_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="phone")
    ro = finish_work(w, ro)
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    services.ro_settle(actor=w["cashier"], ro=ro)
    claim = next(i for i in selectors.ro_items(ro) if i.source == "ro_warranty")
    payment_take(
        actor=w["cashier"],
        store=store_a,
        party=claim.party,
        lines=[("transfer", "50")],
        allocations=[(claim, "50")],
    )
    before = ro_state(ro)
    r = api_for(w["manager"]).post(reverse("api-repair-order-reverse", args=[ro.pk]), {"reason": "x"})
    assert r.status_code == 400 and list(fields(r)) == ["reason"]
    assert r.json()["error"]["code"] == "partly_paid"
    assert ro_state(ro) == before


# --- dispatch -----------------------------------------------------------------------------------------


def test_dispatch_tells_nothing_about_users_outside_the_store(world, store_a, store_b, make_user, api_for):
    w = world
    ro = confirmed(w, store_a)
    line = ro.labour.first()
    stranger = make_user(Role.TECHNICIAN, store_b, "tech_b")
    stranger.first_name, stranger.last_name = "秘密", "张"
    stranger.save()
    fm = api_for(w["foreman"])
    url = reverse("api-labour-line-dispatch", args=[line.pk])
    before = ro_state(ro)
    answers = []
    for pk in (stranger.pk, 999999, w["advisor"].pk):
        r = fm.post(url, {"technician": pk}, format="json")
        assert r.status_code == 400, r.content
        answers.append(r.json())
        assert "秘密" not in r.content.decode() and "tech_b" not in r.content.decode()
    assert answers[0] == answers[1] == answers[2]
    assert fields(r) == {"technician": ["请选择本店的技师"]}
    assert ro_state(ro) == before
    r = fm.post(url, {"technician": w["tech"].pk, "bay": w["bay"].pk}, format="json")
    assert r.status_code == 200 and r.json()["technician"] == "tech1" and r.json()["bay"] == "01"


# --- appointments -------------------------------------------------------------------------------------


def tomorrow():
    return timezone.localdate() + dt.timedelta(days=1)


def appt_state():
    return (
        list(Appointment.objects.values_list("id", "status", "parts_reserved").order_by("id")),
        list(StockBalance.objects.values_list("part_id", "reserved").order_by("id")),
        AuditEvent.objects.count(),
    )


def test_appointments_book_list_cancel_and_no_show(world, store_a, api_for):
    w = world
    api = api_for(w["advisor"])
    body = {
        "vehicle": w["vehicle"].pk,
        "advisor": w["advisor"].pk,
        "date": tomorrow().isoformat(),
        "slot": "09:00",
        "package": w["package"].pk,
    }
    r = api.post(reverse("api-appointment-list"), body, format="json")
    assert r.status_code == 201, r.json()
    appt = r.json()
    assert appt["status"] == "booked" and appt["number"] and appt["parts_reserved"] is True
    assert appt["plate"] == "粤A12345" and appt["customer"] == w["vehicle"].owner_id
    oil = StockBalance.objects.get(store=store_a, part=w["oil"])
    assert oil.reserved == D("4.5")
    listed = api.get(reverse("api-appointment-list"), {"date": tomorrow().isoformat()}).json()
    assert [a["id"] for a in listed["results"]] == [appt["id"]]
    assert (
        api.get(reverse("api-appointment-list"), {"date": timezone.localdate().isoformat()}).json()["count"]
        == 0
    )
    assert api.get(reverse("api-appointment-detail", args=[appt["id"]])).json()["slot"] == "09:00:00"
    cancel = reverse("api-appointment-cancel", args=[appt["id"]])
    before = appt_state()
    r = api.post(cancel, {}, format="json")
    assert r.status_code == 400 and list(fields(r)) == ["reason"]
    assert appt_state() == before
    r = api.post(cancel, {"reason": "客户改期"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == "客户改期"
    oil.refresh_from_db()
    assert oil.reserved == 0
    before = appt_state()
    r = api.post(cancel, {"reason": "再取消"}, format="json")
    assert r.status_code == 400
    r = api.post(reverse("api-appointment-no-show", args=[appt["id"]]))
    assert r.status_code == 400
    assert appt_state() == before
    # another booking, and the customer does not come
    r = api.post(reverse("api-appointment-list"), dict(body, slot="10:00"), format="json")
    assert r.status_code == 201
    r = api.post(reverse("api-appointment-no-show", args=[r.json()["id"]]))
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    assert StockBalance.objects.get(store=store_a, part=w["oil"]).reserved == 0


def test_appointment_refusals_book_nothing(world, store_a, store_b, make_user, api_for):
    w = world
    api = api_for(w["advisor"])
    url = reverse("api-appointment-list")
    good = {
        "vehicle": w["vehicle"].pk,
        "advisor": w["advisor"].pk,
        "date": tomorrow().isoformat(),
        "slot": "09:00",
    }
    before = appt_state()
    r = api.post(url, good, format="json")  # neither a package nor jobs
    assert r.status_code == 400 and list(fields(r)) == ["jobs"]
    r = api.post(url, dict(good, jobs="异响", date=(timezone.localdate() - dt.timedelta(days=1)).isoformat()))
    assert r.status_code == 400 and list(fields(r)) == ["date"]
    r = api.post(url, dict(good, jobs="异响", advisor=w["tech"].pk), format="json")
    assert r.status_code == 400 and list(fields(r)) == ["advisor"]
    # another store's advisor is answered like an id that does not exist, without a name
    b_advisor = make_user(Role.SERVICE_ADVISOR, store_b, "sa_b")
    b_advisor.first_name = "秘密"
    b_advisor.save()
    r = api.post(url, dict(good, jobs="异响", advisor=b_advisor.pk), format="json")
    assert r.status_code == 400 and list(fields(r)) == ["advisor"]
    assert "秘密" not in r.content.decode() and "sa_b" not in r.content.decode()
    unknown = api.post(url, dict(good, jobs="异响", advisor=b_advisor.pk + 1000), format="json")
    assert fields(unknown) == {
        "advisor": [m.replace(str(b_advisor.pk), str(b_advisor.pk + 1000)) for m in fields(r)["advisor"]]
    }
    assert api_for(w["tech"]).post(url, dict(good, jobs="异响"), format="json").status_code == 403
    assert appt_state() == before
    appt = services.appointment_create(
        actor=w["advisor"],
        store=store_a,
        vehicle=w["vehicle"],
        advisor=w["advisor"],
        date=tomorrow(),
        slot=dt.time(9, 0),
        jobs="异响",
    )
    other = api_for(make_user(Role.SERVICE_ADVISOR, store_b, "sa_b2"))
    assert other.get(reverse("api-appointment-detail", args=[appt.pk])).status_code == 404
    before = appt_state()
    r = other.post(reverse("api-appointment-cancel", args=[appt.pk]), {"reason": "x"}, format="json")
    assert r.status_code == 404
    assert other.get(url).json()["count"] == 0
    assert appt_state() == before
