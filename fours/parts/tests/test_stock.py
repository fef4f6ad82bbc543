"""The stock ledger: moving average, running balance, refusals that change nothing."""

from decimal import Decimal as D

import pytest

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.parts.choices import MoveKind
from fours.parts.models import PurchaseDemand, StockBalance, StockMove
from fours.parts.selectors import balance_of, stock_card, stock_differences
from fours.parts.services import (
    purchase_demand_add,
    stock_issue,
    stock_move_reverse,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_return,
)

from .factories import PartFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(
            StockBalance.objects.values_list("part_id", "on_hand", "reserved", "value", "avg_cost").order_by(
                "id"
            )
        ),
        StockMove.objects.count(),
        AuditEvent.objects.count(),
    )


def test_receive_and_issue_moving_average(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("10"), doc=part)
    m = stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("12"), doc=part)
    assert m.balance_qty == 20 and m.balance_value == D("220.00") and m.avg_cost == D("11.0000")
    out = stock_issue(actor=keeper, store=store_a, part=part, qty=5, doc=part, kind=MoveKind.COUNTER_SALE)
    assert out.qty == -5 and out.value == D("-55.00") and out.unit_cost == D("11.0000")
    b = balance_of(store_a, part)
    assert (b.on_hand, b.value, b.avg_cost) == (15, D("165.00"), D("11.0000"))
    last = stock_issue(actor=keeper, store=store_a, part=part, qty=15, doc=part)
    assert last.balance_value == 0 and last.value == D("-165.00")
    assert stock_differences() == []


def test_stock_card_running_balance(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=3, unit_cost=D("7.5"), doc=part)
    stock_issue(actor=keeper, store=store_a, part=part, qty=1, doc=part)
    card = list(stock_card(keeper, store_a, part))
    assert [m.balance_qty for m in card] == [3, 2]
    assert card[-1].balance_value == D("15.00")


def test_stock_card_other_store_empty(store_a, store_b, part, make_user):
    from fours.core.roles import Role

    other = make_user(Role.STOREKEEPER, store_b, "kb")
    assert list(stock_card(other, store_a, part)) == []


@pytest.mark.parametrize("qty", [0, -1, "abc", D("1.5")])
def test_bad_quantities_refused_nothing_changed(store_a, part, keeper, qty):
    stock_receive(actor=keeper, store=store_a, part=part, qty=5, unit_cost=1, doc=part)
    before = snapshot()
    with pytest.raises(BusinessError) as e:
        stock_issue(actor=keeper, store=store_a, part=part, qty=qty, doc=part)
    assert "qty" in e.value.message_dict
    assert snapshot() == before


def test_litre_allows_two_decimals(store_a, oil, keeper):
    stock_receive(actor=keeper, store=store_a, part=oil, qty=D("20.5"), unit_cost=D("60"), doc=oil)
    stock_issue(actor=keeper, store=store_a, part=oil, qty=D("4.25"), doc=oil)
    before = snapshot()
    with pytest.raises(BusinessError):
        stock_issue(actor=keeper, store=store_a, part=oil, qty=D("1.125"), doc=oil)
    assert snapshot() == before


def test_selling_more_than_on_hand_refused(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=2, unit_cost=5, doc=part)
    before = snapshot()
    with pytest.raises(BusinessError) as e:
        stock_issue(actor=keeper, store=store_a, part=part, qty=3, doc=part)
    assert "库存不足" in str(e.value.message_dict["qty"])
    assert snapshot() == before


def test_issue_without_document_refused(store_a, part, keeper):
    with pytest.raises(BusinessError) as e:
        stock_issue(actor=keeper, store=store_a, part=part, qty=1, doc=None)
    assert "doc" in e.value.message_dict


def test_negative_allowed_when_store_allows(store_a, part, keeper):
    store_a.allow_negative_stock = True
    store_a.save()
    stock_receive(actor=keeper, store=store_a, part=part, qty=1, unit_cost=10, doc=part)
    m = stock_issue(actor=keeper, store=store_a, part=part, qty=3, doc=part)
    assert m.balance_qty == -2
    stock_receive(actor=keeper, store=store_a, part=part, qty=2, unit_cost=10, doc=part)
    assert balance_of(store_a, part).value == 0
    assert stock_differences() == []


def test_reserve_release_and_issue_consumes_reservation(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=4, unit_cost=10, doc=part)
    doc = PartFactory(group=part.group)  # any model instance is a document
    stock_reserve(actor=keeper, store=store_a, part=part, qty=3, doc=doc)
    assert balance_of(store_a, part).available == 1
    with pytest.raises(BusinessError):
        stock_issue(actor=keeper, store=store_a, part=part, qty=2, doc=part)
    stock_issue(actor=keeper, store=store_a, part=part, qty=2, doc=doc)  # consumes 2 of its reservation
    b = balance_of(store_a, part)
    assert (b.on_hand, b.reserved) == (2, 1)
    with pytest.raises(BusinessError):
        stock_release(actor=keeper, store=store_a, part=part, qty=2, doc=doc)
    stock_release(actor=keeper, store=store_a, part=part, qty=1, doc=doc)
    assert balance_of(store_a, part).reserved == 0
    assert stock_differences() == []


def test_return_at_average_or_given_cost(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=2, unit_cost=10, doc=part)
    stock_issue(actor=keeper, store=store_a, part=part, qty=2, doc=part)
    m = stock_return(actor=keeper, store=store_a, part=part, qty=1, doc=part)
    assert m.unit_cost == D("10.0000") and m.kind == MoveKind.RO_RETURN
    m2 = stock_return(
        actor=keeper,
        store=store_a,
        part=part,
        qty=1,
        doc=part,
        unit_cost=D("14"),
        kind=MoveKind.CUSTOMER_RETURN,
    )
    assert m2.avg_cost == D("12.0000")


def test_reversal_appends_opposite_move(store_a, part, keeper, manager):
    r = stock_receive(actor=keeper, store=store_a, part=part, qty=5, unit_cost=10, doc=part)
    stock_receive(actor=keeper, store=store_a, part=part, qty=5, unit_cost=20, doc=part)
    rev = stock_move_reverse(actor=manager, move=r)
    assert rev.qty == -5 and rev.kind == MoveKind.REVERSAL and rev.balance_value == D("100.00")
    assert rev.avg_cost == D("20.0000")
    r.refresh_from_db()
    assert r.qty == 5  # the original is untouched
    before = snapshot()
    with pytest.raises(BusinessError):
        stock_move_reverse(actor=manager, move=r)
    assert snapshot() == before


def test_reversal_needs_permission(store_a, part, keeper):
    from fours.core.errors import NotAllowed

    r = stock_receive(actor=keeper, store=store_a, part=part, qty=5, unit_cost=10, doc=part)
    with pytest.raises(NotAllowed):
        stock_move_reverse(actor=keeper, move=r)


def test_demand_follows_supersession(store_a, group, keeper):
    new = PartFactory(group=group, part_no="NEW1")
    old = PartFactory(group=group, part_no="OLD1", superseded_by=new)
    d = purchase_demand_add(actor=keeper, store=store_a, part=old, qty=2, doc=old)
    assert d.part == new and PurchaseDemand.objects.count() == 1
