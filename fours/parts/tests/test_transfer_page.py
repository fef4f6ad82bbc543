"""The transfer page offers 发货 to the sending store and 收货 to the receiving store, and works."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.parts.models import Transfer
from fours.parts.selectors import balance_of
from fours.parts.services import stock_receive, transfer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(store_a, store_b, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("50"), doc=part)
    return transfer_create(actor=keeper, store=store_a, to_store=store_b, lines=[{"part": part, "qty": 3}])


def test_sending_store_ships_from_the_page(draft, keeper, client_for, part, store_a):
    client = client_for(keeper)
    page = client.get(reverse("parts:transfer-detail", args=[draft.pk]))
    assert page.status_code == 200
    ship = reverse("parts:transfer-act", args=[draft.pk, "ship"])
    assert ship in page.content.decode()
    assert reverse("parts:transfer-act", args=[draft.pk, "receive"]) not in page.content.decode()
    client.post(ship)
    draft.refresh_from_db()
    assert draft.status == "shipped" and balance_of(store_a, part).on_hand == 7


@pytest.mark.parametrize("role", [Role.PARTS_MANAGER, Role.STOREKEEPER])
def test_receiving_store_opens_and_receives_a_shipped_transfer(
    role, draft, keeper, make_user, client_for, part, store_b
):
    client_for(keeper).post(reverse("parts:transfer-act", args=[draft.pk, "ship"]))
    receiver = make_user(role, store_b, "receiver_b")
    client = client_for(receiver)
    page = client.get(reverse("parts:transfer-detail", args=[draft.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    receive = reverse("parts:transfer-act", args=[draft.pk, "receive"])
    assert receive in body and reverse("parts:transfer-act", args=[draft.pk, "ship"]) not in body
    client.post(receive)
    draft.refresh_from_db()
    assert draft.status == "received" and draft.received_by == receiver
    assert balance_of(store_b, part).on_hand == 3
    assert AuditEvent.objects.filter(verb="received", object_id=str(draft.pk)).count() == 1


def test_an_unknown_step_is_a_404_and_changes_nothing(draft, keeper, client_for):
    resp = client_for(keeper).post(reverse("parts:transfer-act", args=[draft.pk, "explode"]))
    assert resp.status_code == 404
    assert Transfer.objects.get(pk=draft.pk).status == "draft"


def test_another_group_store_cannot_open_the_transfer(draft, make_user, client_for):
    from fours.core.tests.factories import StoreFactory

    outsider_store = StoreFactory(group=draft.store.group, code="C01", name="门店C")
    outsider = make_user(Role.PARTS_MANAGER, outsider_store, "pm_c")
    client = client_for(outsider)
    assert client.get(reverse("parts:transfer-detail", args=[draft.pk])).status_code == 404
    assert client.post(reverse("parts:transfer-act", args=[draft.pk, "ship"])).status_code == 404
    assert Transfer.objects.get(pk=draft.pk).status == "draft"
