"""售后设置: the service manager keeps the workshop catalogues. Each save is audited; each bad input is
refused naming the field, with nothing changed; the pages answer for the manager only; what is saved
is what the workshop uses next (labour rate on the next line, capacity on the next booking)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.errors import BusinessError, NotAllowed
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.core.tests.factories import DealerGroupFactory
from fours.customers.models import Brand, Series, VehicleModel
from fours.parts.tests.factories import PartFactory
from fours.service import selectors, services
from fours.service.models import (
    AdvisorCapacity,
    FaultCode,
    LabourOperation,
    LabourRate,
    LabourTime,
    MaintenancePackage,
    PackageLabour,
    PackagePart,
)
from fours.service.services.pricing import labour_rates, standard_hours

from .conftest import receive
from .factories import vehicle_for


def audits(obj, verb=None):
    qs = AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return qs.filter(verb=verb) if verb else qs


def snapshot():
    """Everything a catalogue service may write: nothing of it may change when input is refused."""
    return (
        AuditEvent.objects.count(),
        list(LabourOperation.objects.order_by("pk").values()),
        list(LabourTime.objects.order_by("pk").values()),
        list(LabourRate.objects.order_by("pk").values()),
        list(AdvisorCapacity.objects.order_by("pk").values()),
        list(MaintenancePackage.objects.order_by("pk").values()),
        list(PackageLabour.objects.order_by("pk").values()),
        list(PackagePart.objects.order_by("pk").values()),
        list(FaultCode.objects.order_by("pk").values()),
    )


def refused(fn, field, **kw):
    before = snapshot()
    with pytest.raises(BusinessError) as e:
        fn(**kw)
    errors = e.value.message_dict
    assert field in errors, errors
    msg = errors[field][0]
    assert any("\u4e00" <= c <= "\u9fff" for c in msg), msg
    assert snapshot() == before
    return msg


@pytest.fixture
def other_series(db):
    """A series of a brand that no store of the group sells, and a model of the known series' brand."""
    brand, _ = Brand.objects.get_or_create(name="宝马")
    return Series.objects.get_or_create(brand=brand, name="3系")[0]


def op_data(**kw):
    data = {
        "code": "t100",
        "name": "更换火花塞",
        "category": "mech",
        "standard_hours": "0.8",
        "is_active": True,
    }
    data.update(kw)
    return data


def pkg_data(**kw):
    data = {
        "code": "KM20",
        "name": "2万公里保养",
        "series": None,
        "mileage_km": 20000,
        "interval_km": 10000,
        "interval_months": 6,
        "is_active": True,
    }
    data.update(kw)
    return data


# --- services save and audit ---------------------------------------------------------------------


def test_operation_save_creates_edits_and_replaces_times(world, store_a):
    w = world
    model2 = VehicleModel.objects.create(series=w["series"], name="凯美瑞 双擎")
    op = services.operation_save(
        actor=w["manager"],
        group=store_a.group,
        data=op_data(),
        times=[
            {"series": w["series"], "model": None, "hours": "1"},
            {"series": w["series"].pk, "model": model2.pk, "hours": "1.25"},
        ],
    )
    assert op.code == "T100" and op.standard_hours == D("0.80") and op.category == "mech"
    assert op.times.count() == 2
    assert audits(op, "created").count() == 1
    v2 = vehicle_for(store_a, w["advisor"], model=model2)
    assert standard_hours(op, v2) == D("1.25") and standard_hours(op, w["vehicle"]) == D("1.00")

    services.operation_save(
        actor=w["manager"],
        group=store_a.group,
        data=op_data(name="更换火花塞（4缸）", standard_hours="0.9", is_active=False),
        times=[{"series": w["series"], "hours": "1.1"}],
        operation=op,
    )
    op.refresh_from_db()
    assert op.name == "更换火花塞（4缸）" and not op.is_active
    assert list(op.times.values_list("model_id", "hours")) == [(None, D("1.10"))]
    ev = audits(op, "updated").get()
    assert set(ev.changes) >= {"name", "standard_hours", "is_active", "times"}
    assert ev.changes["standard_hours"] == ["0.80", "0.90"]


def test_labour_rates_save_upserts_and_blank_falls_back(world, store_a):
    w = world
    rates = services.labour_rates_save(
        actor=w["manager"], store=store_a, rates={"customer": "260", "warranty": "150.5"}
    )
    assert rates["customer"] == D("260.00") and rates["warranty"] == D("150.50")
    row = LabourRate.objects.get(store=store_a, payer="customer")
    assert audits(row, "created").count() == 1
    services.labour_rates_save(actor=w["manager"], store=store_a, rates={"customer": "280", "warranty": ""})
    assert audits(row, "updated").get().changes == {"rate": ["260.00", "280.00"]}
    assert not LabourRate.objects.filter(store=store_a, payer="warranty").exists()
    assert AuditEvent.objects.filter(verb="deleted", content_type__model="labourrate").count() == 1
    assert labour_rates(store_a)["warranty"] == store_a.labour_rate


def test_capacity_save_default_advisor_and_fallback(world, store_a):
    w = world
    default = services.capacity_save(actor=w["manager"], store=store_a, per_day=12, per_slot=2)
    assert default.advisor is None and audits(default, "created").count() == 1
    services.capacity_save(actor=w["manager"], store=store_a, per_day="10", per_slot="3")
    default.refresh_from_db()
    assert (default.per_day, default.per_slot) == (10, 3)
    assert audits(default, "updated").get().changes == {"per_day": [12, 10], "per_slot": [2, 3]}
    assert AdvisorCapacity.objects.filter(store=store_a, advisor__isnull=True).count() == 1

    own = services.capacity_save(
        actor=w["manager"], store=store_a, advisor=w["advisor"], per_day=4, per_slot=1
    )
    assert selectors.capacity_of(store_a, w["advisor"]) == (4, 1)
    assert selectors.capacity_of(store_a, w["advisor2"]) == (10, 3)
    assert (
        services.capacity_save(
            actor=w["manager"], store=store_a, advisor=w["advisor"], per_day="", per_slot=""
        )
        is None
    )
    assert audits(own, "deleted").count() == 1
    assert selectors.capacity_of(store_a, w["advisor"]) == (10, 3)


def test_package_save_creates_and_replaces_rows(world, store_a):
    w = world
    pkg = services.package_save(
        actor=w["manager"],
        group=store_a.group,
        data=pkg_data(series=w["series"].pk),
        labour=[{"operation": w["op_oil"].pk, "hours": ""}, {"operation": w["op_diag"], "hours": "0.3"}],
        parts=[{"part_no": "0888-0808-45", "qty": "4.5"}, {"part": w["filter"], "qty": 1}],
    )
    assert pkg.code == "KM20" and pkg.series == w["series"]
    assert sorted(pkg.labour.values_list("operation__code", "hours")) == [("D001", D("0.30")), ("M001", None)]
    assert sorted(pkg.parts.values_list("part_id", "qty")) == sorted(
        [(w["oil"].pk, D("4.5")), (w["filter"].pk, D("1"))]
    )
    assert audits(pkg, "created").count() == 1

    services.package_save(
        actor=w["manager"],
        group=store_a.group,
        data=pkg_data(name="2万公里保养（含空调滤）", series=None, interval_months="12"),
        labour=[],
        parts=[{"part": w["oil"], "qty": "4"}],
        package=pkg,
    )
    pkg.refresh_from_db()
    assert pkg.series is None and pkg.interval_months == 12
    assert not pkg.labour.exists() and list(pkg.parts.values_list("qty", flat=True)) == [D("4")]
    ev = audits(pkg, "updated").get()
    assert {"name", "series", "interval_months", "labour", "parts"} <= set(ev.changes)


def test_fault_code_save_creates_and_edits(world, store_a):
    w = world
    f = services.fault_code_save(
        actor=w["manager"],
        group=store_a.group,
        data={"code": "f101", "name": "刹车抖动", "kind": "fault", "system": "制动", "is_active": True},
    )
    assert f.code == "F101" and audits(f, "created").count() == 1
    services.fault_code_save(
        actor=w["manager"],
        group=store_a.group,
        data={"code": "F101", "name": "制动抖动", "kind": "complaint", "system": "制动", "is_active": "1"},
        fault=f,
    )
    f.refresh_from_db()
    assert f.name == "制动抖动" and f.kind == "complaint"
    assert audits(f, "updated").get().changes["name"] == ["刹车抖动", "制动抖动"]


# --- refusals: the field named, nothing changed ------------------------------------------------------


def test_duplicate_codes_are_refused(world, store_a):
    w, g = world, store_a.group
    msg = refused(services.operation_save, "code", actor=w["manager"], group=g, data=op_data(code="m001"))
    assert "M001" in msg and "已存在" in msg
    refused(
        services.package_save,
        "code",
        actor=w["manager"],
        group=g,
        data=pkg_data(code="km10"),
        labour=[{"operation": w["op_oil"]}],
        parts=[],
    )
    services.fault_code_save(
        actor=w["manager"], group=g, data={"code": "F1", "name": "异响", "kind": "fault"}
    )
    refused(
        services.fault_code_save,
        "code",
        actor=w["manager"],
        group=g,
        data={"code": "f1", "name": "另一个", "kind": "fault"},
    )
    # editing an operation may keep its own code, not take another's
    refused(
        services.operation_save,
        "code",
        actor=w["manager"],
        group=g,
        data=op_data(code="B010"),
        operation=w["op_oil"],
    )


@pytest.mark.parametrize("hours", ["0", "-1", "200.01", "0.125", "abc", ""])
def test_bad_standard_hours_are_refused(world, store_a, hours):
    refused(
        services.operation_save,
        "standard_hours",
        actor=world["manager"],
        group=store_a.group,
        data=op_data(standard_hours=hours),
    )


def test_bad_time_rows_are_refused(world, store_a, other_series):
    w, g = world, store_a.group
    other_model = VehicleModel.objects.create(series=other_series, name="320Li")
    msg = refused(
        services.operation_save,
        "times",
        actor=w["manager"],
        group=g,
        data=op_data(),
        times=[{"series": w["series"], "model": other_model, "hours": "1"}],
    )
    assert msg.startswith("第1行") and "不属于" in msg
    refused(
        services.operation_save,
        "times",
        actor=w["manager"],
        group=g,
        data=op_data(),
        times=[{"series": w["series"], "hours": "1"}, {"series": w["series"], "hours": "0"}],
    )
    refused(
        services.operation_save,
        "times",
        actor=w["manager"],
        group=g,
        data=op_data(),
        times=[{"series": other_series, "hours": "1"}],
    )
    refused(
        services.operation_save,
        "times",
        actor=w["manager"],
        group=g,
        data=op_data(),
        times=[{"series": w["series"], "hours": "1"}, {"series": w["series"].pk, "hours": "2"}],
    )
    # a refused edit leaves the existing rows as they were
    LabourTime.objects.create(operation=w["op_brake"], series=w["series"], hours=D("1.5"))
    refused(
        services.operation_save,
        "times",
        actor=w["manager"],
        group=g,
        data=op_data(code="B010"),
        times=[{"series": w["series"], "model": other_model, "hours": "1"}],
        operation=w["op_brake"],
    )
    assert list(w["op_brake"].times.values_list("hours", flat=True)) == [D("1.5")]


@pytest.mark.parametrize(
    ("per_day", "per_slot", "field"),
    [(2, 3, "per_slot"), (0, 0, "per_day"), (101, 1, "per_day"), ("x", 1, "per_day"), (5, "", "per_slot")],
)
def test_bad_capacity_is_refused(world, store_a, per_day, per_slot, field):
    services.capacity_save(actor=world["manager"], store=store_a, per_day=8, per_slot=1)
    refused(
        services.capacity_save,
        field,
        actor=world["manager"],
        store=store_a,
        per_day=per_day,
        per_slot=per_slot,
    )
    assert selectors.capacity_of(store_a, world["advisor"]) == (8, 1)


def test_capacity_of_someone_not_an_advisor_is_refused(world, store_a, store_b, make_user):
    refused(
        services.capacity_save,
        "advisor",
        actor=world["manager"],
        store=store_a,
        advisor=world["tech"],
        per_day=3,
        per_slot=1,
    )
    other = make_user(Role.SERVICE_ADVISOR, store_b, "sa_b")
    refused(
        services.capacity_save,
        "advisor",
        actor=world["manager"],
        store=store_a,
        advisor=other,
        per_day=3,
        per_slot=1,
    )


@pytest.mark.parametrize("rate", ["-1", "100000", "12.345", "abc"])
def test_bad_labour_rate_is_refused(world, store_a, rate):
    services.labour_rates_save(actor=world["manager"], store=store_a, rates={"customer": "200"})
    refused(
        services.labour_rates_save,
        "customer",
        actor=world["manager"],
        store=store_a,
        rates={"customer": rate, "warranty": "150"},
    )
    assert labour_rates(store_a)["customer"] == D("200.00")


def test_bad_package_rows_are_refused(world, store_a, other_series):
    w, g = world, store_a.group
    other_group = DealerGroupFactory(code="QT", name="其他集团")
    alien = PartFactory(group=other_group, name="别家机油")
    msg = refused(
        services.package_save,
        "parts",
        actor=w["manager"],
        group=g,
        data=pkg_data(),
        labour=[{"operation": w["op_oil"]}],
        parts=[{"part": alien, "qty": 1}],
    )
    assert "不属于本集团" in msg
    msg = refused(
        services.package_save,
        "parts",
        actor=w["manager"],
        group=g,
        data=pkg_data(),
        labour=[],
        parts=[{"part_no": "NO-SUCH-PART", "qty": 1}],
    )
    assert "NO-SUCH-PART" in msg
    refused(
        services.package_save,
        "parts",
        actor=w["manager"],
        group=g,
        data=pkg_data(),
        labour=[],
        parts=[{"part": w["filter"], "qty": "1.5"}],  # a piece part in halves
    )
    refused(
        services.package_save,
        "labour",
        actor=w["manager"],
        group=g,
        data=pkg_data(),
        labour=[],
        parts=[],
    )
    alien_op = LabourOperation.objects.create(group=other_group, code="X1", name="别家工时", standard_hours=1)
    refused(
        services.package_save,
        "labour",
        actor=w["manager"],
        group=g,
        data=pkg_data(),
        labour=[{"operation": alien_op}],
        parts=[],
    )
    refused(
        services.package_save,
        "series",
        actor=w["manager"],
        group=g,
        data=pkg_data(series=other_series),
        labour=[{"operation": w["op_oil"]}],
        parts=[],
    )
    for field, value in (("interval_km", 0), ("interval_months", "0"), ("mileage_km", "-5")):
        refused(
            services.package_save,
            field,
            actor=w["manager"],
            group=g,
            data=pkg_data(**{field: value}),
            labour=[{"operation": w["op_oil"]}],
            parts=[],
        )
    # a refused edit keeps the package's rows
    refused(
        services.package_save,
        "parts",
        actor=w["manager"],
        group=g,
        data=pkg_data(code="KM10"),
        labour=[],
        parts=[{"part": alien, "qty": 1}],
        package=w["package"],
    )
    assert w["package"].parts.count() == 2 and w["package"].labour.count() == 1


def test_every_bad_field_is_reported_at_once(world, store_a):
    before = snapshot()
    with pytest.raises(BusinessError) as e:
        services.operation_save(
            actor=world["manager"],
            group=store_a.group,
            data={"code": "", "name": "", "category": "nope", "standard_hours": "0"},
        )
    assert set(e.value.message_dict) == {"code", "name", "category", "standard_hours"}
    assert snapshot() == before


def test_other_roles_may_not_change_the_catalogues(world, store_a):
    w = world
    with pytest.raises(NotAllowed):
        services.operation_save(actor=w["tech"], group=store_a.group, data=op_data())
    with pytest.raises(NotAllowed):
        services.labour_rates_save(actor=w["advisor"], store=store_a, rates={"customer": "1"})
    with pytest.raises(NotAllowed):
        services.capacity_save(
            actor=w["advisor"], store=store_a, advisor=w["advisor"], per_day=99, per_slot=9
        )
    assert not LabourOperation.objects.filter(code="T100").exists() and not AdvisorCapacity.objects.exists()


# --- what is saved is what the workshop uses next ----------------------------------------------------


def test_new_labour_rate_prices_the_next_labour_line(world, store_a):
    w = world
    ro = receive(w, store_a)
    before = services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"])
    services.labour_rates_save(
        actor=w["manager"], store=store_a, rates={"customer": "300", "insurance": "320"}
    )
    line = services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_diag"])
    assert line.rate == D("300.00") and line.amount == D("300.00")  # 1 hour × 300
    before.refresh_from_db()
    assert before.rate == store_a.labour_rate  # lines already on the order keep their price


def test_new_capacity_is_enforced_by_the_next_booking(world, store_a):
    w = world
    services.capacity_save(actor=w["manager"], store=store_a, advisor=w["advisor"], per_day=2, per_slot=1)
    day = timezone.localdate() + dt.timedelta(days=2)

    def book(slot, vehicle=None):
        return services.appointment_create(
            actor=w["advisor"],
            store=store_a,
            vehicle=vehicle or vehicle_for(store_a, w["advisor"], model=w["model"]),
            advisor=w["advisor"],
            date=day,
            slot=slot,
            jobs="保养",
        )

    book(dt.time(9, 0))
    with pytest.raises(BusinessError) as e:
        book(dt.time(9, 0))
    assert "slot" in e.value.message_dict
    book(dt.time(9, 30))
    with pytest.raises(BusinessError) as e:
        book(dt.time(10, 0))
    assert "date" in e.value.message_dict and "2" in e.value.message_dict["date"][0]
    services.capacity_save(actor=w["manager"], store=store_a, advisor=w["advisor"], per_day=3, per_slot=2)
    book(dt.time(10, 0))


# --- pages ------------------------------------------------------------------------------------------


def page_urls(w):
    op, pkg = w["op_oil"], w["package"]
    fault = FaultCode.objects.create(group=op.group, code="F9", name="异响")
    return [
        reverse("service:settings"),
        reverse("service:operation-manage"),
        reverse("service:operation-create"),
        reverse("service:operation-edit", args=[op.pk]),
        reverse("service:package-manage"),
        reverse("service:package-create"),
        reverse("service:package-edit", args=[pkg.pk]),
        reverse("service:faultcode-list"),
        reverse("service:faultcode-create"),
        reverse("service:faultcode-edit", args=[fault.pk]),
    ]


def test_pages_answer_for_the_manager_and_not_for_a_technician(world, store_a, client_for, django_user_model):
    urls = page_urls(world)
    c = client_for(world["manager"])
    for url in urls:
        r = c.get(url)
        assert r.status_code == 200, url
        assert "售后设置" in r.content.decode() or "工时单价" in r.content.decode(), url
    body = c.get(reverse("service:settings")).content.decode()
    assert 'href="/service/settings/"' in body  # the nav entry
    assert reverse("service:operation-create") in body and reverse("service:package-create") in body
    c = client_for(world["tech"])
    for url in urls:
        assert c.get(url).status_code == 403, url
    assert c.post(reverse("service:settings"), {"form": "rates", "rate_customer": "1"}).status_code == 403
    assert not LabourRate.objects.exists()


def test_other_group_objects_are_404(world, store_a, client_for):
    other_group = DealerGroupFactory(code="QT", name="其他集团")
    op = LabourOperation.objects.create(group=other_group, code="X1", name="别家工时", standard_hours=1)
    c = client_for(world["manager"])
    assert c.get(reverse("service:operation-edit", args=[op.pk])).status_code == 404
    assert c.post(reverse("service:operation-edit", args=[op.pk]), {"code": "X1"}).status_code == 404


def test_settings_page_saves_rates_and_capacity(world, store_a, client_for):
    w = world
    c = client_for(w["manager"])
    body = c.get(reverse("service:settings")).content.decode()
    assert "自费" in body and "索赔" in body and "保险" in body and "内部" in body
    assert str(store_a.labour_rate) in body  # the store default shown where a payer has no rate
    assert (w["advisor"].get_full_name() or w["advisor"].username) in body

    r = c.post(
        reverse("service:settings"),
        {
            "form": "rates",
            "rate_customer": "268",
            "rate_warranty": "",
            "rate_insurance": "",
            "rate_internal": "",
        },
    )
    assert r.status_code == 302
    assert labour_rates(store_a)["customer"] == D("268.00")

    r = c.post(reverse("service:settings"), {"form": "rates", "rate_customer": "-5", "rate_internal": "99"})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-field="customer"' in body and "不能为负数" in body and 'value="-5"' in body
    assert labour_rates(store_a)["customer"] == D("268.00") and labour_rates(store_a)["internal"] != D("99")

    r = c.post(
        reverse("service:settings"),
        {"form": "capacity", "advisor": w["advisor"].pk, "per_day": "3", "per_slot": "1"},
    )
    assert r.status_code == 302 and selectors.capacity_of(store_a, w["advisor"]) == (3, 1)
    r = c.post(
        reverse("service:settings"), {"form": "capacity", "advisor": "", "per_day": "2", "per_slot": "5"}
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-field="per_slot"' in body and "每时段上限不能大于每日预约上限" in body
    assert not AdvisorCapacity.objects.filter(advisor__isnull=True).exists()


def test_settings_errors_in_english(world, store_a, client_for):
    c = client_for(world["manager"])
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    r = c.post(
        reverse("service:settings"), {"form": "capacity", "advisor": "", "per_day": "2", "per_slot": "5"}
    )
    assert r.status_code == 200 and 'data-field="per_slot"' in r.content.decode()
    assert 'lang="en"' in r.content.decode()


def test_operation_form_posts_through_the_ui(world, store_a, client_for):
    w = world
    c = client_for(w["manager"])
    url = reverse("service:operation-create")
    form = {
        "code": "s200",
        "name": "更换雨刮片",
        "category": "maint",
        "standard_hours": "0.3",
        "is_active": "1",
        "series": [str(w["series"].pk), "", str(w["series"].pk)],
        "model": ["", "", str(w["model"].pk)],
        "hours": ["0.4", "", "0.5"],  # the blank middle row is dropped
    }
    r = c.post(url, form)
    assert r.status_code == 302, r.content.decode()[:3000]
    op = LabourOperation.objects.get(group=store_a.group, code="S200")
    assert set(op.times.values_list("model_id", "hours")) == {(None, D("0.40")), (w["model"].pk, D("0.50"))}
    # edit: the bad row is shown again with its message, nothing saved
    edit = reverse("service:operation-edit", args=[op.pk])
    assert "更换雨刮片" in c.get(edit).content.decode()
    r = c.post(edit, {**form, "hours": ["0", "", "0.5"], "name": "改名"})
    body = r.content.decode()
    assert r.status_code == 200 and 'data-field="times"' in body and "第1行" in body and "改名" in body
    assert body.count("data-bad-row") == 1  # the first row is marked
    op.refresh_from_db()
    assert op.name == "更换雨刮片"
    r = c.post(edit, {**form, "standard_hours": "0", "code": "M001"})
    body = r.content.decode()
    assert 'data-field="standard_hours"' in body and 'data-field="code"' in body
    r = c.post(edit, {**form, "name": "更换雨刮片（前）", "series": [], "model": [], "hours": []})
    assert r.status_code == 302
    op.refresh_from_db()
    assert op.name == "更换雨刮片（前）" and not op.times.exists() and op.is_active


def test_package_form_posts_through_the_ui(world, store_a, client_for):
    w = world
    c = client_for(w["manager"])
    form = {
        "code": "KM30",
        "name": "3万公里保养",
        "series": str(w["series"].pk),
        "mileage_km": "30000",
        "interval_km": "10000",
        "interval_months": "6",
        "is_active": "1",
        "operation": [str(w["op_oil"].pk), str(w["op_diag"].pk)],
        "hours": ["", "0.5"],
        "part_no": [w["oil"].part_no.lower(), w["filter"].display_no],
        "qty": ["4.5", "1"],
    }
    r = c.post(reverse("service:package-create"), form)
    assert r.status_code == 302, r.content.decode()[:3000]
    pkg = MaintenancePackage.objects.get(code="KM30")
    assert r["Location"] == pkg.get_absolute_url()
    assert pkg.labour.count() == 2 and pkg.parts.count() == 2
    edit = reverse("service:package-edit", args=[pkg.pk])
    body = c.get(edit).content.decode()
    assert w["oil"].name in body and 'value="4.5"' in body
    r = c.post(edit, {**form, "part_no": ["NOPE-1", w["filter"].display_no], "name": "改名"})
    body = r.content.decode()
    assert r.status_code == 200 and 'data-field="parts"' in body and "NOPE-1" in body
    assert body.count("data-bad-row") == 1
    pkg.refresh_from_db()
    assert pkg.name == "3万公里保养" and pkg.parts.count() == 2
    r = c.post(edit, {**form, "operation": [], "hours": [], "part_no": [], "qty": []})
    assert r.status_code == 200 and 'data-field="labour"' in r.content.decode()


def test_fault_code_form_posts_through_the_ui(world, store_a, client_for):
    c = client_for(world["manager"])
    r = c.post(
        reverse("service:faultcode-create"),
        {"code": "f201", "name": "怠速抖动", "kind": "fault", "system": "发动机"},
    )
    assert r.status_code == 302
    f = FaultCode.objects.get(code="F201")
    assert not f.is_active  # the switch was not sent
    assert "F201" in c.get(reverse("service:faultcode-list")).content.decode()
    r = c.post(reverse("service:faultcode-create"), {"code": "F201", "name": "", "kind": "x"})
    body = r.content.decode()
    assert r.status_code == 200
    for field in ("code", "name", "kind"):
        assert f'data-field="{field}"' in body
    assert FaultCode.objects.count() == 1


def test_lists_have_create_and_edit_buttons(world, store_a, client_for):
    c = client_for(world["manager"])
    body = c.get(reverse("service:operation-manage")).content.decode()
    assert reverse("service:operation-create") in body
    assert reverse("service:operation-edit", args=[world["op_oil"].pk]) in body
    body = c.get(reverse("service:package-manage")).content.decode()
    assert reverse("service:package-edit", args=[world["package"].pk]) in body
    r = c.get(reverse("service:operation-manage") + "?_export=xlsx")
    assert r.status_code == 200


def test_settings_and_form_queries_do_not_grow_with_rows(
    world, store_a, client_for, make_user, django_assert_max_num_queries
):
    c = client_for(world["manager"])
    url = reverse("service:settings")
    edit = reverse("service:package-edit", args=[world["package"].pk])
    c.get(url), c.get(edit)
    with django_assert_max_num_queries(30) as few:
        c.get(url)
    with django_assert_max_num_queries(30) as few_pkg:
        c.get(edit)
    for i in range(5):
        make_user(Role.SERVICE_ADVISOR, store_a, f"sa_more{i}")
        services.capacity_save(
            actor=world["manager"], store=store_a, advisor=world["advisor"], per_day=5 + i, per_slot=1
        )
        PackagePart.objects.create(package=world["package"], part=PartFactory(group=store_a.group), qty=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get(url)
    with django_assert_max_num_queries(len(few_pkg.captured_queries)):
        c.get(edit)


def test_settings_page_saves_the_workshop_capacity(world, store_a, client_for):
    from fours.core.models import AuditEvent

    c = client_for(world["manager"])
    assert 'data-advisor="workshop"' in c.get(reverse("service:settings")).content.decode()
    r = c.post(
        reverse("service:settings"),
        {"form": "capacity", "advisor": "workshop", "per_day": "24", "per_slot": "3"},
    )
    assert r.status_code == 302
    shop = services.workshop_capacity(store_a)
    assert (shop.per_day, shop.per_slot) == (24, 3)
    assert AuditEvent.objects.filter(verb="updated", object_id=str(shop.pk)).exists()
    r = c.post(
        reverse("service:settings"),
        {"form": "capacity", "advisor": "workshop", "per_day": "2", "per_slot": "5"},
    )
    assert r.status_code == 200 and "每时段上限不能大于每日预约上限" in r.content.decode()
    shop.refresh_from_db()
    assert (shop.per_day, shop.per_slot) == (24, 3)
    tech = client_for(world["tech"])
    assert (
        tech.post(reverse("service:settings"), {"form": "capacity", "advisor": "workshop"}).status_code == 403
    )
