from decimal import Decimal

import factory

from fours.core.tests.factories import make_uscc
from fours.parts.models import Bin, Part, PartSetting, Supplier, TradeCustomer, Warehouse


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    part_no = factory.Sequence(lambda n: f"04152YZZA{n:03d}")
    display_no = factory.LazyAttribute(lambda o: o.part_no)
    name = factory.Sequence(lambda n: f"机油滤清器{n}")
    brand = "丰田"
    unit = "PCS"
    list_price = Decimal("80.00")
    retail_price = Decimal("98.00")
    wholesale_price = Decimal("85.00")
    insurance_price = Decimal("95.00")
    purchase_price = Decimal("50.0000")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"广州配件供应商{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(5000 + n))
    lead_time_days = 3


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("store", "code")

    code = "01"
    name = "主仓库"


class BinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bin

    warehouse = factory.SubFactory(WarehouseFactory, store=factory.SelfAttribute("..store"))
    rack = "A01"
    level = "1"
    position = factory.Sequence(lambda n: f"{n % 100:02d}")
    code = factory.LazyAttribute(lambda o: f"{o.warehouse.code}-{o.rack}-{o.level}-{o.position}")


class TradeCustomerFactory(factory.django.DjangoModelFactory):
    """A trade customer; ``credit_limit=…`` sets the limit on its finance party (default: none, 先款后货)."""

    class Meta:
        model = TradeCustomer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"天河汽修厂{n}")

    @factory.post_generation
    def credit_limit(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            from fours.finance.models import Party
            from fours.parts.services import trade_party

            Party.objects.filter(pk=trade_party(obj).pk).update(credit_limit=Decimal(str(extracted)))


def pay_sale(sale, cashier, method="cash", amount=None):
    """The cashier takes a slip's money at the finance desk (all of it unless ``amount``)."""
    from fours.finance.services import payment_take
    from fours.parts.selectors import sale_open_item

    item = sale_open_item(sale)
    amount = item.open_amount if amount is None else Decimal(str(amount))
    return payment_take(
        actor=cashier,
        store=sale.store,
        party=item.party,
        lines=[(method, amount)],
        allocations=[(item, amount)],
    )


def setting(store, part, **kw):
    obj, _ = PartSetting.objects.update_or_create(store=store, part=part, defaults=kw)
    return obj


def sell(*, seller, keeper, cashier, store, lines, **kw):
    """A counter sale the seeds' way: the slip (开单), the payment at the cashier's desk, the issue (出库)."""
    from fours.parts.services import counter_sale_create, sale_issue

    sale = counter_sale_create(actor=seller, store=store, lines=lines, **kw)
    if not sale.terms == "account":
        pay_sale(sale, cashier)
    return sale_issue(actor=keeper, sale=sale)
