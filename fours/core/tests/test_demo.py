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


def test_demo_history_is_dated_truly_on_the_stock_card(db, tmp_path, settings):
    """The three months of service history are loaded in date order on a clock frozen at each order's
    time: every repair issue is dated at its order's issue, and each stock card, read in the order it
    was written, is in date order with running balances equal to the sum of its moves."""
    from collections import defaultdict

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from fours.core.models import AuditEvent
    from fours.parts.choices import MoveKind
    from fours.parts.models import StockMove
    from fours.parts.selectors import stock_differences
    from fours.service.models import RepairOrder

    settings.VAR_DIR = tmp_path
    call_command("demo_load", stdout=open("/dev/null", "w"))
    today = timezone.localdate()
    ro_ct = ContentType.objects.get_for_model(RepairOrder)
    history = {
        str(ro.pk): ro
        for ro in RepairOrder.objects.filter(status="delivered")
        if timezone.localtime(ro.received_at).date() < today
    }
    assert len(history) >= 60, len(history)
    issues = list(StockMove.objects.filter(kind=MoveKind.RO_ISSUE, content_type=ro_ct, object_id__in=history))
    assert issues
    days = {timezone.localtime(m.at).date() for m in issues}
    assert len(days) >= 30 and (max(days) - min(days)).days >= 60, sorted(days)
    events = defaultdict(set)
    for oid, at in AuditEvent.objects.filter(content_type=ro_ct, object_id__in=history).values_list(
        "object_id", "at"
    ):
        events[oid].add(at)
    for m in issues:
        ro = history[m.object_id]
        assert ro.received_at <= m.at <= ro.settled_at, (ro.number, m.at, ro.received_at, ro.settled_at)
        assert m.at in events[m.object_id], (ro.number, m.at)  # the order's own record of the issue
    # each card in the order it was written: dated in order, running balance = sum of the moves so far
    last, running = {}, defaultdict(int)
    for m in StockMove.objects.order_by("id").values("store_id", "part_id", "at", "qty", "balance_qty"):
        key = (m["store_id"], m["part_id"])
        assert key not in last or last[key] <= m["at"], (key, last[key], m["at"])
        last[key] = m["at"]
        running[key] += m["qty"]
        assert running[key] == m["balance_qty"], key
    assert stock_differences() == []
