import pytest

from fours.core.roles import Role
from fours.core.tests.factories import UserFactory, member


def test_store_page_of_another_store_is_404_in_ui_and_api(client_for, api_for, gm_a, store_a, store_b):
    assert client_for(gm_a).get(f"/core/stores/{store_a.pk}/").status_code == 200
    resp = client_for(gm_a).get(f"/core/stores/{store_b.pk}/")
    assert resp.status_code == 404
    assert "页面不存在" in resp.content.decode()  # the Chinese 404 page
    api = api_for(gm_a)
    assert api.get(f"/api/v1/stores/{store_a.pk}/").status_code == 200
    resp = api.get(f"/api/v1/stores/{store_b.pk}/")
    assert resp.status_code == 404
    assert resp.json()["error"]["status"] == 404
    assert [s["code"] for s in api.get("/api/v1/stores/").json()["results"]] == [store_a.code]


def test_group_manager_sees_every_store_of_the_group(api_for, group, store_a, store_b):
    user = member(UserFactory(), Role.GROUP_MANAGER, dealer_group=group)
    codes = {s["code"] for s in api_for(user).get("/api/v1/stores/").json()["results"]}
    assert codes == {store_a.code, store_b.code}


def test_store_switcher_refuses_a_foreign_store(client_for, gm_a, store_b):
    c = client_for(gm_a)
    assert c.post("/core/store/", {"store": store_b.pk}).status_code == 404


def test_store_switcher_changes_what_lists_show(client_for, group, store_a, store_b):
    from fours.core.audit import audit_record

    user = member(UserFactory(), Role.GROUP_MANAGER, dealer_group=group)
    audit_record(actor=user, obj=store_a, verb="操作A")
    audit_record(actor=user, obj=store_b, verb="操作B")
    c = client_for(user)
    c.post("/core/store/", {"store": store_b.pk, "next": "/"})
    html = c.get("/core/audit/").content.decode()
    assert "操作B" in html and "操作A" not in html
    c.post("/core/store/", {"store": "all"})
    html = c.get("/core/audit/").content.decode()
    assert "操作B" in html and "操作A" in html


@pytest.mark.parametrize(
    ("role", "audit_allowed"),
    [
        (Role.GENERAL_MANAGER, True),
        (Role.SERVICE_MANAGER, True),
        (Role.PARTS_MANAGER, True),
        (Role.TECHNICIAN, False),
        (Role.SERVICE_ADVISOR, False),
        (Role.STOREKEEPER, False),
    ],
)
def test_audit_log_permission_per_role(make_user, client_for, api_for, store_a, role, audit_allowed):
    user = make_user(role, store_a)
    expected = 200 if audit_allowed else 403
    assert client_for(user).get("/core/audit/").status_code == expected
    assert api_for(user).get("/api/v1/audit-events/").status_code == expected


def test_pages_need_login_and_api_answers_401(client, db):
    resp = client.get("/core/audit/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    resp = client.get("/api/v1/me/")
    assert resp.status_code == 401
    assert resp.json()["error"]["status"] == 401


def test_role_limits_are_data(make_user, store_a):
    from decimal import Decimal

    from fours.core.models import RoleLimit
    from fours.core.roles import LimitKind
    from fours.core.selectors import limit_for

    advisor = make_user(Role.SERVICE_ADVISOR, store_a)
    assert limit_for(advisor, store_a, LimitKind.DISCOUNT_PCT) == Decimal("5")
    RoleLimit.objects.filter(role__name=Role.SERVICE_ADVISOR, kind=LimitKind.DISCOUNT_PCT).update(value=7)
    advisor = type(advisor).objects.get(pk=advisor.pk)
    assert limit_for(advisor, store_a, LimitKind.DISCOUNT_PCT) == Decimal("7")


def test_healthz_checks_the_database(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json()["status"] == "ok"
