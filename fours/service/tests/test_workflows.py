"""The workshop's status machines (fours.service.workflows) are the only place a step's status and
permission are written: every table is walked, the order page offers only the steps allowed_next names,
and no view or template lists statuses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from fours.core.errors import BusinessError, NotAllowed
from fours.core.workflows import WORKFLOWS, allowed_next
from fours.service import choices, services, workflows

from .conftest import confirmed, finish_work, ready_to_settle

SERVICE = Path(workflows.__file__).parent
SERVICE_WORKFLOWS = [wf for wf in WORKFLOWS.values() if wf.model.startswith("service.")]


def _holding(perm: str | None):
    """A user holding exactly ``perm`` (or nothing)."""
    u = get_user_model().objects.create_user(f"u{get_user_model().objects.count()}", password="x")
    if perm:
        app, codename = perm.split(".")
        u.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return get_user_model().objects.get(pk=u.pk)  # a fresh permission cache


def _take(wf, obj, step, actor):
    if step in wf.actions:
        wf.require_action(obj, step, actor=actor)
    else:
        wf.require(obj, to=step, actor=actor)


def _doc(wf, status):
    return wf_model(wf)(**{wf.field: status})


def wf_model(wf):
    from django.apps import apps

    return apps.get_model(wf.model)


def test_every_service_document_with_a_status_has_a_workflow():
    assert {wf.model for wf in SERVICE_WORKFLOWS} == {
        "service.RepairOrder",
        "service.LabourLine",
        "service.PartLine",
        "service.Appointment",
        "service.WarrantyClaim",
        "service.ReturnShipment",
        "service.AccidentJob",
        "service.Tool",
        "service.PartShortage",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("wf", SERVICE_WORKFLOWS, ids=lambda wf: wf.model)
def test_every_step_of_every_table_needs_exactly_its_permission(wf):
    steps = list(wf.all_steps())
    assert steps
    nobody = _holding(None)
    holders = {}
    for src, step, perm in steps:
        obj = _doc(wf, src)
        user = holders.setdefault(perm, _holding(perm))
        _take(wf, obj, step, user)  # the permission of the step is enough
        assert step in wf.allowed_next(obj, user)
        if perm:
            with pytest.raises(NotAllowed):
                _take(wf, obj, step, nobody)
            assert step not in wf.allowed_next(obj, nobody)
        # from a status the table does not list the step from, it is a bad transition for anyone
        allowed_from = (
            wf.actions[step][0] if step in wf.actions else {s for s, n in wf.transitions.items() if step in n}
        )
        for other in set(wf.choices.values) - set(allowed_from):
            with pytest.raises(BusinessError) as e:
                _take(wf, _doc(wf, other), step, user)
            assert e.value.error_code == "bad_transition"


def test_the_order_buttons_that_change_the_status_read_the_transition_table():
    for name, to in [
        ("estimate", choices.ROStatus.AWAITING_APPROVAL),
        ("confirm", choices.ROStatus.IN_PROGRESS),
        ("settle", choices.ROStatus.SETTLED),
        ("reverse", choices.ROStatus.AWAITING_SETTLEMENT),
        ("deliver", choices.ROStatus.DELIVERED),
    ]:
        (src,), perm = workflows.RO.actions[name]
        assert workflows.RO.transitions[src][to] == perm
    statuses, perm = workflows.RO.actions["cancel"]
    assert all(workflows.RO.transitions[s][choices.ROStatus.CANCELLED] == perm for s in statuses)


@pytest.mark.django_db
def test_estimate_confirmation_is_refused_once_the_order_is_past_it(world, store_a):
    w = world
    ro = finish_work(w, confirmed(w, store_a))
    assert ro.status == choices.ROStatus.AWAITING_QC
    before = ro.approvals.count()
    with pytest.raises(BusinessError) as e:
        services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    assert e.value.error_code == "bad_transition"
    ro.refresh_from_db()
    assert ro.status == choices.ROStatus.AWAITING_QC and ro.approvals.count() == before


STEP_URL = re.compile(r'action="/service/orders/(\d+)/([a-z-]+)/"')


def _offered(html: str, pk: int) -> set[str]:
    return {step for ro_pk, step in STEP_URL.findall(html) if int(ro_pk) == pk}


@pytest.mark.django_db
@pytest.mark.parametrize("stage", ["received", "in_progress", "awaiting_qc", "awaiting_settlement"])
def test_the_order_page_offers_only_the_steps_the_user_may_take(world, store_a, client_for, stage):
    w = world
    from .conftest import receive

    ro = {
        "received": lambda: receive(w, store_a, package=w["package"]),
        "in_progress": lambda: confirmed(w, store_a),
        "awaiting_qc": lambda: finish_work(w, confirmed(w, store_a)),
        "awaiting_settlement": lambda: ready_to_settle(w, store_a),
    }[stage]()
    assert ro.status == stage
    seen = set()
    for role in ["advisor", "foreman", "tech", "qc", "cashier", "keeper", "manager", "crm"]:
        user = w[role]
        r = client_for(user).get(reverse("service:ro-detail", args=[ro.pk]))
        if r.status_code == 403:
            continue
        offered = _offered(r.content.decode(), ro.pk)
        may = allowed_next(ro, user)
        assert offered <= may, (role, offered - may)
        seen |= offered
    assert seen, "no role was offered any step"


@pytest.mark.django_db
def test_a_cashier_is_not_offered_the_advisors_or_the_workshops_steps(world, store_a, client_for):
    w = world
    ro = confirmed(w, store_a)
    html = client_for(w["cashier"]).get(reverse("service:ro-detail", args=[ro.pk])).content.decode()
    for step in ["labour-add", "part-add", "dispatch", "clock-on", "issue", "cancel", "delay", "discount"]:
        assert f"/service/orders/{ro.pk}/{step}/" not in html
    html = client_for(w["advisor"]).get(reverse("service:ro-detail", args=[ro.pk])).content.decode()
    for step in ["labour-add", "part-add", "cancel", "delay", "discount"]:
        assert f"/service/orders/{ro.pk}/{step}/" in html
    for step in ["dispatch", "issue", "settle", "qc"]:
        assert f"/service/orders/{ro.pk}/{step}/" not in html


@pytest.mark.django_db
def test_a_step_the_page_does_not_offer_is_refused_when_posted(world, store_a, client_for):
    w = world
    ro = confirmed(w, store_a)
    lines = ro.labour.count()
    r = client_for(w["cashier"]).post(
        reverse("service:ro-act", args=[ro.pk, "labour-add"]), {"name": "洗车", "hours": "1"}, follow=True
    )
    assert r.status_code == 200 and "您的岗位不能执行此操作" in r.content.decode()
    assert ro.labour.count() == lines


@pytest.mark.django_db
def test_a_technician_adds_the_parts_the_job_needs(world, store_a, client_for):
    w = world
    ro = confirmed(w, store_a)
    html = client_for(w["tech"]).get(reverse("service:ro-detail", args=[ro.pk])).content.decode()
    assert f"/service/orders/{ro.pk}/part-add/" in html
    n = ro.parts.count()
    services.ro_part_add(actor=w["tech"], ro=ro, part=w["pads"], qty=1)
    assert ro.parts.count() == n + 1
    with pytest.raises(NotAllowed):
        services.ro_part_add(actor=w["cashier"], ro=ro, part=w["pads"], qty=1)
    assert ro.parts.count() == n + 1


@pytest.mark.django_db
def test_the_appointment_page_offers_its_steps_from_the_workflow(world, store_a, client_for):
    import datetime as dt

    from django.utils import timezone

    w = world
    appt = services.appointment_create(
        actor=w["advisor"],
        store=store_a,
        vehicle=w["vehicle"],
        advisor=w["advisor"],
        date=timezone.localdate() + dt.timedelta(days=1),
        slot=dt.time(10, 0),
        jobs="保养",
    )
    url = reverse("service:appointment-detail", args=[appt.pk])
    html = client_for(w["advisor"]).get(url).content.decode()
    for step in ["remind", "no-show", "cancel"]:
        assert f"/service/appointments/{appt.pk}/{step}/" in html
    assert "?appointment=" in html
    html = client_for(w["crm"]).get(url).content.decode()  # may change appointments, not receive cars
    assert f"/service/appointments/{appt.pk}/cancel/" in html and "?appointment=" not in html
    services.appointment_cancel(actor=w["advisor"], appt=appt, reason="改期")
    html = client_for(w["advisor"]).get(url).content.decode()
    assert f"/service/appointments/{appt.pk}/" + "remind/" not in html and "?appointment=" not in html


# --- no view or template lists statuses or checks a step's permission by hand -----------------------

STATUS_VALUES = set()
for _c in (choices.ROStatus, choices.ApptStatus, choices.LabourStatus, choices.PartStatus):
    STATUS_VALUES |= set(_c.values)
# Opening an order (接车开单) is the create button of lists and home pages, not a step of a document.
STEP_PERMS = {perm for wf in SERVICE_WORKFLOWS for _s, _t, perm in wf.all_steps() if perm} - {
    "service.add_repairorder"
}
# Who may *see* a page (perm_or_403-like gates) is not a step: the old-part ledger is the
# storekeeper's and the warranty clerk's.
VIEW_GATES = {("workshop.py", "service.issue_repairorder"), ("cashier.py", "finance.add_payment")}


def test_no_service_template_compares_a_status():
    bad = []
    for path in (SERVICE / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in ("status ==", "status !=", ".status in"):
            if pattern in text:
                bad.append(f"{path.name}: {pattern}")
        for codename in re.findall(r"perms\.service\.(\w+)", text):
            if f"service.{codename}" in STEP_PERMS:
                bad.append(f"{path.name}: perms.service.{codename}")
    assert not bad


def test_no_service_view_holds_a_status_literal_or_a_steps_permission():
    bad = []
    for path in (SERVICE / "views").glob("*.py"):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        # a page's context names (``{"title": …, "rework": rate}``) are names, not statuses
        context_names = {
            id(k)
            for n in ast.walk(tree)
            if isinstance(n, ast.Dict)
            and any(isinstance(k, ast.Constant) and k.value == "title" for k in n.keys)
            for k in n.keys
        }
        skip = docstrings | context_names
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                if node.value in STATUS_VALUES:
                    bad.append(f"{path.name}:{node.lineno} status {node.value!r}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "has_perm":
                arg = node.args[0] if node.args else None
                if (
                    isinstance(arg, ast.Constant)
                    and arg.value in STEP_PERMS
                    and (path.name, arg.value) not in VIEW_GATES
                ):
                    bad.append(f"{path.name}:{node.lineno} has_perm({arg.value!r})")
    assert not bad
