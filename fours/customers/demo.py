"""Demo archive: the model catalogue of both brands, a few hundred customers and vehicles per store
(Chinese names, a few fleet companies, VINs with correct check digits, 粤A plates incl. NEV plates,
odometer history). Idempotent: a store whose customers exist is left alone."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fours.core.roles import Role
from fours.core.validators import id_check_char, uscc_check_char, vin_check_digit

from .models import (
    Brand,
    Configuration,
    Customer,
    CustomerAssignment,
    CustomerKind,
    CustomerPhone,
    Fuel,
    OdometerReading,
    OdometerSource,
    Ownership,
    Series,
    Source,
    Vehicle,
    VehicleModel,
)

ORDER = 10
PER_STORE = 300

CATALOGUE = {
    "丰田": (
        "LVG",
        {
            "凯美瑞": [
                ("2.0S 锋尚版", "M20C 2.0L", Fuel.PETROL, 179800),
                ("2.5HE 双擎尊贵版", "A25D 2.5L混动", Fuel.HEV, 229800),
            ],
            "雷凌": [
                ("1.5L CVT 进取版", "M15C 1.5L", Fuel.PETROL, 113800),
                ("双擎 1.8L E-CVT", "2ZR 1.8L混动", Fuel.HEV, 139800),
            ],
            "汉兰达": [("2.5L 双擎四驱豪华版", "A25B 2.5L混动", Fuel.HEV, 309800)],
            "威兰达": [("2.0L CVT 两驱领先版", "M20C 2.0L", Fuel.PETROL, 175800)],
            "铂智4X": [("520 Pro", "永磁同步电机", Fuel.BEV, 159800)],
        },
    ),
    "本田": (
        "LHG",
        {
            "雅阁": [
                ("260TURBO 豪华版", "L15C 1.5T", Fuel.PETROL, 179800),
                ("锐·混动 2.0L 舒适版", "LFB 2.0L混动", Fuel.HEV, 199800),
            ],
            "型格": [("240TURBO CVT 科技版", "L15C 1.5T", Fuel.PETROL, 139900)],
            "皓影": [
                ("240TURBO CVT 两驱精英版", "L15C 1.5T", Fuel.PETROL, 181900),
                ("e:PHEV 尊贵版", "LFB 2.0L插混", Fuel.PHEV, 259900),
            ],
            "飞度": [("1.5L CVT 潮跑版", "L15B 1.5L", Fuel.PETROL, 89800)],
            "e:NP2 极湃2": [("长续航 绽版", "永磁同步电机", Fuel.BEV, 189800)],
        },
    ),
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌浩宇欣怡子涵梓轩嘉俊晓东"
COMPANIES = [
    "广州市顺达物流有限公司",
    "广州白云出租汽车有限公司",
    "广东粤通建设工程有限公司",
    "广州天河企业服务有限公司",
]
COLOURS = ["珍珠白", "极光白", "曜石黑", "铂金灰", "星空蓝", "炫动红", "月光银"]
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ROADS = ["天河路", "中山大道", "黄埔大道", "广州大道", "工业大道", "新港东路", "白云大道", "番禺大道"]
DISTRICTS = ["天河区", "越秀区", "海珠区", "白云区", "番禺区", "黄埔区", "荔湾区"]


def _catalogue() -> dict[str, list[Configuration]]:
    out = {}
    for brand_name, (_wmi, series_map) in CATALOGUE.items():
        brand, _ = Brand.objects.get_or_create(name=brand_name)
        confs = []
        for series_name, rows in series_map.items():
            series, _ = Series.objects.get_or_create(brand=brand, name=series_name)
            model, _ = VehicleModel.objects.get_or_create(series=series, name=series_name)
            for year in (2023, 2025):
                for name, engine, fuel, msrp in rows:
                    conf, _ = Configuration.objects.get_or_create(
                        model=model,
                        year=year,
                        name=name,
                        defaults={
                            "engine": engine,
                            "fuel": fuel,
                            "transmission": "E-CVT" if fuel != Fuel.PETROL else "CVT",
                            "msrp": Decimal(msrp),
                        },
                    )
                    confs.append(conf)
        out[brand_name] = confs
    return out


def make_vin(rnd: random.Random, wmi: str, year: int, serial: int) -> str:
    year_code = "NPRSTV"[max(0, min(5, year - 2022))]
    vds = "".join(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(5))
    body = f"{wmi}{vds}0{year_code}G{serial:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def make_plate(rnd: random.Random, nev: bool, used: set[str]) -> str:
    while True:
        if nev:
            plate = f"粤A{rnd.choice('DF')}{rnd.choice(LETTERS + '0123456789')}{rnd.randint(0, 9999):04d}"
        else:
            tail = "".join(rnd.choice(LETTERS[:8] + "0123456789" * 2) for _ in range(5))
            plate = f"粤A{tail}"
        if plate not in used:
            used.add(plate)
            return plate


def make_mobile(rnd: random.Random, used: set[str]) -> str:
    while True:
        m = f"1{rnd.choice('3578')}{rnd.randint(0, 9)}{rnd.randint(10000000, 99999999)}"
        if m not in used:
            used.add(m)
            return m


def make_id(rnd: random.Random, birthday) -> str:
    first = f"4401{rnd.randint(0, 1)}{rnd.randint(1, 9)}{birthday:%Y%m%d}{rnd.randint(100, 999)}"
    return first + id_check_char(first)


@transaction.atomic
def load(ctx) -> None:
    confs = _catalogue()
    rnd = random.Random(2026)
    today = timezone.localdate()
    used_mobiles = set(CustomerPhone.objects.values_list("number", flat=True))
    used_plates = set(Vehicle.objects.values_list("plate", flat=True))
    serial = Vehicle.objects.count() + 1
    for store in ctx.stores:
        if Customer.objects.filter(created_store=store).exists():
            continue
        brand = store.brands.split(",")[0].strip()
        if brand not in confs:
            continue
        wmi = CATALOGUE[brand][0]
        staff = {
            r: ctx.users.get((store.code, r))
            for r in (Role.SALES_CONSULTANT, Role.SERVICE_ADVISOR, Role.CRM_SPECIALIST)
        }
        customers = []
        for i in range(PER_STORE):
            company = i < len(COMPANIES) and store == ctx.stores[0] or (i < 2 and store != ctx.stores[0])
            birthday = today - timedelta(days=rnd.randint(22 * 365, 65 * 365))
            if company:
                name = (
                    COMPANIES[i]
                    if store == ctx.stores[0]
                    else f"广州市{'骏达汇通'[i * 2 : i * 2 + 2]}汽车租赁有限公司"
                )
                first17 = f"91440101MA{rnd.randint(1000000, 9999999)}"
                c = Customer(
                    kind=CustomerKind.COMPANY,
                    name=name,
                    contact_person=rnd.choice(SURNAMES) + "经理",
                    id_number=first17 + uscc_check_char(first17),
                    source=Source.FLEET,
                )
            else:
                name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
                c = Customer(
                    kind=CustomerKind.PERSON,
                    name=name,
                    gender=rnd.choice("MF"),
                    birthday=birthday,
                    id_number=make_id(rnd, birthday) if rnd.random() < 0.6 else "",
                    source=rnd.choice(
                        [
                            Source.WALK_IN,
                            Source.WALK_IN,
                            Source.ONLINE,
                            Source.PHONE,
                            Source.REFERRAL,
                            Source.SERVICE,
                        ]
                    ),
                    consent_marketing=rnd.random() < 0.4,
                    tags=rnd.choice([[], [], ["老客户"], ["转介绍达人"], ["VIP"]]),
                )
            c.group = store.group
            c.created_store = store
            c.mobile = make_mobile(rnd, used_mobiles)
            c.address = f"广州市{rnd.choice(DISTRICTS)}{rnd.choice(ROADS)}{rnd.randint(1, 999)}号"
            customers.append(c)
        Customer.objects.bulk_create(customers)
        customers = list(Customer.objects.filter(created_store=store).order_by("id"))
        for c in customers:
            c.number = f"C{c.pk:08d}"
        Customer.objects.bulk_update(customers, ["number"])
        CustomerPhone.objects.bulk_create(
            [CustomerPhone(customer=c, number=c.mobile, is_primary=True) for c in customers]
        )
        CustomerAssignment.objects.bulk_create(
            [
                CustomerAssignment(
                    customer=c,
                    store=store,
                    sales_consultant=staff[Role.SALES_CONSULTANT],
                    service_advisor=staff[Role.SERVICE_ADVISOR],
                    care_specialist=staff[Role.CRM_SPECIALIST],
                )
                for c in customers
            ]
        )
        vehicles = []
        for c in customers:
            fleet = c.kind == CustomerKind.COMPANY
            for _k in range(rnd.randint(3, 6) if fleet else (2 if rnd.random() < 0.12 else 1)):
                conf = rnd.choice(confs[brand])
                sold = today - timedelta(days=rnd.randint(20, 6 * 365))
                years = (today - sold).days / 365
                km = int(years * rnd.randint(9000, 22000)) + rnd.randint(50, 900)
                v = Vehicle(
                    group=store.group,
                    vin=make_vin(rnd, wmi, sold.year, serial),
                    plate=make_plate(rnd, conf.fuel in Fuel.nev(), used_plates),
                    engine_no=f"{conf.engine.split()[0][:4] if conf.engine.isascii() or conf.engine[0].isascii() else 'TZ'}{rnd.randint(100000, 999999)}",
                    model=conf.model,
                    configuration=conf,
                    colour=rnd.choice(COLOURS),
                    production_date=sold - timedelta(days=rnd.randint(20, 90)),
                    sale_date=sold,
                    registration_date=sold + timedelta(days=rnd.randint(1, 7)),
                    selling_store=store,
                    warranty_start=sold,
                    warranty_end=sold + timedelta(days=3 * 365),
                    warranty_km=100000,
                    insurer=rnd.choice(["中国人保", "平安保险", "太平洋保险", "中华联合"]),
                    policy_expiry=today + timedelta(days=rnd.randint(-30, 335)),
                    next_maintenance_date=today + timedelta(days=rnd.randint(-20, 150)),
                    next_maintenance_km=(km // 5000 + 1) * 5000,
                    odometer_km=km,
                    odometer_date=max(sold, today - timedelta(days=rnd.randint(0, 120))),
                    owner=c,
                    created_store=store,
                )
                vehicles.append(v)
                serial += 1
        Vehicle.objects.bulk_create(vehicles)
        vehicles = list(Vehicle.objects.filter(created_store=store).order_by("id"))
        Ownership.objects.bulk_create(
            [Ownership(vehicle=v, customer_id=v.owner_id, since=v.sale_date) for v in vehicles]
        )
        readings = []
        for v in vehicles:
            days = (v.odometer_date - v.sale_date).days
            steps = [v.sale_date + timedelta(days=int(days * f)) for f in (0.3, 0.65)] if days > 200 else []
            for k, d in enumerate(steps):
                readings.append(
                    OdometerReading(
                        vehicle=v,
                        value_km=int(v.odometer_km * (0.3, 0.65)[k]),
                        read_on=d,
                        source=OdometerSource.RECEPTION,
                        store=store,
                    )
                )
            readings.append(
                OdometerReading(
                    vehicle=v,
                    value_km=v.odometer_km,
                    read_on=v.odometer_date,
                    source=OdometerSource.RECEPTION,
                    store=store,
                )
            )
        OdometerReading.objects.bulk_create(readings)
        ctx.log(f"  {store.short_name or store.name}: {len(customers)} customers, {len(vehicles)} vehicles")
