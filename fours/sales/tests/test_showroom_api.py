"""The showroom API: visits, leads with follow-ups, assignment and defeats, test drives; refusals answer
400 with the service's code and field, another store's rows are 404."""

import datetime as dt

import pytest
from django.utils import timezone

from fours.core.roles import Role
from fours.sales.models import Lead

from .factories_showroom import catalogue, demo_car, lead


@pytest.fixture
def w(make_user, store_a, store_b):
    m, c = catalogue()
    return {
        "store": store_a,
        "sc": make_user(Role.SALES_CONSULTANT, store_a, "sc1"),
        "sc2": make_user(Role.SALES_CONSULTANT, store_a, "sc2"),
        "mgr": make_user(Role.SALES_MANAGER, store_a, "smgr1"),
        "sc_b": make_user(Role.SALES_CONSULTANT, store_b, "scb"),
        "mkt": make_user(Role.MARKETING, store_a, "mkt1"),
        "model": m,
        "conf": c,
    }


def test_visit_and_lead_through_the_api(api_for, w):
    api = api_for(w["sc"])
    r = api.post(
        "/api/v1/sales/visits/",
        {"name": "何静", "mobile": "13900000011", "intended_model": w["model"].pk, "party_size": 2},
        format="json",
    )
    assert r.status_code == 201, r.json()
    lead_id = r.json()["lead"]
    assert api.get("/api/v1/sales/visits/").json()["count"] == 1
    r = api.post("/api/v1/sales/leads/", {"name": "何静", "mobile": "13900000011"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "duplicate"
    assert "mobile" in r.json()["error"]["fields"]
    r = api.post(
        f"/api/v1/sales/leads/{lead_id}/follow-up/",
        {"channel": "wechat", "result": "发了配置表", "grade": "H"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["grade"] == "H"
    assert api.get("/api/v1/sales/follow-ups/").json()["count"] == 1
    detail = api.get(f"/api/v1/sales/leads/{lead_id}/").json()
    assert detail["follow_up_count"] == 1 and detail["owner_name"]
    r = api.post(f"/api/v1/sales/leads/{lead_id}/defeat/", {"defeat_reason": "budget"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "defeat_pending"
    assert api.post(f"/api/v1/sales/leads/{lead_id}/approve-defeat/", {}, format="json").status_code == 403
    m = api_for(w["mgr"])
    r = m.post(f"/api/v1/sales/leads/{lead_id}/return-defeat/", {"note": ""}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "required"
    r = m.post(f"/api/v1/sales/leads/{lead_id}/approve-defeat/", {"note": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "defeated"


def test_lead_scoping_mine_all_and_other_store(api_for, w):
    a = lead(w["store"], w["sc"])
    b = lead(w["store"], w["sc2"])
    Lead.objects.filter(pk=a.pk).update(next_follow_up=timezone.localdate() - dt.timedelta(days=2))
    ids = {x["id"] for x in api_for(w["sc"]).get("/api/v1/sales/leads/").json()["results"]}
    assert ids == {a.pk}
    m = api_for(w["mgr"])
    assert {x["id"] for x in m.get("/api/v1/sales/leads/").json()["results"]} == {a.pk, b.pk}
    assert [x["id"] for x in m.get("/api/v1/sales/leads/?overdue=true").json()["results"]] == [a.pk]
    assert api_for(w["sc_b"]).get(f"/api/v1/sales/leads/{a.pk}/").status_code == 404
    r = m.post(f"/api/v1/sales/leads/{a.pk}/assign/", {"owner": w["sc2"].pk}, format="json")
    assert r.status_code == 200 and r.json()["owner"] == w["sc2"].pk
    r = m.post(f"/api/v1/sales/leads/{a.pk}/assign/", {"owner": w["mkt"].pk}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_staff"
    assert (
        api_for(w["mkt"])
        .post("/api/v1/sales/leads/", {"name": "x", "mobile": "13900000099"}, format="json")
        .status_code
        == 403
    )


def test_test_drive_through_the_api(api_for, w):
    ld = lead(w["store"], w["sc"])
    car = demo_car(w["store"], w["conf"])
    api = api_for(w["sc"])
    start = timezone.now() + dt.timedelta(hours=1)
    body = {
        "lead": ld.pk,
        "vehicle": car.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(minutes=45)).isoformat(),
        "driver_name": ld.name,
        "licence_no": "440101199001011234",
        "licence_expiry": "2031-05-01",
    }
    r = api.post("/api/v1/sales/test-drives/", body, format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    r = api.post("/api/v1/sales/test-drives/", body, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "double_booked"
    r = api.post(
        "/api/v1/sales/test-drives/",
        {
            **body,
            "starts_at": (start + dt.timedelta(days=1)).isoformat(),
            "ends_at": (start + dt.timedelta(days=1, hours=1)).isoformat(),
            "licence_expiry": "2020-01-01",
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "licence_expired"
    r = api.post(
        f"/api/v1/sales/test-drives/{pk}/start/", {"signature": "x", "odometer_out": 10}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "required"
    r = api.post(
        f"/api/v1/sales/test-drives/{pk}/start/",
        {"signature": "data:image/png;base64,AA", "odometer_out": 10},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "driving"
    r = api.post(f"/api/v1/sales/test-drives/{pk}/finish/", {"odometer_in": 25, "rating": 4}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert api_for(w["mkt"]).get("/api/v1/sales/test-drives/").json()["count"] == 1
