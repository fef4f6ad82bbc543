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
    class Meta:
        model = TradeCustomer

    name = factory.Sequence(lambda n: f"天河汽修厂{n}")
    credit_limit = Decimal("50000")


def setting(store, part, **kw):
    obj, _ = PartSetting.objects.update_or_create(store=store, part=part, defaults=kw)
    return obj
