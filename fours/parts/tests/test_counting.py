from decimal import Decimal as D

import pytest

from fours.core.errors import BusinessError, NotAllowed
from fours.core.roles import Role
from fours.parts.choices import MoveKind
from fours.parts.models import StockMove
from fours.parts.selectors import balance_of, stock_differences, stocktake_accuracy
from fours.parts.services import (
    stock_receive,
    stocktake_approve,
    stocktake_count,
    stocktake_create,
    stocktake_submit,
    writeoff_approve,
    writeoff_create,
    writeoff_post,
)

from .factories import BinFactory, PartFactory, setting
from .test_stock import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(store_a, group, keeper):
    a, b = PartFactory(group=group), PartFactory(group=group)
    for p in (a, b):
        stock_receive(actor=keeper, store=store_a, part=p, qty=10, unit_cost=D("20"), doc=p)
    return a, b


def test_stocktake_gain_and_loss(store_a, two, keeper, manager):
    a, b = two
    setting(store_a, a, default_bin=BinFactory(store=store_a))
    st = stocktake_create(actor=keeper, store=store_a)
    lines = {ln.part_id: ln for ln in st.lines.all()}
    assert lines[a.pk].bin_code.startswith("01-")
    stocktake_count(actor=keeper, stocktake=st, counts={lines[a.pk].pk: (12, "miscount"), lines[b.pk].pk: 10})
    stocktake_submit(actor=keeper, stocktake=st)
    with pytest.raises(NotAllowed):
        stocktake_approve(actor=keeper, stocktake=st)  # the storekeeper may not approve
    stocktake_approve(actor=manager, stocktake=st)
    assert balance_of(store_a, a).on_hand == 12
    assert StockMove.objects.get(kind=MoveKind.STOCKTAKE_GAIN).doc_number == st.number
    assert stocktake_accuracy(st) == D("50.00")
    assert stock_differences() == []


def test_uncounted_or_unexplained_lines_block_submit(store_a, two, keeper):
    a, b = two
    st = stocktake_create(actor=keeper, store=store_a)
    line = st.lines.get(part=a)
    stocktake_count(actor=keeper, stocktake=st, counts={line.pk: 9})
    with pytest.raises(BusinessError):
        stocktake_submit(actor=keeper, stocktake=st)
    stocktake_count(actor=keeper, stocktake=st, counts={st.lines.get(part=b).pk: 10})
    with pytest.raises(BusinessError) as e:
        stocktake_submit(actor=keeper, stocktake=st)
    assert "原因" in str(e.value.message_dict["lines"])


def test_writeoff_needs_three_roles(store_a, two, keeper, manager, make_user):
    a, _b = two
    with pytest.raises(BusinessError):
        writeoff_create(
            actor=keeper,
            store=store_a,
            reason="damaged",
            lines=[{"part": a, "qty": 2}],
            shares=[{"party": "company", "amount": "10"}],
        )
    wo = writeoff_create(
        actor=keeper,
        store=store_a,
        reason="damaged",
        lines=[{"part": a, "qty": 2}],
        shares=[{"party": "company", "amount": "30"}, {"party": "employee", "name": "张三", "amount": "10"}],
    )
    svc = make_user(Role.SERVICE_MANAGER, store_a, "svcmgr")
    war = make_user(Role.WARRANTY_CLERK, store_a, "warranty")
    writeoff_approve(actor=svc, writeoff=wo, role=Role.SERVICE_MANAGER)
    writeoff_approve(actor=war, writeoff=wo, role=Role.WARRANTY_CLERK)
    before = snapshot()
    with pytest.raises(BusinessError) as e:
        writeoff_post(actor=keeper, writeoff=wo)
    assert "配件经理" in str(e.value.message_dict["status"])
    assert snapshot() == before
    with pytest.raises(NotAllowed):
        writeoff_approve(actor=svc, writeoff=wo, role=Role.PARTS_MANAGER)
    writeoff_approve(actor=manager, writeoff=wo, role=Role.PARTS_MANAGER)
    writeoff_post(actor=keeper, writeoff=wo)
    assert balance_of(store_a, a).on_hand == 8
    assert StockMove.objects.get(kind=MoveKind.WRITE_OFF).value == D("-40.00")
