from decimal import Decimal

import factory

from fours.core.choices import DepartmentKind
from fours.finance.choices import Direction, ItemSource, PartyKind
from fours.finance.models import Party


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    kind = PartyKind.CUSTOMER
    name = factory.Sequence(lambda n: f"客户{n}")
    ref = factory.Sequence(lambda n: f"test:{n}")


def post_item(*, actor, party, amount, source=ItemSource.OTHER, direction=Direction.RECEIVABLE, **kw):
    """An open item of a document the test does not need (the modules post theirs through the same door)."""
    from fours.finance.services import item_post

    return item_post(
        actor=actor,
        store=party.store,
        party=party,
        direction=direction,
        source=source,
        department=kw.pop("department", DepartmentKind.SERVICE),
        amount=Decimal(str(amount)),
        **kw,
    )
