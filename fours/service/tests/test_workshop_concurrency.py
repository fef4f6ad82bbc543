"""Races on PostgreSQL: two foremen lending the same tool at once make one loan (the other is refused
``tool_out``)."""

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.service.models import ToolLoan
from fours.service.services import tools as svc
from tests.race import race

from .conftest import confirmed
from .factories import build_world

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_two_lends_of_one_tool(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    from fours.core.roles import Role

    w = build_world(store_a, make_user)
    fm2 = make_user(Role.FOREMAN, store_a, "fm2")
    ro = confirmed(w, store_a)
    tool = svc.tool_save(actor=w["foreman"], store=store_a, data={"code": "T-1", "name": "拉马"})
    ok, refused, errors = race(
        lambda: svc.tool_lend(actor=w["foreman"], tool=tool, technician=w["tech"], ro=ro),
        lambda: svc.tool_lend(actor=fm2, tool=tool, technician=w["tech2"], ro=ro),
        refusal=BusinessError,
    )
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1 and refused[0].error_code == "tool_out"
    assert ToolLoan.objects.count() == 1
