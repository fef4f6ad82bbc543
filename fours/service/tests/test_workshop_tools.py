"""Special tools and equipment: lending against an order, due back at the end of the working day (a tool
lent in the morning is overdue at night), returns, the refusals (a tool that is out, a tool not lent), a
loss charged to the person in finance (员工赔偿), the foreman's daily check, upkeep cards moving due dates."""

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.finance.choices import ItemSource, PartyKind
from fours.finance.models import OpenItem
from fours.service.choices import ToolStatus
from fours.service.models import Tool, ToolLoan
from fours.service.selectors_workshop import equipment_due, loans_open, loans_overdue, tools_missing
from fours.service.services import tools as svc

from .conftest import confirmed

pytestmark = pytest.mark.django_db


def _local(day, hh, mm=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


@pytest.fixture
def tool(world, store_a):
    return svc.tool_save(
        actor=world["foreman"],
        store=store_a,
        data={"code": "t-001", "name": "正时专用工具", "location": "工具柜A-1", "value": "860"},
    )


def test_lent_in_the_morning_is_overdue_at_night(world, store_a, tool):
    w = world
    ro = confirmed(w, store_a)
    day = timezone.localdate()
    with mock.patch("django.utils.timezone.now", return_value=_local(day, 9)):
        loan = svc.tool_lend(actor=w["foreman"], tool=tool, technician=w["tech"], ro=ro)
    assert timezone.localtime(loan.due_at) == _local(day, 18)
    tool.refresh_from_db()
    assert tool.code == "T-001" and tool.status == ToolStatus.OUT
    assert list(loans_open(w["foreman"], store_a)) == [loan]
    assert list(loans_overdue(w["foreman"], store_a, at=_local(day, 12))) == []
    assert list(loans_overdue(w["foreman"], store_a, at=_local(day, 21))) == [loan]
    with mock.patch("django.utils.timezone.now", return_value=_local(day, 21)):
        assert list(loans_overdue(w["foreman"], store_a)) == [loan]
        assert list(tools_missing(w["foreman"], store_a)) == [tool]
    svc.tool_return(actor=w["foreman"], tool=tool, condition="完好")
    tool.refresh_from_db()
    assert tool.status == ToolStatus.IN and list(loans_open(w["foreman"], store_a)) == []


def test_lending_a_tool_that_is_out_and_returning_one_not_lent(world, store_a, tool):
    w = world
    ro = confirmed(w, store_a)
    before = AuditEvent.objects.count()
    with pytest.raises(BusinessError) as e:
        svc.tool_return(actor=w["foreman"], tool=tool)
    assert e.value.error_code == "tool_not_lent" and "tool" in e.value.message_dict
    assert AuditEvent.objects.count() == before and not ToolLoan.objects.exists()
    svc.tool_lend(actor=w["foreman"], tool=tool, technician=w["tech"], ro=ro)
    before = (AuditEvent.objects.count(), ToolLoan.objects.count())
    with pytest.raises(BusinessError) as e:
        svc.tool_lend(actor=w["foreman"], tool=tool, technician=w["tech2"], ro=ro)
    assert e.value.error_code == "tool_out" and "tool" in e.value.message_dict
    assert (AuditEvent.objects.count(), ToolLoan.objects.count()) == before
    assert ToolLoan.objects.get().technician == w["tech"]
    # not a technician, not an order in the workshop
    other = svc.tool_save(actor=w["foreman"], store=store_a, data={"code": "T-002", "name": "扭力扳手"})
    with pytest.raises(BusinessError) as e:
        svc.tool_lend(actor=w["foreman"], tool=other, technician=w["cashier"], ro=ro)
    assert e.value.error_code == "not_staff" and "technician" in e.value.message_dict
    with pytest.raises(BusinessError) as e:
        svc.tool_lend(actor=w["foreman"], tool=other, technician=w["tech"], ro=None)
    assert e.value.error_code == "required" and "ro" in e.value.message_dict
    other.refresh_from_db()
    assert other.status == ToolStatus.IN
    with pytest.raises(BusinessError) as e:
        svc.tool_save(actor=w["foreman"], store=store_a, data={"code": "t-002", "name": "x"})
    assert e.value.error_code == "duplicate" and Tool.objects.count() == 2


def test_a_lost_tool_is_charged_to_the_person(world, store_a, tool):
    from fours.finance.selectors.checks import money_differences

    w = world
    ro = confirmed(w, store_a)
    loan = svc.tool_lend(actor=w["foreman"], tool=tool, technician=w["tech"], ro=ro)
    with pytest.raises(BusinessError) as e:
        svc.tool_lost(actor=w["foreman"], tool=tool, charge="-5")
    assert e.value.error_code == "not_positive" and not OpenItem.objects.exists()
    svc.tool_lost(actor=w["foreman"], tool=tool, charge="600", note="下班未归还，找不到")
    loan.refresh_from_db()
    tool.refresh_from_db()
    assert loan.lost and loan.charge == D("600") and tool.status == ToolStatus.LOST
    item = OpenItem.objects.get()
    assert item.source == ItemSource.STAFF_CHARGE and item.amount == D("600")
    assert item.party.kind == PartyKind.INTERNAL and item.party.ref == f"auth.user:{w['tech'].pk}"
    assert item.doc_id == loan.pk and item.department == "service"
    assert not money_differences()
    assert list(tools_missing(w["foreman"], store_a)) == [tool]
    with pytest.raises(BusinessError) as e:
        svc.tool_return(actor=w["foreman"], tool=tool)
    assert e.value.error_code == "tool_not_lent"
    svc.tool_status_set(actor=w["foreman"], tool=tool, to=ToolStatus.IN, note="已找回")


def test_daily_check_and_equipment_cards(world, store_a, tool):
    w = world
    check = svc.tool_check_record(actor=w["foreman"], store=store_a, missing=[tool.pk], note="T-001 未见")
    assert check.missing == [{"id": tool.pk, "code": "T-001", "name": "正时专用工具"}]
    with pytest.raises(BusinessError) as e:
        svc.tool_check_record(actor=w["foreman"], store=store_a, missing=[999999])
    assert e.value.error_code == "not_found" and "missing" in e.value.message_dict
    today = timezone.localdate()
    eq = svc.equipment_save(
        actor=w["foreman"],
        store=store_a,
        data={
            "code": "e-01",
            "name": "四轮定位仪",
            "upkeep_days": 30,
            "calibration_days": 180,
            "next_upkeep": today + dt.timedelta(days=2),
            "keeper": w["foreman"],
        },
    )
    assert eq.next_calibration == today + dt.timedelta(days=180)
    assert [e.pk for e in equipment_due(w["foreman"], store_a)] == [eq.pk]
    svc.equipment_card_add(
        actor=w["foreman"], equipment=eq, kind="upkeep", done_on=today, result="清洁、润滑、检查"
    )
    eq.refresh_from_db()
    assert eq.next_upkeep == today + dt.timedelta(days=30)
    assert equipment_due(w["foreman"], store_a) == []
    with pytest.raises(BusinessError) as e:
        svc.equipment_card_add(
            actor=w["foreman"], equipment=eq, kind="upkeep", done_on=today + dt.timedelta(days=1), result="x"
        )
    assert e.value.error_code == "in_future" and "done_on" in e.value.message_dict
    assert eq.cards.count() == 1
