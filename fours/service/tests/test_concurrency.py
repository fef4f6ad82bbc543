"""Two cashiers settle the same order at the same moment on PostgreSQL: exactly one succeeds, one
settlement and one invoice number exist, the other gets a clear refusal."""

import threading

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.service import services
from fours.service.models import Settlement

from .conftest import ready_to_settle
from .factories import build_world


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cashiers_settle_at_once(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    w = build_world(store_a, make_user)
    ro = ready_to_settle(w, store_a)
    start = threading.Barrier(2)
    ok, refused, errors = [], [], []

    def cashier(user):
        from django.db import connection as conn

        try:
            start.wait()
            ok.append(services.ro_settle(actor=user, ro=ro))
        except BusinessError as e:
            refused.append(e)
        except BaseException as e:
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=cashier, args=(u,)) for u in (w["cashier"], w["cashier2"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1
    assert "status" in refused[0].message_dict
    assert Settlement.objects.filter(ro=ro).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clock_ons_race(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    from fours.service.models import TimeLog

    from .conftest import confirmed

    w = build_world(store_a, make_user)
    ro1 = confirmed(w, store_a)
    from .factories import vehicle_for

    ro2 = confirmed(w, store_a, vehicle=vehicle_for(store_a, w["advisor"]))
    lines = [ro1.labour.first(), ro2.labour.first()]
    for ln in lines:
        services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"])
    start = threading.Barrier(2)
    ok, refused = [], []

    def clock(line):
        from django.db import connection as conn

        try:
            start.wait()
            ok.append(services.clock_on(actor=w["tech"], line=line))
        except BusinessError as e:
            refused.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=clock, args=(ln,)) for ln in lines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ok) == 1 and len(refused) == 1
    assert TimeLog.objects.filter(technician=w["tech"], ended_at__isnull=True).count() == 1
