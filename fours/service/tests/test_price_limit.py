"""A part line's unit price below the payer's price is a discount: the advisor's limit holds on the
service and the order page; a manager with a higher limit, or an approved order discount, lets it through."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.core.errors import BusinessError, NotAllowed
from fours.core.models import AuditEvent
from fours.parts.models import StockMove
from fours.service import services
from fours.service.models import DiscountRequest, PartLine

from .conftest import receive

pytestmark = pytest.mark.django_db


def written():
    return PartLine.objects.count(), AuditEvent.objects.count(), StockMove.objects.count()


def test_advisor_cannot_add_a_part_at_one_fen(world, store_a):
    w = world
    ro = receive(w, store_a)
    before = written()
    with pytest.raises(BusinessError) as e:
        services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, unit_price="0.01")
    assert e.value.message_dict == {
        "unit_price": ["单价低于标准价 598.00，相当于折扣100%，超过您的权限（最多5%）"]
    }
    assert written() == before


def test_a_price_within_the_limit_passes_and_a_manager_may_go_lower(world, store_a):
    w = world
    ro = receive(w, store_a)
    line = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, unit_price="568.10")
    assert line.unit_price == D("568.10")  # exactly 5 % off 598.00
    before = written()
    with pytest.raises(BusinessError) as e:
        services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, unit_price="500")
    assert "unit_price" in e.value.message_dict
    assert written() == before
    line = services.ro_part_add(actor=w["manager"], ro=ro, part=w["pads"], qty=1, unit_price="500")
    assert line.unit_price == D("500.00") and line.amount == D("500.00")  # 16.39 %, within the manager's 20 %


def test_a_warranty_line_is_judged_against_the_list_price(world, store_a):
    w = world
    ro = receive(w, store_a)
    before = written()
    with pytest.raises(BusinessError) as e:  # pads: list price 520 for the manufacturer
        services.ro_part_add(
            actor=w["advisor"], ro=ro, part=w["pads"], qty=1, payer="warranty", unit_price="480"
        )
    assert "标准价 520.00" in e.value.message_dict["unit_price"][0]
    assert written() == before


def test_the_order_discount_and_a_lower_price_count_together_and_go_for_approval(world, store_a):
    w = world
    ro = receive(w, store_a)
    services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, unit_price="568.10")  # 5 %
    # 5 % on top of a price 5 % below list is 9.75 %: above the advisor's 5 %
    before = written(), DiscountRequest.objects.count()
    with pytest.raises(BusinessError) as e:
        services.ro_discount_set(actor=w["advisor"], ro=ro, labour_pct=0, parts_pct=5)
    assert e.value.message_dict == {"parts_discount_pct": ["折扣超过您的权限（最多5%），请提交审批"]}
    ro.refresh_from_db()
    assert ro.parts_discount_pct == 0 and (written(), DiscountRequest.objects.count()) == before
    req = services.ro_discount_set(
        actor=w["advisor"], ro=ro, labour_pct=0, parts_pct=5, request_approval=True
    )
    assert isinstance(req, DiscountRequest) and req.status == "pending"
    with pytest.raises(NotAllowed):  # the cashier's limit (0 %) does not cover 9.75 %
        services.discount_decide(actor=w["cashier"], request=req, approve=True)
    services.discount_decide(actor=w["manager"], request=req, approve=True)
    ro.refresh_from_db()
    assert ro.parts_discount_pct == 5
    # with the order's 5 % applied, another line below its price is beyond the advisor's limit
    before = written()
    with pytest.raises(BusinessError) as e:
        services.ro_part_add(actor=w["advisor"], ro=ro, part=w["filter"], qty=1, unit_price="97")
    assert "相当于折扣5.97%" in e.value.message_dict["unit_price"][0]
    assert written() == before


def test_order_page_refuses_a_part_at_one_fen(world, store_a, client_for):
    w = world
    ro = receive(w, store_a)
    c = client_for(w["advisor"])
    url = reverse("service:ro-act", args=[ro.pk, "part-add"])
    before = written()
    r = c.post(url, {"part_no": w["pads"].part_no, "qty": "1", "unit_price": "0.01"}, follow=True)
    msgs = [str(m) for m in r.context["messages"]]
    assert any("单价低于标准价 598.00，相当于折扣100%，超过您的权限（最多5%）" in m for m in msgs), msgs
    assert written() == before
    r = c.post(url, {"part_no": w["pads"].part_no, "qty": "1", "unit_price": "570"}, follow=True)
    assert PartLine.objects.get(ro=ro, part=w["pads"]).unit_price == D("570.00")
