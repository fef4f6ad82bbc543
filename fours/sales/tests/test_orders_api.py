"""The orders API: a quote, its steps, a refusal with its code and nothing changed, the list's filters."""

from decimal import Decimal

import pytest

from fours.core.roles import Role
from fours.sales.choices import OrderStatus
from fours.sales.models import VehicleOrder

from . import factories_orders as f

D = Decimal


@pytest.fixture
def consultant(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sc_api")


@pytest.fixture
def mgr(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sm_api")


def test_quote_steps_and_refusal(api_for, store_a, consultant, mgr):
    conf = f.configuration("180000.00")
    api = api_for(consultant)
    r = api.post(
        "/api/v1/sales/orders/",
        {
            "customer_name": "张伟",
            "mobile": "13700002222",
            "configuration": conf.pk,
            "colour": "白色",
            "discount": "2000.00",
            "deposit": "5000.00",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (
        body["total"] == "178000.00" and body["status"] == "quote" and "awaiting_approval" in body["allowed"]
    )
    pk = body["id"]
    assert api.post(f"/api/v1/sales/orders/{pk}/send/").status_code == 200
    r = api.post(f"/api/v1/sales/orders/{pk}/authorise/", {}, format="json")
    assert r.status_code == 403
    r = api_for(mgr).post(f"/api/v1/sales/orders/{pk}/authorise/", {"note": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["due"] == "178000.00" and r.json()["paid"] == "0.00"
    r = api.post(f"/api/v1/sales/orders/{pk}/confirm/")
    assert r.status_code == 400 and r.json()["error"]["code"] == "unpaid"
    assert VehicleOrder.objects.get(pk=pk).status == OrderStatus.AUTHORISED
    f.pay(VehicleOrder.objects.get(pk=pk), "5000")
    r = api.post(f"/api/v1/sales/orders/{pk}/confirm/")
    assert r.status_code == 200 and r.json()["status"] == "ordered"
    r = api.get("/api/v1/sales/orders/", {"status": "ordered"})
    assert r.status_code == 200 and [o["id"] for o in r.json()["results"]] == [pk]
    assert api.get("/api/v1/sales/orders/", {"status": "quote"}).json()["results"] == []
    r = api.get(f"/api/v1/sales/orders/{pk}/fifo/")
    assert r.status_code == 200 and r.json() == []


def test_other_store_is_404(api_for, store_a, store_b, consultant, make_user):
    order = f.quote(store_a, consultant)
    other = make_user(Role.SALES_CONSULTANT, store_b, "sc_b")
    assert api_for(other).get(f"/api/v1/sales/orders/{order.pk}/").status_code == 404


@pytest.mark.parametrize(
    "step",
    [
        "send",
        "send_back",
        "authorise",
        "confirm",
        "allocate",
        "unallocate",
        "accessories",
        "fitting",
        "ready",
        "deliver",
        "invoice",
        "cancel",
        "cancel_approve",
        "drop",
    ],
)
def test_every_step_answers_without_a_server_error(api_for, store_a, consultant, mgr, step):
    order = f.authorised_order(store_a, consultant, manager=mgr)
    for user in (consultant, mgr):
        for body in ({}, {"vehicle": 999999, "part": 999999, "checklist": {"keys": True}, "reason": "x"}):
            r = api_for(user).post(f"/api/v1/sales/orders/{order.pk}/{step}/", body, format="json")
            assert r.status_code in (200, 400, 403, 404), (step, r.status_code, r.content[:300])
            if r.status_code == 400:
                assert r.json()["error"]["code"]
