"""The tools, equipment and shortage API walks the same services: create, lend, the refusals answered 400
with their code and field (a tool that is out, one not lent), return, overdue loans, cards, tracking; another
store's tool is a 404."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role

from .conftest import confirmed

pytestmark = pytest.mark.django_db


def test_tools_api(world, store_a, store_b, api_for, make_user):
    w = world
    ro = confirmed(w, store_a)
    fm = api_for(w["foreman"])
    r = fm.post(
        reverse("api-tool-list"), {"code": "t-7", "name": "气门弹簧压缩器", "value": "300"}, format="json"
    )
    assert r.status_code == 201, r.json()
    tool = r.json()["id"]
    r = fm.post(reverse("api-tool-give-back", args=[tool]), {}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "tool_not_lent"
    assert "tool" in r.json()["error"]["fields"]
    morning = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9)))
    with mock.patch("django.utils.timezone.now", return_value=morning):
        r = fm.post(
            reverse("api-tool-lend", args=[tool]), {"technician": w["tech"].pk, "ro": ro.pk}, format="json"
        )
    assert r.status_code == 201, r.json()
    r = fm.post(
        reverse("api-tool-lend", args=[tool]), {"technician": w["tech2"].pk, "ro": ro.pk}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "tool_out"
    night = morning.replace(hour=21)
    with mock.patch("django.utils.timezone.now", return_value=night):
        r = fm.get(reverse("api-tool-loan-list") + "?overdue=true")
    assert [x["tool"] for x in r.json()["results"]] == [tool] and r.json()["results"][0]["overdue"]
    r = fm.post(reverse("api-tool-give-back", args=[tool]), {"condition": "完好"}, format="json")
    assert r.status_code == 200 and r.json()["returned_at"]
    other = api_for(make_user(Role.FOREMAN, store_b, "fm_b"))
    assert other.get(reverse("api-tool-detail", args=[tool])).status_code == 404
    # a technician reads the register but cannot lend
    tech = api_for(w["tech"])
    assert tech.get(reverse("api-tool-list")).status_code == 200
    r = tech.post(
        reverse("api-tool-lend", args=[tool]), {"technician": w["tech"].pk, "ro": ro.pk}, format="json"
    )
    assert r.status_code == 403


def test_equipment_api(world, store_a, api_for):
    fm = api_for(world["foreman"])
    r = fm.post(
        reverse("api-equipment-list"),
        {"code": "E-1", "name": "尾气分析仪", "calibration_days": 365},
        format="json",
    )
    assert r.status_code == 201, r.json()
    eq = r.json()["id"]
    today = timezone.localdate()
    r = fm.post(
        reverse("api-equipment-card", args=[eq]),
        {"kind": "calibration", "done_on": str(today), "result": "计量所标定合格"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = fm.get(reverse("api-equipment-detail", args=[eq]))
    assert r.json()["next_calibration"] == str(today + dt.timedelta(days=365))
    r = fm.post(
        reverse("api-equipment-card", args=[eq]),
        {"kind": "upkeep", "done_on": str(today + dt.timedelta(days=3)), "result": "x"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "in_future"
