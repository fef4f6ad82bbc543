"""The daily job started twice at the same moment (a cron and a manual run): one task per key (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import connection

from fours.crm.services import care_tasks_queue
from fours.customers.models import CareTask
from tests.race import race

from .conftest import delivered_ro


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_each_task_once(store_a, crm_user, advisor):
    if connection.vendor != "postgresql":
        pytest.skip("the unique key under concurrency is proven on PostgreSQL")
    for _ in range(3):
        delivered_ro(store_a, advisor, total=Decimal("9000"))
    ok, _refused, errors = race(
        lambda: care_tasks_queue(store=store_a), lambda: care_tasks_queue(store=store_a)
    )
    assert not errors and len(ok) == 2
    keys = list(CareTask.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 6  # 3 repair orders × (3-day call, high-value call)
    # each run reports what it queued; a task the other run made at the same moment may be counted by both
    assert sum(sum(r.values()) for r in ok) >= 6
