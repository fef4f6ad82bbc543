import pytest
from django.db import connection, transaction
from django.utils import timezone

from fours.core.choices import DocKind
from fours.core.models import NumberSequence
from fours.core.numbering import next_number
from tests.race import Lock, together


def test_numbers_have_prefix_year_and_count_per_store_and_kind(store_a, store_b):
    year = timezone.localdate().year
    assert next_number(store=store_a, kind=DocKind.REPAIR_ORDER) == f"RO-{year}-000001"
    assert next_number(store=store_a, kind=DocKind.REPAIR_ORDER) == f"RO-{year}-000002"
    assert next_number(store=store_b, kind=DocKind.REPAIR_ORDER) == f"RO-{year}-000001"
    assert next_number(store=store_a, kind=DocKind.INVOICE) == f"INV-{year}-000001"


def test_a_new_year_starts_again(store_a):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    when = datetime(2031, 1, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert next_number(store=store_a, kind=DocKind.INVOICE, when=when) == "INV-2031-000001"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_posting_gives_its_number_back(store_a):
    """Invoices are gapless: the number is taken inside the posting transaction."""
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(store=store_a, kind=DocKind.INVOICE)
        raise RuntimeError("posting failed")
    year = timezone.localdate().year
    assert next_number(store=store_a, kind=DocKind.INVOICE) == f"INV-{year}-000001"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gapless_under_concurrency_on_postgresql(store_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL (run by ./dev test)")
    taken: list[int] = []
    lock = Lock()

    def worker():
        for _ in range(200):
            with transaction.atomic():
                number = next_number(store=store_a, kind=DocKind.INVOICE)
            with lock:
                taken.append(int(number.rsplit("-", 1)[1]))

    errors = [o.error for o in together(*[worker] * 8) if o.error]
    assert not errors
    assert sorted(taken) == list(range(1, 1601))
    assert NumberSequence.objects.get(store=store_a, kind="INV").last == 1600
