import json

from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from fours.core.roles import Role


def _counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"core", "customers", "parts", "service", "auth"}
    }


def test_demo_is_idempotent_and_every_login_works(db, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("demo_load", stdout=open("/dev/null", "w"))
    first = _counts()
    call_command("demo_load", stdout=open("/dev/null", "w"))
    second = _counts()
    changed = {k: (first[k], second[k]) for k in first if k != "core.AuditEvent" and first[k] != second[k]}
    assert not changed, f"a second demo_load added rows: {changed}"

    logins = json.loads((tmp_path / "demo_logins.json").read_text(encoding="utf-8"))
    assert set(logins[0]) == {"username", "password", "store", "role"}
    per_store = {}
    for row in logins:
        per_store.setdefault(row["store"], set()).add(row["role"])
    store_roles = {r.value for r in Role} - {Role.GROUP_MANAGER}
    stores = [s for s, roles in per_store.items() if store_roles <= roles]
    assert len(stores) == 2, per_store  # two demo stores, every role in each
    for row in logins:
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=row["username"], password=row["password"])
        assert user is not None, row["username"]


def test_500_page_is_in_chinese(rf):
    from fours.core.views import error_500

    resp = error_500(rf.get("/"))
    assert resp.status_code == 500 and "系统出现错误" in resp.content.decode()
