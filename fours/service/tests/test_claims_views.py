"""The warranty and accident pages as the warranty clerk, finance and the advisor see them: the clerk's desk
signs a line and makes the claim, the claim page walks its steps, the old part ships back with its packing
list; an accident job reaches collection; the insurer statement exports; buttons only for those who may."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.service.models import AccidentJob, OldPartTag, ReturnShipment, WarrantyClaim
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


def test_the_clerk_signs_from_the_desk_and_sees_their_figures(w, store_a, client_for):
    ro, lab, part = _warranty_ro(w, store_a)
    c = client_for(w["clerk"])
    page = c.get(reverse("service:warranty-desk"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "签字认可" in html and ro.number in html
    r = c.post(
        reverse("service:warranty-sign", args=["part", part.pk]), {"note": "刹车片异常磨损，属质量问题"}
    )
    assert r.status_code == 302
    part.refresh_from_db()
    assert part.warranty_signed_by == w["clerk"]
    home = c.get(reverse("home")).content.decode()
    assert "待签字索赔项目" in home
    # the advisor sees no sign button
    assert "签字认可" not in client_for(w["advisor"]).get(reverse("service:warranty-desk")).content.decode()


def test_the_claim_page_walks_the_claim(w, store_a, client_for):
    ro, lab, part = _settled_claim_ro(w, store_a)
    c = client_for(w["clerk"])
    r = c.post(reverse("service:claim-create"), {"ro": ro.pk})
    claim = WarrantyClaim.objects.get(ro=ro)
    assert r.url == reverse("service:claim-detail", args=[claim.pk])
    page = c.get(r.url).content.decode()
    assert "提交前检查" in page and "挂签" in page and "登记回款" not in page
    act = lambda step: reverse("service:claim-act", args=[claim.pk, step])  # noqa: E731
    c.post(
        act("edit"),
        {"fault_code": "C1", "failure": "异响", "causal_part_no": w["pads"].part_no, "oem_ref": ""},
    )
    c.post(act("tag"), {"part_line": part.pk, "location": "A1"})
    c.post(act("submitted"))
    claim.refresh_from_db()
    assert claim.status == "submitted"
    c.post(act("rejected"), {"reject_reason": "old_part", "note": "旧件照片不清"})
    claim.refresh_from_db()
    assert claim.status == "rejected"
    c.post(act("submitted"))
    c.post(act("approved"), {"oem_ref": "OEM-8"})
    claim.refresh_from_db()
    assert claim.status == "approved"
    # the clerk may not take the money; finance does, on the claim or on the payment page
    page = c.get(reverse("service:claim-detail", args=[claim.pk])).content.decode()
    assert "登记回款" not in page
    fin = client_for(w["finance"])
    assert "登记回款" in fin.get(reverse("service:claim-detail", args=[claim.pk])).content.decode()
    r = fin.post(
        reverse("service:claim-payment"),
        {f"amount_{claim.pk}": str(claim.approved_amount), "reference": "R1"},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    claim.refresh_from_db()
    assert claim.status == "paid"
    # the old part ships back
    c = client_for(w["clerk"])  # one test client: log the clerk in again
    tag = OldPartTag.objects.get(claim=claim)
    assert tag.tag_no in c.get(reverse("service:oldpart-tags")).content.decode()
    r = c.post(reverse("service:oldpart-tags"), {"tag": [tag.pk]})
    ship = ReturnShipment.objects.get()
    assert r.url == reverse("service:shipment-detail", args=[ship.pk])
    assert tag.tag_no in c.get(reverse("service:shipment-print", args=[ship.pk])).content.decode()
    c.post(reverse("service:shipment-act", args=[ship.pk, "shipped"]), {"carrier": "顺丰", "waybill": "SF9"})
    ship.refresh_from_db()
    assert ship.status == "shipped"
    assert c.get(reverse("service:claim-kpi")).status_code == 200
    assert c.get(reverse("service:claim-list")).status_code == 200
    assert c.get(reverse("service:shipment-list")).status_code == 200


def test_an_accident_job_through_the_pages(w, store_a, client_for):
    from .conftest import receive
    from .test_accidents import _finish

    ro = receive(w, store_a, data={"kind": "accident", "insurer": "平安保险", "claim_no": "P1"})
    c = client_for(w["advisor"])
    assert c.get(reverse("service:accident-list")).status_code == 200
    r = c.post(reverse("service:accident-create"), {"ro_number": ro.number, "claim_no": "P1"})
    job = AccidentJob.objects.get(ro=ro)
    assert r.url == reverse("service:accident-detail", args=[job.pk])
    act = lambda step: reverse("service:accident-act", args=[job.pk, step])  # noqa: E731
    c.post(
        act("assess"),
        {
            "item_name": ["前杠", ""],
            "item_kind": ["工时", ""],
            "item_qty": ["1", "1"],
            "item_assessed": ["600", ""],
            "item_agreed": ["", ""],
        },
    )
    job.refresh_from_db()
    assert job.status == "assessed" and job.assessed_amount == 600
    c.post(act("agreed"), {"signer_name": "王建国", "excess": "0", "agreed_amount": "600"})
    from fours.service import services

    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"], payer="insurance")
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    _finish(w, ro)
    c.post(act("settled"))
    job.refresh_from_db()
    assert job.status == "settled"
    fin = client_for(w["finance"])
    fin.post(act("collect"), {"amount": str(job.final_amount), "method": "transfer"})
    job.refresh_from_db()
    assert job.status == "collected"
    c = client_for(w["advisor"])
    # the insurers page and the statement
    acc.insurer_contact_add(
        actor=w["advisor"], store=store_a, insurer=job.insurer, kind="visit", subject="对账"
    )
    page = c.get(reverse("service:insurer-list")).content.decode()
    assert "平安保险" in page and "1 / 4" in page
    r = c.get(reverse("service:insurer-statement", args=[job.insurer.pk]))
    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][1] == ro.number and rows[2][3] == "P1"
