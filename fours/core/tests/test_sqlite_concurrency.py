"""The embedded SQLite default holds a small store's clerks working at once: 8 clients PATCHing the
same customer 5 times each all get 200 (no "database is locked"), and every change is kept.

Runs with real threads against a SQLite *file* (the test database is in memory, where locking
differs): the migrated test database is copied to a file, and the threads' connections open it
with the project's own SQLite OPTIONS (WAL, busy timeout, immediate transactions).
"""

import sqlite3

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from fours.core.models import AuditEvent
from fours.core.roles import Role
from tests.race import Lock, in_thread, together

THREADS, PATCHES = 8, 5

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only"),
    pytest.mark.django_db(transaction=True),  # the migrated test database (no open transaction), copied
]


@pytest.fixture
def file_db(tmp_path, django_db_setup, django_db_blocker):
    """The settings of ``default`` point at a file copy of the test database while the test runs.
    New threads open their own connection to it; the main thread's in-memory connection is left
    alone (closing it would drop the in-memory test database)."""
    path = tmp_path / "fours-threads.sqlite3"
    settings_dict = connections.settings["default"]
    with django_db_blocker.unblock():
        connection.ensure_connection()
        assert connection.is_in_memory_db() or "test" in settings_dict["NAME"], settings_dict["NAME"]
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        old_name, settings_dict["NAME"] = settings_dict["NAME"], str(path)
        try:
            yield path
        finally:
            settings_dict["NAME"] = old_name


def test_eight_clerks_patch_one_customer_without_database_is_locked(file_db):
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory, user_with_role
    from fours.customers import services
    from fours.customers.models import Customer

    def setup():
        assert connection.settings_dict["NAME"] == str(file_db)
        assert connection.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store = StoreFactory(group=DealerGroupFactory(code="SQ", name="并发集团"), code="S01", name="并发店")
        clerks = [user_with_role(Role.SERVICE_ADVISOR, store, f"clerk{i}") for i in range(THREADS)]
        customer = services.customer_create(
            actor=clerks[0], store=store, data={"name": "王建国", "mobile": "13812345678", "id_number": ""}
        )
        return [c.pk for c in clerks], customer.pk

    clerk_ids, customer_id = in_thread(setup)
    statuses, errors = [], []
    lock = Lock()

    def clerk(n):
        from django.contrib.auth import get_user_model

        try:
            api = APIClient()
            api.force_authenticate(get_user_model().objects.get(pk=clerk_ids[n]))
            for j in range(PATCHES):
                try:
                    resp = api.patch(
                        f"/api/v1/customers/customers/{customer_id}/",
                        {"address": f"clerk{n}-patch{j}"},
                        format="json",
                    )
                    status, error = resp.status_code, resp.content[:200] if resp.status_code != 200 else None
                except Exception as e:  # the test client raises what a server answers with a 500
                    status, error = 500, repr(e)
                with lock:
                    statuses.append(status)
                    if error:
                        errors.append(error)
        except BaseException as e:  # pragma: no cover - reported below
            with lock:
                errors.append(repr(e))
        finally:
            connections.close_all()

    together(*(lambda n=n: clerk(n) for n in range(THREADS)))
    failed = len([s for s in statuses if s != 200])
    assert errors == [] and statuses == [200] * (THREADS * PATCHES), (
        f"{failed} of {len(statuses)}",
        errors[:3],
    )

    def final():
        c = Customer.objects.get(pk=customer_id)
        events = list(AuditEvent.objects.filter(object_id=str(customer_id), verb="updated").order_by("id"))
        return c.address, [e.changes for e in events]

    address, changes = in_thread(final)
    assert len(changes) == THREADS * PATCHES  # every PATCH written and audited, none lost
    # the row holds the last committed change, and each change starts from the one before it
    assert address == changes[-1]["address"][1]
    for before, after in zip(changes, changes[1:], strict=False):
        assert after["address"][0] == before["address"][1]
    assert {ch["address"][1] for ch in changes} == {
        f"clerk{n}-patch{j}" for n in range(THREADS) for j in range(PATCHES)
    }
