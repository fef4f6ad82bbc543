"""Idempotency-Key under faults on PostgreSQL: a backend killed in the middle of a keyed POST leaves
neither the write nor the key behind, so the retry with the same key runs the write once; two
requests with one key at the same time write once and give the same answer."""

import time
from decimal import Decimal as D

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from fours.core.models import IdempotencyRecord
from fours.core.roles import Role
from fours.parts.models import Sale, StockBalance, StockMove
from fours.parts.services import stock_receive
from fours.parts.tests.factories import PartFactory
from tests.race import Background

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(store_a, group, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("killing a backend mid-request is proven on PostgreSQL")
    seller = make_user(Role.PARTS_SALES, store_a, "idem_seller")
    keeper = make_user(Role.STOREKEEPER, store_a, "idem_keeper")
    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("20"), doc=part)
    api = APIClient()
    api.force_authenticate(seller)
    assert api.get(reverse("api-sale-list")).status_code == 200  # URLs and API loaded before the threads
    return {"seller": seller, "part": part, "store": store_a}


def _raw(autocommit=False):
    """A connection of the test's own, outside Django: holds row locks, watches and kills backends."""
    s = connection.settings_dict
    return psycopg.connect(
        autocommit=autocommit,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
    )


def _hold_balance_lock(raw, shop):
    """Lock the part's stock row, so a sale of it blocks inside its transaction until we let go."""
    table = StockBalance._meta.db_table
    raw.execute(
        f"SELECT id FROM {table} WHERE store_id = %s AND part_id = %s FOR UPDATE",
        [shop["store"].pk, shop["part"].pk],
    ).fetchone()


def _waiting_pids(n, timeout=60.0):
    """The pids of backends of this database waiting on a lock, once there are n of them (asked
    outside any transaction: pg_stat_activity is one snapshot per transaction)."""
    deadline = time.monotonic() + timeout
    pids = []
    with _raw(autocommit=True) as watch:
        while time.monotonic() < deadline:
            pids = [
                r[0]
                for r in watch.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                ).fetchall()
            ]
            if len(pids) >= n:
                return pids
            time.sleep(0.05)
    return pids


def _post_in_thread(user, part, key, out):
    def run():
        from django.db import connection as conn

        api = APIClient()
        api.force_authenticate(user)
        try:
            out.append(
                api.post(
                    reverse("api-sale-list"),
                    {"lines": [{"part": part.pk, "qty": "1"}]},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=key,
                )
            )
        except BaseException as e:
            out.append(e)
        finally:
            try:
                conn.close()
            except Exception:
                pass

    return Background(run)


def _sales(part):
    return Sale.objects.filter(lines__part=part).distinct().count()


def _issues(part):
    return StockMove.objects.filter(part=part, qty__lt=0).count()


def _reserved(shop):
    """What the slips reserve: a counter sale is a slip (paid at the cashier desk, then issued)."""
    return StockBalance.objects.get(store=shop["store"], part=shop["part"]).reserved


def test_backend_killed_mid_request_then_retry_writes_once(shop):
    seller, part = shop["seller"], shop["part"]
    raw = _raw()
    try:
        _hold_balance_lock(raw, shop)
        out = []
        t = _post_in_thread(seller, part, "kill-1", out)
        pids = _waiting_pids(1)
        assert len(pids) == 1, ("the keyed sale never reached the stock row lock", out)
        with _raw(autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pids[0]])
        t.join(30)
        assert not t.is_alive()
    finally:
        raw.rollback()
        raw.close()
    assert len(out) == 1 and isinstance(out[0], Exception), out  # the client was never answered
    # the killed backend took the claim down with the sale: nothing half-done is left
    assert IdempotencyRecord.objects.filter(user=seller, key="kill-1").count() == 0
    assert (_sales(part), _issues(part)) == (0, 0)

    api = APIClient()
    api.force_authenticate(seller)
    body = {"lines": [{"part": part.pk, "qty": "1"}]}
    retry = api.post(reverse("api-sale-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="kill-1")
    assert retry.status_code == 201, retry.content
    assert (_sales(part), _issues(part), _reserved(shop)) == (1, 0, 1)
    again = api.post(reverse("api-sale-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="kill-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == retry.json()
    assert (_sales(part), _issues(part), _reserved(shop)) == (1, 0, 1)
    assert StockBalance.objects.get(store=shop["store"], part=part).on_hand == 10


def test_two_requests_with_one_key_at_once_write_once_and_answer_alike(shop):
    seller, part = shop["seller"], shop["part"]
    raw = _raw()
    out: list = []
    try:
        _hold_balance_lock(raw, shop)
        first = _post_in_thread(seller, part, "dup-1", out)
        assert len(_waiting_pids(1)) == 1
        second = _post_in_thread(seller, part, "dup-1", out)
        # the second waits on the key's unique index behind the first (it does not answer 409)
        waiting = _waiting_pids(2, timeout=30.0)
    finally:
        raw.rollback()  # let the first go on
        raw.close()
    first.join(30)
    second.join(30)
    assert len(waiting) == 2, "the duplicate did not wait for the first request"
    assert len(out) == 2 and all(not isinstance(r, Exception) for r in out), out
    assert [r.status_code for r in out] == [201, 201], [r.content for r in out]
    assert out[0].json() == out[1].json()
    assert sorted(r.get("Idempotent-Replayed", "") for r in out) == ["", "true"]
    assert (_sales(part), _issues(part), _reserved(shop)) == (1, 0, 1)
    assert IdempotencyRecord.objects.filter(user=seller, key="dup-1", status_code=201).count() == 1
