"""Every status machine of every app (``fours.core.workflows.WORKFLOWS``) is walked: each step needs exactly
its permission, is offered by ``allowed_next`` to who holds it, and is a bad transition from any status the
table does not list it from. The newer desks (sales, customer care) are also held to writing statuses and
step permissions only in their workflows: no template compares a status, no view holds a status literal or
checks a step's permission by hand."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from fours.core.errors import BusinessError, NotAllowed
from fours.core.workflows import WORKFLOWS


def _load_workflows():
    """Every app's workflows modules (``workflows.py``, ``workflows_*.py``): each table registers itself."""
    from importlib import import_module

    for cfg in apps.get_app_configs():
        if cfg.name.startswith("fours."):
            for path in sorted(Path(cfg.path).glob("workflows*.py")):
                import_module(f"{cfg.name}.{path.stem}")
    return sorted(WORKFLOWS.values(), key=lambda wf: wf.model)


ALL = _load_workflows()
CHECKED_APPS = ("sales", "crm")
# rows whose status is a delivery state, not a document's steps: a message is sent, held or refused once
NOT_DOCUMENTS = {"crm.Message"}


def _holding(perm: str | None):
    User = get_user_model()
    u = User.objects.create_user(f"wf{User.objects.count()}", password="x")
    if perm:
        app, codename = perm.split(".")
        u.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return User.objects.get(pk=u.pk)


def _take(wf, obj, step, actor):
    if step in wf.actions:
        wf.require_action(obj, step, actor=actor)
    else:
        wf.require(obj, to=step, actor=actor)


def _doc(wf, status):
    return apps.get_model(wf.model)(**{wf.field: status})


def test_every_sales_and_care_document_with_a_status_has_a_workflow():
    have = {wf.model for wf in ALL}
    for app in CHECKED_APPS:
        for model in apps.get_app_config(app).get_models():
            field = next((f for f in model._meta.fields if f.name == "status" and f.choices), None)
            if field is not None and f"{app}.{model.__name__}" not in NOT_DOCUMENTS:
                assert f"{app}.{model.__name__}" in have, (
                    f"{app}.{model.__name__} has a status but no workflow"
                )


@pytest.mark.django_db
@pytest.mark.parametrize("wf", ALL, ids=lambda wf: wf.model)
def test_every_step_needs_exactly_its_permission(wf):
    steps = list(wf.all_steps())
    assert steps
    nobody = _holding(None)
    holders = {}
    for src, step, perm in steps:
        obj = _doc(wf, src)
        user = holders.setdefault(perm, _holding(perm))
        _take(wf, obj, step, user)
        assert step in wf.allowed_next(obj, user)
        if perm:
            with pytest.raises(NotAllowed):
                _take(wf, obj, step, nobody)
            assert step not in wf.allowed_next(obj, nobody)
        allowed_from = (
            wf.actions[step][0] if step in wf.actions else {s for s, n in wf.transitions.items() if step in n}
        )
        for other in set(wf.choices.values) - set(allowed_from):
            with pytest.raises(BusinessError) as e:
                _take(wf, _doc(wf, other), step, user)
            assert e.value.error_code == "bad_transition"


def _app_dir(app):
    return Path(apps.get_app_config(app).path)


def _step_perms(app):
    """The permissions of the app's steps; a view permission (printing a document one may see) gates a page,
    it is not a step."""
    return {
        perm
        for wf in ALL
        if wf.model.startswith(f"{app}.")
        for _s, _t, perm in wf.all_steps()
        if perm and not perm.split(".")[1].startswith("view_")
    }


def _status_values(app):
    values = set()
    for wf in ALL:
        if wf.model.startswith(f"{app}."):
            values |= set(wf.choices.values)
    return values


@pytest.mark.parametrize("app", CHECKED_APPS)
def test_no_template_compares_a_status(app):
    bad = []
    perms = _step_perms(app)
    for path in (_app_dir(app) / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in ("status ==", "status !=", ".status in"):
            if pattern in text:
                bad.append(f"{path.name}: {pattern}")
        for codename in re.findall(rf"perms\.{app}\.(\w+)", text):
            if f"{app}.{codename}" in perms:
                bad.append(f"{path.name}: perms.{app}.{codename}")
    assert not bad, "\n".join(bad)


def _is_status(node) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return "status" in name


def _literals(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for elt in node.elts:
            yield from _literals(elt)


@pytest.mark.parametrize("app", CHECKED_APPS)
def test_no_view_compares_a_status_or_checks_a_steps_permission(app):
    """A view never decides by a document's status (``order.status == "quote"``) nor by a step's permission:
    both are the workflow's, read through ``allowed_next`` / ``can_ever``."""
    bad = []
    perms, values = _step_perms(app), _status_values(app)
    views = _app_dir(app) / "views"
    for path in sorted(views.glob("*.py") if views.is_dir() else [_app_dir(app) / "views.py"]):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(_is_status(x) for x in sides):
                    for side in sides:
                        for lit in _literals(side):
                            if lit.value in values:
                                bad.append(f"{path.name}:{lit.lineno} status {lit.value!r}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "has_perm":
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and arg.value in perms:
                    bad.append(f"{path.name}:{node.lineno} has_perm({arg.value!r})")
    assert not bad, "\n".join(bad)
