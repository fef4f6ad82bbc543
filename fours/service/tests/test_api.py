"""The API walks the same services: create, lines, status actions, clocking, settlement; 400 with fields."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.service.models import RepairOrder

from .conftest import ALL_OK, confirmed, pay_at_desk


def test_api_flow(world, store_a, api_for):
    w = world
    adv = api_for(w["advisor"])
    r = adv.post(
        reverse("api-repair-order-list"),
        {
            "vehicle": w["vehicle"].pk,
            "odometer_km": 13000,
            "package": w["package"].pk,
            "complaint": "保养",
            "promised_at": (timezone.now() + dt.timedelta(hours=3)).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    ro_id = r.json()["id"]
    r = adv.post(
        reverse("api-repair-order-labour", args=[ro_id]),
        {"operation": "B010", "payer": "customer"},
        format="json",
    )
    assert r.status_code == 200 and len(r.json()["labour"]) == 2
    r = adv.post(reverse("api-repair-order-estimate", args=[ro_id]))
    assert r.status_code == 200, r.json()
    r = adv.post(reverse("api-repair-order-settle", args=[ro_id]), {}, format="json")
    assert r.status_code == 403
    r = api_for(w["cashier"]).post(reverse("api-repair-order-settle", args=[ro_id]), {}, format="json")
    assert r.status_code == 400 and "estimate" in r.json()["error"]["fields"]
    r = adv.post(
        reverse("api-repair-order-confirm", args=[ro_id]),
        {"signer_name": "王建国", "method": "print"},
        format="json",
    )
    assert r.json()["status"] == "in_progress"
    lines = r.json()["labour"]
    fm = api_for(w["foreman"])
    tech = api_for(w["tech"])
    for ln in lines:
        assert (
            fm.post(
                reverse("api-labour-line-dispatch", args=[ln["id"]]),
                {"technician": w["tech"].pk},
                format="json",
            ).status_code
            == 200
        )
    r = tech.post(reverse("api-labour-line-clock", args=[lines[0]["id"]]), {"action": "on"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = tech.post(reverse("api-labour-line-clock", args=[lines[1]["id"]]), {"action": "on"}, format="json")
    assert r.status_code == 400 and "line" in r.json()["error"]["fields"]
    tech.post(reverse("api-labour-line-clock", args=[lines[0]["id"]]), {"action": "off"}, format="json")
    tech.post(reverse("api-labour-line-clock", args=[lines[1]["id"]]), {"action": "on"}, format="json")
    tech.post(reverse("api-labour-line-clock", args=[lines[1]["id"]]), {"action": "off"}, format="json")
    keeper = api_for(w["keeper"])
    first = adv.get(reverse("api-repair-order-detail", args=[ro_id])).json()["parts"][0]
    r = keeper.post(
        reverse("api-part-line-issue", args=[first["id"]]), {"old_part_handed_in": True}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "issued"
    r = adv.post(reverse("api-repair-order-issue-parts", args=[ro_id]), {}, format="json")
    assert r.status_code == 403
    r = keeper.post(
        reverse("api-repair-order-issue-parts", args=[ro_id]), {"old_part_handed_in": True}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert {pl["status"] for pl in r.json()["parts"]} == {"issued"}
    r = keeper.post(reverse("api-repair-order-issue-parts", args=[ro_id]), {}, format="json")
    assert r.status_code == 400 and "lines" in r.json()["error"]["fields"]
    r = api_for(w["qc"]).post(
        reverse("api-repair-order-qc", args=[ro_id]), {"passed": True, "checklist": ALL_OK}, format="json"
    )
    assert r.json()["status"] == "awaiting_settlement"
    cash = api_for(w["cashier"])
    st = cash.post(reverse("api-repair-order-settle", args=[ro_id]), {}, format="json").json()
    assert st["invoice_no"].startswith("IVO-")
    detail = adv.get(reverse("api-repair-order-detail", args=[ro_id])).json()
    assert (detail["customer_due"], detail["paid"]) == (st["customer_amount"], "0.00")
    r = adv.post(reverse("api-repair-order-deliver", args=[ro_id]), {}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "unpaid"  # pay at the desk first
    pay_at_desk(w, RepairOrder.objects.get(pk=ro_id), [("alipay", st["customer_amount"])])
    detail = adv.get(reverse("api-repair-order-detail", args=[ro_id])).json()
    assert detail["paid"] == st["customer_amount"]
    r = adv.post(reverse("api-repair-order-deliver", args=[ro_id]), {}, format="json")
    assert r.json()["status"] == "delivered"


def test_api_scoping_and_schema(world, store_a, store_b, make_user, api_for, django_assert_max_num_queries):
    ro = confirmed(world, store_a)
    other = api_for(make_user(Role.SERVICE_MANAGER, store_b, "smb"))
    assert other.get(reverse("api-repair-order-detail", args=[ro.pk])).status_code == 404
    api = api_for(world["manager"])
    api.get(reverse("api-repair-order-list"))
    with django_assert_max_num_queries(10):
        assert api.get(reverse("api-repair-order-list")).status_code == 200
    schema = api.get(reverse("api-schema")).content.decode()
    assert "/api/v1/service/repair-orders/{id}/settle/" in schema
