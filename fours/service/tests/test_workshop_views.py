"""The workshop pages answer for their roles and post through the services: tools (lend, return, check),
equipment, the shortage tracker, an order's QC paperwork with the certificate and dispatch slips, comebacks,
guarantee periods, performance with its Excel, the manufacturer reports with drill-down and Excel; another
store's tool is a 404; home shows the foreman's and the advisor's own figures."""

import io

import pytest
from django.urls import reverse

from fours.service.choices import ToolStatus
from fours.service.models import StageInspection, Tool
from fours.service.services import quality as q
from fours.service.services import tools as svc

from .conftest import ALL_OK, confirmed, finish_work

pytestmark = pytest.mark.django_db

PAGES = [
    "service:tools",
    "service:tool-create",
    "service:equipment",
    "service:equipment-create",
    "service:shortages",
    "service:comebacks",
    "service:guarantee",
    "service:performance",
    "service:maker-reports",
]


def test_pages_answer_for_the_service_manager(world, store_a, client_for):
    c = client_for(world["manager"])
    for name in PAGES:
        r = c.get(reverse(name))
        assert r.status_code == 200, name
    for kind in ("monthly", "weekly", "quality"):
        r = c.get(reverse("service:maker-reports") + f"?report={kind}")
        assert r.status_code == 200, kind
        r = c.get(reverse("service:maker-reports") + f"?report={kind}&export=xlsx")
        assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml"), kind
    r = c.get(reverse("service:performance") + "?export=pay")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["技师计件", "顾问提成"]


def test_foreman_lends_and_takes_back_a_tool(world, store_a, client_for):
    w = world
    ro = confirmed(w, store_a)
    c = client_for(w["foreman"])
    r = c.post(reverse("service:tool-create"), {"code": "T-9", "name": "拉马", "value": "120"})
    assert r.status_code == 302
    tool = Tool.objects.get(code="T-9")
    r = c.post(reverse("service:tool-act", args=[tool.pk, "lend"]), {"technician": w["tech"].pk, "ro": ro.pk})
    assert r.status_code == 302
    tool.refresh_from_db()
    assert tool.status == ToolStatus.OUT
    page = c.get(reverse("service:tools")).content.decode()
    assert "拉马" in page and ro.number in page
    home = c.get("/").content.decode()
    assert "借出工具" in home
    c.post(reverse("service:tool-check"), {"missing": [tool.pk], "note": "下班检查"})
    c.post(reverse("service:tool-act", args=[tool.pk, "return"]), {"condition": "完好"})
    tool.refresh_from_db()
    assert tool.status == ToolStatus.IN
    r = c.post(reverse("service:tool-act", args=[tool.pk, "return"]), {}, follow=True)
    assert "未借出" in r.content.decode()


def test_another_stores_tool_is_a_404(world, store_a, store_b, make_user, client_for):
    from fours.core.roles import Role

    tool = svc.tool_save(actor=world["foreman"], store=store_a, data={"code": "T-1", "name": "x"})
    other = make_user(Role.FOREMAN, store_b, "fm_b")
    c = client_for(other)
    assert c.get(reverse("service:tool-edit", args=[tool.pk])).status_code == 404
    assert c.post(reverse("service:tool-act", args=[tool.pk, "lend"]), {}).status_code == 404


def test_quality_paperwork_pages(world, store_a, client_for):
    w = world
    ro = finish_work(w, confirmed(w, store_a))
    from fours.service import services

    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    c = client_for(w["qc"])
    assert c.get(reverse("service:ro-quality", args=[ro.pk])).status_code == 200
    assert c.get(reverse("service:ro-certificate", args=[ro.pk])).status_code == 404
    data = {"stage": "completion", "passed": "1", "d_speed": "60"}
    data.update({f"c_{k}": "1" for k, _l in q.CHECKLISTS["completion"]})
    c.post(reverse("service:ro-quality-act", args=[ro.pk, "inspect"]), data)
    assert StageInspection.objects.filter(ro=ro, passed=True).exists()
    page = c.get(reverse("service:ro-certificate", args=[ro.pk])).content.decode()
    assert "出厂合格证" in page and f"HG{ro.number}" in page
    slip = c.get(reverse("service:ro-dispatch-slip", args=[ro.pk, f"t{w['tech'].pk}"]))
    assert slip.status_code == 200 and "派工单" in slip.content.decode()


def test_finance_exports_the_piece_rate_report(world, store_a, make_user, client_for):
    from fours.core.roles import Role

    c = client_for(make_user(Role.FINANCE, store_a, "fin"))
    r = c.get(reverse("service:performance") + "?export=pay")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
