"""The parts workflows: every step of every table takes exactly its permission, a status the table does
not list is refused as bad_transition, and a page never offers a step the user may not take."""

import ast
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse

from fours.core.errors import BusinessError, NotAllowed
from fours.core.roles import Role
from fours.core.tests.factories import UserFactory
from fours.core.workflows import WORKFLOWS, allowed_next
from fours.parts import choices, workflows
from fours.parts.models import (
    Discrepancy,
    PriceImportJob,
    PurchaseOrder,
    PurchasePlan,
    ReturnOrder,
    Sale,
    Stocktake,
    Transfer,
    WriteOff,
)
from fours.parts.services import (
    po_create,
    receipt_post,
    return_create,
    stock_receive,
    stocktake_create,
    transfer_create,
    writeoff_create,
)

from .factories import PartFactory, SupplierFactory, sell

PARTS_WORKFLOWS = {k: wf for k, wf in WORKFLOWS.items() if k.startswith("parts.")}
STEPS = [
    pytest.param(key, src, step, perm, id=f"{key}:{src}->{step}")
    for key, wf in sorted(PARTS_WORKFLOWS.items())
    for src, step, perm in wf.all_steps()
]


@pytest.mark.django_db
def test_every_parts_document_with_a_status_has_its_workflow():
    assert set(PARTS_WORKFLOWS) == {
        "parts.sale",
        "parts.transfer",
        "parts.returnorder",
        "parts.purchaseplan",
        "parts.purchaseorder",
        "parts.discrepancy",
        "parts.stocktake",
        "parts.writeoff",
        "parts.priceimportjob",
    }
    for wf in PARTS_WORKFLOWS.values():
        model = apps.get_model(wf.model)
        assert model._meta.get_field(wf.field).choices == wf.choices.choices
        for src, step, perm in wf.all_steps():
            assert src in wf.choices.values
            assert step in wf.choices.values or step in wf.actions
            if perm:  # every permission named exists
                app, codename = perm.split(".")
                assert Permission.objects.filter(content_type__app_label=app, codename=codename).exists(), (
                    perm
                )


def _user_with(perm):
    user = UserFactory()
    if perm:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return type(user).objects.get(pk=user.pk)  # no permission cache


def _take(wf, obj, step, actor):
    if step in wf.actions:
        wf.require_action(obj, step, actor=actor)
    else:
        wf.require(obj, to=step, actor=actor)


@pytest.mark.django_db
@pytest.mark.parametrize("key,src,step,perm", STEPS)
def test_each_step_takes_exactly_its_permission(key, src, step, perm):
    wf = PARTS_WORKFLOWS[key]
    obj = apps.get_model(wf.model)(**{wf.field: src})
    holder = _user_with(perm)
    _take(wf, obj, step, holder)  # the holder of exactly that permission may take it
    assert step in allowed_next(obj, holder)
    if perm:
        other = _user_with(None)
        with pytest.raises(NotAllowed):
            _take(wf, obj, step, other)
        assert step not in allowed_next(obj, other)
    # from a status the table does not list for this step: refused as a bad transition
    if step in wf.actions:
        elsewhere = [s for s in wf.choices.values if s not in wf.actions[step][0]]
    else:
        elsewhere = [s for s in wf.choices.values if step not in wf.transitions.get(s, {})]
    for bad in elsewhere:
        obj = apps.get_model(wf.model)(**{wf.field: bad})
        with pytest.raises(BusinessError) as e:
            _take(wf, obj, step, holder)
        assert e.value.error_code == "bad_transition"
        assert step not in allowed_next(obj, holder)


# --- the pages ------------------------------------------------------------------------------------


@pytest.fixture
def docs(group, store_a, store_b, make_user):
    pm = make_user(Role.PARTS_MANAGER, store_a, "pm_wf")
    keeper = make_user(Role.STOREKEEPER, store_a, "keeper_wf")
    sup = SupplierFactory(group=group)
    parts = [PartFactory(group=group) for _ in range(3)]
    for p in parts:
        stock_receive(actor=keeper, store=store_a, part=p, qty=10, unit_cost=D("20"), doc=p)
    cashier = make_user(Role.CASHIER, store_a, "cashier_wf")
    sale = sell(
        seller=pm,
        keeper=keeper,
        cashier=cashier,
        store=store_a,
        lines=[{"part": parts[0], "qty": 1}],
        delivery_address="天河路1号",
    )
    po = po_create(actor=pm, store=store_a, supplier=sup, lines=[{"part": p, "qty": 5} for p in parts])
    receipt = receipt_post(
        actor=keeper, order=po, lines=[{"po_line": po.lines.first(), "qty_noted": 5, "qty": 4}]
    )
    return {
        Sale: sale,
        Transfer: transfer_create(
            actor=pm, store=store_a, to_store=store_b, lines=[{"part": parts[1], "qty": 1}]
        ),
        ReturnOrder: return_create(
            actor=pm,
            store=store_a,
            kind=choices.ReturnKind.CUSTOMER,
            sale=sale,
            reason="x",
            lines=[{"part": parts[0], "qty": 1, "condition": "defective"}],
        ),
        PurchasePlan: PurchasePlan.objects.create(store=store_a, number="JH-WF-1", created_by=pm),
        PurchaseOrder: po,
        Discrepancy: Discrepancy.objects.get(receipt=receipt),
        Stocktake: stocktake_create(actor=pm, store=store_a),
        WriteOff: writeoff_create(
            actor=pm,
            store=store_a,
            reason="damaged",
            lines=[{"part": parts[2], "qty": 1}],
            shares=[{"party": "company", "amount": "20"}],
        ),
        PriceImportJob: PriceImportJob.objects.create(
            group=group, store=store_a, file_name="prices.csv", actor=pm
        ),
    }


def _markers(obj) -> dict[str, str]:
    """step -> what its button or form puts on the document's page."""
    pk = obj.pk
    if isinstance(obj, Sale):
        return {
            "billed": reverse("parts:sale-post", args=[pk]),
            "posted": reverse("parts:sale-issue", args=[pk]),
            "cancelled": reverse("parts:sale-cancel", args=[pk]),
            "deliver": reverse("parts:sale-deliver", args=[pk]),
            "return": reverse("parts:return-create") + f"?sale={pk}",
        }
    if isinstance(obj, Transfer):
        return {
            "shipped": reverse("parts:transfer-act", args=[pk, "ship"]),
            "received": reverse("parts:transfer-act", args=[pk, "receive"]),
        }
    if isinstance(obj, ReturnOrder):
        return {"resolved": reverse("parts:return-resolve", args=[pk])}
    if isinstance(obj, PurchasePlan):
        act = lambda s: reverse("parts:plan-act", args=[pk, s])  # noqa: E731
        return {
            "submitted": act("submit"),
            "approved": act("approve"),
            "rejected": act("reject"),
            "ordered": act("order"),
            "edit": act("line"),
        }
    if isinstance(obj, PurchaseOrder):
        return {
            "receive": reverse("parts:receipt-create", args=[pk]),
            "ordered": reverse("parts:po-approve", args=[pk]),
            workflows.po_close_step(obj): reverse("parts:po-close", args=[pk]),
        }
    if isinstance(obj, Discrepancy):
        return {
            "claimed": reverse("parts:discrepancy-act", args=[pk, "claim"]),
            "closed": reverse("parts:discrepancy-act", args=[pk, "close"]),
        }
    if isinstance(obj, Stocktake):
        act = lambda s: reverse("parts:stocktake-act", args=[pk, s])  # noqa: E731
        return {
            "count": act("count"),
            "submitted": act("submit"),
            "posted": act("approve"),
            "counting": act("reopen"),
            "finance": act("finance"),
        }
    if isinstance(obj, WriteOff):
        return {
            "approve": reverse("parts:writeoff-act", args=[pk, "approve"]),
            workflows.writeoff_post_step(obj): reverse("parts:writeoff-act", args=[pk, "post"]),
        }
    if isinstance(obj, PriceImportJob):
        return {"importing": "确认导入"}
    raise AssertionError(obj)


@pytest.mark.django_db
def test_a_page_never_offers_a_step_the_user_cannot_take(docs, store_a, store_b, make_user, client_for):
    users = [
        make_user(role, store_a, f"wf_{i}")
        for i, role in enumerate(
            [
                Role.PARTS_MANAGER,
                Role.PARTS_PLANNER,
                Role.STOREKEEPER,
                Role.PARTS_SALES,
                Role.FINANCE,
                Role.SERVICE_MANAGER,
                Role.WARRANTY_CLERK,
                Role.GENERAL_MANAGER,
            ]
        )
    ] + [make_user(Role.PARTS_MANAGER, store_b, "wf_b")]
    seen, checked = set(), 0

    def walk(model, obj):
        nonlocal checked
        wf = next(w for w in PARTS_WORKFLOWS.values() if apps.get_model(w.model) is model)
        url = obj.get_absolute_url()
        for status in wf.choices.values:
            model.objects.filter(pk=obj.pk).update(**{wf.field: status})
            obj.refresh_from_db()
            for user in users:
                resp = client_for(user).get(url)
                if resp.status_code != 200:
                    continue
                page = resp.content.decode()
                steps = allowed_next(obj, user)
                for step, marker in _markers(obj).items():
                    checked += 1
                    if marker in page:
                        assert step in steps, (model.__name__, status, user.username, step)
                        seen.add((model.__name__, step))

    for model, obj in docs.items():
        walk(model, obj)
    # once all three roles have confirmed a write-off, its post step may be offered
    wo = docs[WriteOff]
    pm, sm, wc = users[0], users[5], users[6]
    for u, role in ((sm, Role.SERVICE_MANAGER), (wc, Role.WARRANTY_CLERK), (pm, Role.PARTS_MANAGER)):
        wo.approvals.create(role=role, user=u)
    walk(WriteOff, wo)
    # every marker is a real button somewhere (the check above is not vacuous)
    offered = {(m.__name__, s) for m, o in docs.items() for s in _markers(o)}
    offered -= {("PurchaseOrder", "cancelled"), ("WriteOff", "charged")}  # the other branch of each
    assert offered <= seen, offered - seen
    assert checked > 500


# --- no page lists statuses -----------------------------------------------------------------------

PARTS = Path(__file__).resolve().parents[1]
STATUS_CHOICES = [
    c
    for c in vars(choices).values()
    if isinstance(c, type) and issubclass(c, choices.models.TextChoices) and c.__name__.endswith("Status")
] + [PriceImportJob.Status]


def test_no_template_compares_a_status():
    bad = [
        f"{p.relative_to(PARTS)}:{n}"
        for p in sorted((PARTS / "templates").rglob("*.html"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"status\s*==|\.status\s+in\b|status\s*!=", line)
    ]
    assert bad == []


def _status_literals(tree, values):
    """String constants equal to a status value, except dict keys and the names read from a form
    (``request.POST.get("draft")``, ``ctx["reversed"]``), which are not statuses."""
    named = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            named.update(id(k) for k in node.keys if k is not None)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"get", "getlist"}:
            named.update(id(a) for a in node.args[:1])
        elif isinstance(node, ast.Subscript):
            named.add(id(node.slice))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in values and id(node) not in named
    ]


def test_no_view_module_lists_statuses_or_checks_a_step_permission():
    values = {v for c in STATUS_CHOICES for v in c.values}
    step_perms = {perm for wf in PARTS_WORKFLOWS.values() for _s, _t, perm in wf.all_steps() if perm}
    step_perms -= {"parts.reverse_stockmove"}  # also reverses one stock move on the stock card (no status)
    bad = []
    for p in sorted((PARTS / "views").glob("*.py")):
        text = p.read_text()
        bad += [f"{p.name}:{n}: {v!r}" for n, v in _status_literals(ast.parse(text), values)]
        bad += [f"{p.name}: .status compared" for _m in re.finditer(r"\.status\s*(==|!=|in\b)", text)]
        bad += [
            f"{p.name}: has_perm({m.group(1)!r})"
            for m in re.finditer(r"has_perm\(\s*[\"']([\w.]+)[\"']", text)
            if m.group(1) in step_perms
        ]
    assert bad == []
