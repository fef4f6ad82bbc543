"""A small service world: a store with staff of every service role, a customer with a vehicle of a
known series, stocked parts in bins, labour operations, a maintenance package and bays."""

from __future__ import annotations

import random
from decimal import Decimal as D

from fours.core.roles import Role
from fours.customers import services as archive
from fours.customers.demo import make_vin
from fours.customers.models import Brand, Series, VehicleModel
from fours.parts.services import stock_receive
from fours.parts.tests.factories import BinFactory, PartFactory, setting
from fours.service.models import Bay, LabourOperation, MaintenancePackage, PackageLabour, PackagePart

_rnd = random.Random(7)
_serial = [100000]


def vehicle_for(store, actor, *, name="王建国", mobile=None, company=False, model=None, plate=None):
    _serial[0] += 1
    data = {"name": name, "mobile": mobile or f"139{_serial[0]:08d}"}
    if company:
        data.update(kind="company", name=name, id_number="")
    customer = archive.customer_create(actor=actor, store=store, data=data, allow_duplicate=True)
    vdata = {"vin": make_vin(_rnd, "LVG", 2024, _serial[0]), "model": model}
    if plate:
        vdata["plate"] = plate
    return archive.vehicle_create(actor=actor, store=store, owner=customer, data=vdata)


def build_world(store, make_user) -> dict:
    w = {
        "advisor": make_user(Role.SERVICE_ADVISOR, store, "sa"),
        "advisor2": make_user(Role.SERVICE_ADVISOR, store, "sa2"),
        "foreman": make_user(Role.FOREMAN, store, "fm"),
        "tech": make_user(Role.TECHNICIAN, store, "tech1"),
        "tech2": make_user(Role.TECHNICIAN, store, "tech2"),
        "qc": make_user(Role.QC_INSPECTOR, store, "qc"),
        "cashier": make_user(Role.CASHIER, store, "cash1"),
        "cashier2": make_user(Role.CASHIER, store, "cash2"),
        "keeper": make_user(Role.STOREKEEPER, store, "keeper"),
        "manager": make_user(Role.SERVICE_MANAGER, store, "smgr"),
        "crm": make_user(Role.CRM_SPECIALIST, store, "crm1"),
        "pm": make_user(Role.PARTS_MANAGER, store, "pm1"),
    }
    brand, _ = Brand.objects.get_or_create(name="丰田")
    series, _ = Series.objects.get_or_create(brand=brand, name="凯美瑞")
    model, _ = VehicleModel.objects.get_or_create(series=series, name="凯美瑞")
    w["series"], w["model"] = series, model
    w["vehicle"] = vehicle_for(store, w["advisor"], model=model, plate="粤A12345")
    w["oil"] = PartFactory(
        group=store.group, part_no="0888080845", name="全合成机油 0W-20", unit="L", category="fluid"
    )
    w["filter"] = PartFactory(group=store.group, name="机油滤清器")
    w["pads"] = PartFactory(group=store.group, name="前刹车片", retail_price=D("598"), list_price=D("520"))
    w["rare"] = PartFactory(group=store.group, name="前大灯总成")
    for i, p in enumerate([w["oil"], w["filter"], w["pads"]]):
        stock_receive(actor=w["pm"], store=store, part=p, qty=40, unit_cost=D("30"), doc=p)
        setting(store, p, default_bin=BinFactory(store=store, rack=f"A0{3 - i}"))
    w["op_oil"] = LabourOperation.objects.create(
        group=store.group, code="M001", name="更换机油机滤", category="maint", standard_hours=D("0.5")
    )
    w["op_brake"] = LabourOperation.objects.create(
        group=store.group, code="B010", name="更换前刹车片", category="mech", standard_hours=D("1.2")
    )
    w["op_diag"] = LabourOperation.objects.create(
        group=store.group, code="D001", name="故障检测", category="diag", standard_hours=D("1")
    )
    pkg = MaintenancePackage.objects.create(group=store.group, code="KM10", name="1万公里保养", series=series)
    PackageLabour.objects.create(package=pkg, operation=w["op_oil"])
    PackagePart.objects.create(package=pkg, part=w["oil"], qty=D("4.5"))
    PackagePart.objects.create(package=pkg, part=w["filter"], qty=1)
    w["package"] = pkg
    w["bay"] = Bay.objects.create(store=store, code="01", name="快保1号")
    return w
