"""The claims, old-parts, shipments, accident-jobs and contacts API: a claim walked through the API from
sign-off to the return shipment, refusals answered 400 with the field and code, nothing changed, and
another store's claim a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.customers.models import Brand
from fours.finance.models import Payment
from fours.service.models import WarrantyClaim
from fours.service.services import accidents as acc

from .test_claims import _settled_claim_ro, _warranty_ro

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, store_a, make_user):
    world["clerk"] = make_user(Role.WARRANTY_CLERK, store_a, "clerk")
    world["finance"] = make_user(Role.FINANCE, store_a, "fin")
    v = world["vehicle"]
    v.sale_date = timezone.localdate() - dt.timedelta(days=100)
    v.save(update_fields=["sale_date"])
    return world


def err(r) -> tuple[str, dict]:
    body = r.json()["error"]
    return body["code"], body["fields"]


def test_the_clerk_walks_a_claim_through_the_api(w, store_a, api_for):
    ro, lab, part = _warranty_ro(w, store_a)
    api = api_for(w["clerk"])
    sign = reverse("api-warranty-sign")
    r = api.post(sign, {"kind": "labour", "line": lab.pk}, format="json")
    assert r.status_code == 200, r.json()
    assert api.post(sign, {"kind": "part", "line": part.pk}, format="json").status_code == 200
    r = api.post(sign, {"kind": "part", "line": part.pk}, format="json")
    assert r.status_code == 400 and err(r)[0] == "not_pending"
    assert (
        api_for(w["advisor"]).post(sign, {"kind": "labour", "line": lab.pk}, format="json").status_code == 403
    )


def test_claim_api_walk_and_refusals(w, store_a, api_for):
    ro, lab, part = _settled_claim_ro(w, store_a)
    api = api_for(w["clerk"])
    r = api.post(reverse("api-claim-list"), {"ro": ro.pk, "failure": "刹车异响"}, format="json")
    assert r.status_code == 201, r.json()
    claim = r.json()
    assert claim["status"] == "draft" and len(claim["lines"]) == 2
    url = lambda name: reverse(f"api-claim-{name}", args=[claim["id"]])  # noqa: E731
    # without its fault code and its old part's tag: refused, nothing changed
    n = AuditEvent.objects.count()
    r = api.post(url("submit"), {}, format="json")
    assert r.status_code == 400 and err(r)[0] == "required" and "fault_code" in err(r)[1]
    assert api.post(url("edit"), {"fault_code": "C0042"}, format="json").status_code == 200
    n = AuditEvent.objects.count()
    r = api.post(url("submit"), {}, format="json")
    assert r.status_code == 400 and err(r)[0] == "old_part_untagged" and "tags" in err(r)[1]
    assert AuditEvent.objects.count() == n
    r = api.post(url("tag"), {"part_line": part.pk, "location": "A架"}, format="json")
    assert r.status_code == 201, r.json()
    tag_id = r.json()["id"]
    assert api.post(url("submit"), {}, format="json").json()["status"] == "submitted"
    r = api.post(url("decide"), {"result": "rejected"}, format="json")
    assert r.status_code == 400 and "reject_reason" in err(r)[1]
    r = api.post(
        url("decide"), {"result": "rejected", "reject_reason": "code", "note": "代码不符"}, format="json"
    )
    assert r.json()["status"] == "rejected"
    assert api.post(url("edit"), {"fault_code": "C0043"}, format="json").status_code == 200
    assert api.post(url("submit"), {}, format="json").json()["submissions"] == 2
    r = api.post(url("decide"), {"result": "approved", "oem_ref": "TY-99"}, format="json")
    amount = D(r.json()["approved_amount"])
    # the clerk does not take money; finance does, not more than the claim
    assert api.post(url("pay"), {"amount": "1"}, format="json").status_code == 403
    fin = api_for(w["finance"])
    n = Payment.objects.count()
    r = fin.post(url("pay"), {"amount": str(amount + 1)}, format="json")
    assert r.status_code == 400 and err(r)[0] == "overpayment" and "claims.0.amount" in err(r)[1]
    assert Payment.objects.count() == n
    r = fin.post(
        reverse("api-claims-payment"),
        {"claims": [{"claim": claim["id"], "amount": str(amount)}], "reference": "TY-PAY-7"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert WarrantyClaim.objects.get(pk=claim["id"]).status == "paid"
    brand = Brand.objects.get(name="丰田")
    r = api.post(reverse("api-return-shipment-list"), {"brand": brand.pk, "tags": [tag_id]}, format="json")
    assert r.status_code == 201, r.json()
    ship = r.json()["id"]
    r = api.post(
        reverse("api-return-shipment-ship", args=[ship]), {"carrier": "顺丰", "waybill": ""}, format="json"
    )
    assert r.status_code == 400 and "waybill" in err(r)[1]
    r = api.post(
        reverse("api-return-shipment-ship", args=[ship]), {"carrier": "顺丰", "waybill": "SF1"}, format="json"
    )
    assert r.json()["status"] == "shipped" and r.json()["tags"][0]["status"] == "shipped"
    assert api.get(reverse("api-old-part-tag-list")).json()["count"] == 1


def test_another_stores_claim_is_a_404(w, store_a, store_b, make_user, api_for):
    ro, lab, part = _settled_claim_ro(w, store_a)
    api = api_for(w["clerk"])
    claim = api.post(reverse("api-claim-list"), {"ro": ro.pk}, format="json").json()
    other = make_user(Role.WARRANTY_CLERK, store_b, "clerk_b")
    assert api_for(other).get(reverse("api-claim-detail", args=[claim["id"]])).status_code == 404


def test_accident_api(w, store_a, api_for):
    from .conftest import receive

    ro = receive(w, store_a, data={"kind": "accident", "insurer": "太平洋保险", "claim_no": "CP1"})
    api = api_for(w["advisor"])
    r = api.post(reverse("api-accident-job-list"), {"ro": ro.pk, "claim_no": "CP1"}, format="json")
    assert r.status_code == 201, r.json()
    job = r.json()
    r = api.post(
        reverse("api-accident-job-assess", args=[job["id"]]),
        {"items": [{"name": "后杠", "kind": "钣金", "assessed": "500"}]},
        format="json",
    )
    assert r.status_code == 400 and "items.0.kind" in err(r)[1]
    r = api.post(
        reverse("api-accident-job-assess", args=[job["id"]]),
        {"items": [{"name": "后杠", "kind": "工时", "assessed": "500"}]},
        format="json",
    )
    assert r.json()["status"] == "assessed" and r.json()["assessed_amount"] == "500.00"
    insurer = acc.insurer_party(store_a, "太平洋保险")
    r = api.post(
        reverse("api-insurer-contact-list"),
        {"insurer": insurer.pk, "kind": "visit", "subject": "定损对接"},
        format="json",
    )
    assert r.status_code == 201, r.json()
