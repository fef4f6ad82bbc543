"""A refusal's stable code reaches the API's error.code, so integrators can act on it."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.parts.models import PurchaseOrder, Sale
from fours.parts.services import stock_receive

from .factories import PartFactory, SupplierFactory
from .test_stock import snapshot

pytestmark = pytest.mark.django_db


def test_selling_more_than_on_hand_answers_insufficient_stock(group, store_a, keeper, manager, api_for):
    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=2, unit_cost=D("50"), doc=part)
    before = snapshot(), Sale.objects.count()
    r = api_for(manager).post(
        reverse("api-sale-list"), {"lines": [{"part": part.pk, "qty": "5"}]}, format="json"
    )
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == "insufficient_stock"
    assert (snapshot(), Sale.objects.count()) == before


def test_a_step_the_table_does_not_list_answers_bad_transition(group, store_a, manager, gm_a, api_for):
    part = PartFactory(group=group)
    supplier = SupplierFactory(group=group)
    po = api_for(manager).post(
        reverse("api-purchase-order-list"),
        {"supplier": supplier.pk, "lines": [{"part": part.pk, "qty": "2"}]},
        format="json",
    )
    assert po.status_code == 201, po.content
    assert po.json()["status"] == "ordered"  # within the manager's limit: sent at once
    before = snapshot(), PurchaseOrder.objects.get(pk=po.json()["id"]).status
    again = api_for(gm_a).post(reverse("api-purchase-order-approve", args=[po.json()["id"]]), format="json")
    assert again.status_code == 400, again.content
    assert again.json()["error"]["code"] == "bad_transition"
    assert (snapshot(), PurchaseOrder.objects.get(pk=po.json()["id"]).status) == before


def test_a_line_refusal_answers_the_code_of_its_cause(group, store_a, keeper, manager, api_for):
    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=5, unit_cost=D("50"), doc=part)
    before = snapshot(), Sale.objects.count()
    for line, code in (
        ({"part": part.pk, "qty": "2", "qty_requested": "1"}, "over_quantity"),
        ({"part": part.pk, "qty": "2", "discount_pct": "120"}, "out_of_range"),
        ({"part": part.pk, "qty": "0"}, "qty_positive"),
    ):
        r = api_for(manager).post(reverse("api-sale-list"), {"lines": [line]}, format="json")
        assert r.status_code == 400, r.content
        assert r.json()["error"]["code"] == code, (line, r.json())
        assert "lines" in r.json()["error"]["fields"]
    assert (snapshot(), Sale.objects.count()) == before
