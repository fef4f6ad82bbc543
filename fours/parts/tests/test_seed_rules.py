"""The seeds' parts rules (seed 000, seed 004 §2): purchase orders reviewed by the parts manager above the
author's purchase limit, the write-off loss split and staff-caused losses charged to the person, and the
quarterly stocktake with finance taking part."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.parts.choices import POStatus
from fours.parts.models import POLine, PurchaseOrder, Receipt, StockMove, Stocktake
from fours.parts.selectors import on_order
from fours.parts.services import (
    plan_approve,
    plan_line_save,
    plan_propose,
    plan_submit,
    plan_to_orders,
    po_approve,
    po_create,
    receipt_post,
)

from .factories import PartFactory, SupplierFactory, setting

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(make_user, store_a):
    return make_user(Role.PARTS_PLANNER, store_a, "planner_a")


@pytest.fixture
def supplier(group):
    return SupplierFactory(group=group, is_oem=True, lead_time_days=5)


def refused(fn, field, **kw):
    """The call is refused naming the field, and nothing was written (rows, moves, audit events)."""
    counts = (
        AuditEvent.objects.count(),
        StockMove.objects.count(),
        PurchaseOrder.objects.count(),
        Receipt.objects.count(),
    )
    with pytest.raises(BusinessError) as e:
        fn(**kw)
    assert field in e.value.message_dict, e.value.message_dict
    msg = e.value.message_dict[field][0]
    assert any("\u4e00" <= c <= "\u9fff" for c in msg), msg
    assert counts == (
        AuditEvent.objects.count(),
        StockMove.objects.count(),
        PurchaseOrder.objects.count(),
        Receipt.objects.count(),
    )
    return msg


# --- 1. purchase orders: 订单必须经由配件经理复核 ----------------------------------------------------------


def test_planner_order_above_his_limit_waits_for_the_parts_manager(
    store_a, group, planner, manager, keeper, supplier
):
    part = PartFactory(group=group, purchase_price=D("1000"))
    po = po_create(actor=planner, store=store_a, supplier=supplier, lines=[{"part": part, "qty": 25}])
    # 25,000 > the planner's seeded purchase limit of 20,000: not sent, not receivable
    assert po.status == POStatus.PENDING and po.ordered_at is None and po.approved_by is None
    assert on_order(store_a)[part.pk] == 25  # still counted as coming, so no second proposal
    line = po.lines.get()
    msg = refused(receipt_post, "order", actor=keeper, order=po, lines=[{"po_line": line, "qty": 25}])
    assert "待复核" in msg
    with pytest.raises(PermissionDenied):
        po_approve(actor=planner, po=po)  # the planner cannot review orders
    po_approve(actor=manager, po=po)
    po.refresh_from_db()
    assert po.status == POStatus.ORDERED and po.approved_by == manager and po.ordered_at is not None
    assert AuditEvent.objects.filter(verb="approved", object_id=str(po.pk)).exists()
    receipt_post(actor=keeper, order=po, lines=[{"po_line": line, "qty": 25}])


def test_order_within_the_limit_is_sent_and_carries_its_authors_approval(store_a, group, planner, supplier):
    part = PartFactory(group=group, purchase_price=D("1000"))
    po = po_create(actor=planner, store=store_a, supplier=supplier, lines=[{"part": part, "qty": 20}])
    assert po.status == POStatus.ORDERED and po.approved_by == planner and po.approved_at is not None


def test_review_refused_above_the_reviewers_limit_and_for_ones_own_order(
    store_a, group, planner, manager, make_user, supplier
):
    part = PartFactory(group=group, purchase_price=D("1000"))
    big = po_create(actor=planner, store=store_a, supplier=supplier, lines=[{"part": part, "qty": 250}])
    assert big.status == POStatus.PENDING
    msg = refused(po_approve, "status", actor=manager, po=big)  # 250,000 > the parts manager's 200,000
    assert "采购限额" in msg
    big.refresh_from_db()
    assert big.status == POStatus.PENDING and big.approved_by is None
    po_approve(actor=make_user(Role.GENERAL_MANAGER, store_a, "gm_a"), po=big)  # the GM's 1,000,000
    own = po_create(actor=manager, store=store_a, supplier=supplier, lines=[{"part": part, "qty": 210}])
    assert own.status == POStatus.PENDING
    msg = refused(po_approve, "status", actor=manager, po=own)
    assert "自己" in msg


def test_order_from_an_approved_plan_carries_the_plan_approval(store_a, group, planner, manager, supplier):
    part = PartFactory(group=group, purchase_price=D("1000"))
    setting(store_a, part, min_qty=1, max_qty=60)
    plan = plan_propose(actor=planner, store=store_a)[0]
    plan_line_save(actor=planner, plan=plan, part=part, qty=60)  # 60,000: above the planner, within the PM
    plan_submit(actor=planner, plan=plan)
    plan_approve(actor=manager, plan=plan)
    (po,) = plan_to_orders(actor=planner, plan=plan)
    po.refresh_from_db()
    assert po.status == POStatus.ORDERED and po.plan == plan and po.approved_by == manager


def test_order_pages_show_the_review_button_only_to_the_reviewer(
    store_a, group, planner, manager, client_for, api_for, supplier
):
    part = PartFactory(group=group, purchase_price=D("1000"))
    c = client_for(planner)
    r = c.post(
        reverse("parts:po-create"),
        {"supplier": supplier.pk, "part_no": [part.part_no], "qty": ["30"], "unit_price": [""]},
        follow=True,
    )
    po = PurchaseOrder.objects.get()
    assert po.status == POStatus.PENDING and "复核" in r.content.decode()
    assert reverse("parts:po-approve", args=[po.pk]) not in r.content.decode()
    assert c.post(reverse("parts:po-approve", args=[po.pk])).status_code == 302
    po.refresh_from_db()
    assert po.status == POStatus.PENDING  # refused for the planner
    page = client_for(manager).get(po.get_absolute_url()).content.decode()
    assert reverse("parts:po-approve", args=[po.pk]) in page
    assert api_for(planner).post(reverse("api-purchase-order-approve", args=[po.pk])).status_code == 403
    r = api_for(manager).post(reverse("api-purchase-order-approve", args=[po.pk]))
    assert r.status_code == 200 and r.json()["status"] == "ordered" and r.json()["approved_by"] == manager.pk
    assert POLine.objects.get().order.status == POStatus.ORDERED


# --- 5. the quarterly full count with finance taking part ---------------------------------------------


def _counted_quarterly(store, keeper, part):
    from fours.parts.services import stocktake_count, stocktake_create, stocktake_submit

    st = stocktake_create(actor=keeper, store=store, kind="quarterly")
    line = st.lines.get(part=part)
    stocktake_count(actor=keeper, stocktake=st, counts={line.pk: (line.book_qty - 1, "damage")})
    stocktake_submit(actor=keeper, stocktake=st)
    return st


def test_quarterly_stocktake_is_not_posted_without_finance(store_a, group, keeper, manager, make_user):
    from fours.core.errors import NotAllowed
    from fours.parts.choices import StocktakeStatus
    from fours.parts.selectors import balance_of
    from fours.parts.services import stock_receive, stocktake_approve, stocktake_finance_confirm

    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("20"), doc=part)
    st = _counted_quarterly(store_a, keeper, part)
    msg = refused(stocktake_approve, "finance", actor=manager, stocktake=st)
    assert "财务" in msg
    st.refresh_from_db()
    assert st.status == StocktakeStatus.SUBMITTED and st.approved_by is None
    assert balance_of(store_a, part).on_hand == 10
    with pytest.raises(NotAllowed):  # the parts manager is not finance
        stocktake_finance_confirm(actor=manager, stocktake=st)
    finance = make_user(Role.FINANCE, store_a, "fin_a")
    stocktake_finance_confirm(actor=finance, stocktake=st)
    st.refresh_from_db()
    assert st.finance_by == finance and st.finance_at is not None
    stocktake_approve(actor=manager, stocktake=st)
    assert balance_of(store_a, part).on_hand == 9


def test_quarterly_count_covers_every_part_and_a_recount_needs_finance_again(
    store_a, group, keeper, manager, make_user
):
    from fours.parts.services import (
        stock_receive,
        stocktake_approve,
        stocktake_create,
        stocktake_finance_confirm,
        stocktake_reopen,
        stocktake_submit,
    )

    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("20"), doc=part)
    msg = refused(
        stocktake_create,
        "scope",
        actor=keeper,
        store=store_a,
        kind="quarterly",
        scope="class",
        scope_value="A",
    )
    assert "全部" in msg
    assert not Stocktake.objects.exists()
    st = _counted_quarterly(store_a, keeper, part)
    stocktake_finance_confirm(actor=make_user(Role.FINANCE, store_a, "fin_a"), stocktake=st)
    stocktake_reopen(actor=manager, stocktake=st)
    stocktake_submit(actor=keeper, stocktake=st)
    refused(
        stocktake_approve, "finance", actor=manager, stocktake=st
    )  # the confirmation went with the recount


def test_monthly_stocktake_is_posted_by_the_parts_manager_alone(store_a, group, keeper, manager):
    from fours.parts.services import stock_receive, stocktake_approve, stocktake_create, stocktake_submit

    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("20"), doc=part)
    st = stocktake_create(actor=keeper, store=store_a)
    assert st.kind == "monthly"
    from fours.parts.services import stocktake_count

    stocktake_count(actor=keeper, stocktake=st, counts={ln.pk: ln.book_qty for ln in st.lines.all()})
    stocktake_submit(actor=keeper, stocktake=st)
    assert stocktake_approve(actor=manager, stocktake=st).status == "posted"


def test_stocktake_page_offers_the_finance_sign_off_to_finance_only(
    store_a, group, keeper, manager, make_user, client_for
):
    from fours.parts.services import stock_receive

    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("20"), doc=part)
    st = _counted_quarterly(store_a, keeper, part)
    page = client_for(manager).get(st.get_absolute_url()).content.decode()
    assert 'id="finance-confirm"' not in page and 'id="finance-needed"' in page
    assert reverse("parts:stocktake-act", args=[st.pk, "approve"]) not in page
    finance = make_user(Role.FINANCE, store_a, "fin_a")
    c = client_for(finance)
    assert 'id="finance-confirm"' in c.get(st.get_absolute_url()).content.decode()
    c.post(reverse("parts:stocktake-act", args=[st.pk, "finance"]))
    st.refresh_from_db()
    assert st.finance_by == finance
    page = client_for(manager).get(st.get_absolute_url()).content.decode()
    assert reverse("parts:stocktake-act", args=[st.pk, "approve"]) in page
    sheet = client_for(manager).get(reverse("parts:stocktake-sheet", args=[st.pk])).content.decode()
    assert "财务" in sheet and "季度全面清点" in sheet


# --- 3. write-offs: the 70/10/10/10 split and staff-caused losses charged to the person -----------------


def _approved(wo, store, make_user, manager):
    from fours.core.selectors import users_with_role
    from fours.parts.services import writeoff_approve

    svc = users_with_role(store, Role.SERVICE_MANAGER).first() or make_user(
        Role.SERVICE_MANAGER, store, "svc_a"
    )
    writeoff_approve(actor=svc, writeoff=wo, role=Role.SERVICE_MANAGER)
    writeoff_approve(
        actor=make_user(Role.WARRANTY_CLERK, store, "war_a"), writeoff=wo, role=Role.WARRANTY_CLERK
    )
    writeoff_approve(actor=manager, writeoff=wo, role=Role.PARTS_MANAGER)


@pytest.fixture
def stocked(store_a, group, keeper):
    from fours.parts.services import stock_receive

    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("33.33"), doc=part)
    return part


def _charges(wo):
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.models import OpenItem

    return list(
        OpenItem.objects.filter(doc_type=ContentType.objects.get_for_model(wo), doc_id=wo.pk)
        .select_related("party")
        .order_by("id")
    )


def test_writeoff_loss_is_split_by_the_store_setting(
    store_a, stocked, keeper, manager, make_user, client_for
):
    from fours.parts.models import PartsConfig
    from fours.parts.services import writeoff_create, writeoff_post

    gm = make_user(Role.GENERAL_MANAGER, store_a, "gm_a")
    svc = make_user(Role.SERVICE_MANAGER, store_a, "svc_a")
    wo = writeoff_create(actor=keeper, store=store_a, reason="defective", lines=[{"part": stocked, "qty": 3}])
    shares = [(s.party, s.pct, s.user, s.amount) for s in wo.shares.order_by("id")]
    # 99.99: 10% each is 10.00 to the GM, the service manager and the parts manager; the store bears 69.99
    assert wo.total_cost == D("99.99")
    assert shares[0] == ("company", 70, None, D("69.99"))
    assert [(p, pct, a) for p, pct, _u, a in shares[1:]] == [
        ("gm", 10, D("10.00")),
        ("svc_mgr", 10, D("10.00")),
        ("parts_mgr", 10, D("10.00")),
    ]
    assert (shares[1][2], shares[2][2], shares[3][2]) == (gm, svc, manager)
    _approved(wo, store_a, make_user, manager)
    writeoff_post(actor=keeper, writeoff=wo)
    # each person's share is an open item (员工赔偿) of the write-off on their party in finance
    charges = {(c.party.ref, c.amount, c.source) for c in _charges(wo)}
    assert charges == {
        (f"auth.user:{gm.pk}", D("10.00"), "staff_charge"),
        (f"auth.user:{svc.pk}", D("10.00"), "staff_charge"),
        (f"auth.user:{manager.pk}", D("10.00"), "staff_charge"),
    }
    assert {c.party.name for c in _charges(wo)} == {
        gm.get_full_name() or gm.username,
        svc.get_full_name() or svc.username,
        manager.get_full_name() or manager.username,
    }
    assert StockMove.objects.get(doc_number=wo.number).kind == "write_off"
    # the split is the store's setting: another split for the next document
    PartsConfig.objects.create(store=store_a, writeoff_store_pct=80, writeoff_gm_pct=0, writeoff_parts_pct=10)
    wo2 = writeoff_create(
        actor=keeper, store=store_a, reason="defective", lines=[{"part": stocked, "qty": 1}]
    )
    assert [(s.party, s.pct) for s in wo2.shares.order_by("id")] == [
        ("company", 80),
        ("svc_mgr", 10),
        ("parts_mgr", 10),
    ]
    # shown on the document and its print
    c = client_for(manager)
    page = c.get(wo.get_absolute_url()).content.decode()
    assert "总经理承担（10%）" in page and "公司承担（70%）" in page and "¥69.99" in page
    printed = c.get(reverse("parts:writeoff-print", args=[wo.pk])).content.decode()
    assert "总经理承担（10%）" in printed and "员工赔偿" in printed


def test_staff_caused_loss_is_charged_to_the_person_not_written_off(
    store_a, stocked, keeper, manager, make_user
):
    from fours.parts.choices import WriteOffStatus
    from fours.parts.selectors import balance_of
    from fours.parts.services import writeoff_create, writeoff_post

    tech = make_user(Role.TECHNICIAN, store_a, "tech_a")
    wo = writeoff_create(
        actor=keeper, store=store_a, reason="damaged", lines=[{"part": stocked, "qty": 2}], responsible=tech
    )
    assert [(s.party, s.user, s.amount) for s in wo.shares.all()] == [("employee", tech, D("66.66"))]
    _approved(wo, store_a, make_user, manager)
    writeoff_post(actor=keeper, writeoff=wo)
    wo.refresh_from_db()
    assert wo.status == WriteOffStatus.CHARGED and wo.responsible == tech
    (charge,) = _charges(wo)
    assert (charge.party.ref, charge.party.kind, charge.amount, charge.status, charge.store) == (
        f"auth.user:{tech.pk}",
        "internal",
        D("66.66"),
        "open",
        store_a,
    )
    assert charge.doc == wo and charge.doc_number == wo.number and charge.direction == "ar"
    move = StockMove.objects.get(doc_number=wo.number)
    assert move.kind == "staff_charge" and move.qty == -2  # the store writes nothing off
    assert not StockMove.objects.filter(kind="write_off").exists()
    assert balance_of(store_a, stocked).on_hand == 8


def test_staff_caused_loss_refused_for_a_stranger_or_with_a_split(
    store_a, store_b, stocked, keeper, make_user
):
    from fours.parts.models import WriteOff
    from fours.parts.services import writeoff_create

    stranger = make_user(Role.TECHNICIAN, store_b, "tech_b")
    for kw in (
        {"responsible": stranger},
        {"responsible": keeper, "shares": [{"party": "company", "amount": "33.33"}]},
    ):
        msg = refused(
            writeoff_create,
            "responsible",
            actor=keeper,
            store=store_a,
            reason="damaged",
            lines=[{"part": stocked, "qty": 1}],
            **kw,
        )
        assert "责任人" in msg
    assert not WriteOff.objects.exists()


def test_writeoff_form_routes_a_staff_caused_loss(store_a, stocked, keeper, client_for):
    from fours.parts.models import WriteOff

    c = client_for(keeper)
    page = c.get(reverse("parts:writeoff-create")).content.decode()
    assert 'name="responsible"' in page and "70%" in page
    c.post(
        reverse("parts:writeoff-create"),
        {"reason": "damaged", "part_no": [stocked.part_no], "qty": ["1"], "responsible": str(keeper.pk)},
    )
    wo = WriteOff.objects.get()
    assert wo.responsible == keeper and [s.party for s in wo.shares.all()] == ["employee"]
