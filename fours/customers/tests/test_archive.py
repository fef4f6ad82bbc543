"""The archive's rules as a user and an integrator meet them."""

import io
import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.core.validators import vin_check_digit
from fours.customers import imports, services
from fours.customers.demo import make_vin
from fours.customers.models import (
    Customer,
    CustomerAssignment,
    CustomerPhone,
    ImportJob,
    OdometerReading,
    Ownership,
    PlateChange,
    Vehicle,
)
from fours.customers.selectors import mask_id, mask_mobile, search_archive

GOOD_VIN = make_vin(random.Random(1), "LVG", 2025, 123456)


def bad_check_digit(vin: str) -> str:
    wrong = "0" if vin[8] != "0" else "1"
    return vin[:8] + wrong + vin[9:]


@pytest.fixture
def advisor(make_user, store_a):
    return make_user(Role.SERVICE_ADVISOR, store_a, "adv_a")


@pytest.fixture
def tech(make_user, store_a):
    return make_user(Role.TECHNICIAN, store_a, "tech_a")


@pytest.fixture
def customer(advisor, store_a):
    return services.customer_create(
        actor=advisor, store=store_a, data={"name": "王建国", "mobile": "13812345678", "id_number": ""}
    )


@pytest.fixture
def vehicle(advisor, store_a, customer):
    return services.vehicle_create(
        actor=advisor,
        store=store_a,
        owner=customer,
        data={"vin": GOOD_VIN, "plate": "粤A12345", "odometer_km": 15000},
    )


def test_customer_gets_number_phone_and_evenly_assigned_staff(store_a, make_user, advisor):
    s1 = make_user(Role.SALES_CONSULTANT, store_a, "s1")
    s2 = make_user(Role.SALES_CONSULTANT, store_a, "s2")
    made = [
        services.customer_create(
            actor=advisor, store=store_a, data={"name": f"客户{i}", "mobile": f"1391234000{i}"}
        )
        for i in range(4)
    ]
    assert made[0].number.startswith("C")
    assert CustomerPhone.objects.get(customer=made[0]).is_primary
    loads = [CustomerAssignment.objects.filter(store=store_a, sales_consultant=u).count() for u in (s1, s2)]
    assert loads == [2, 2]
    assert CustomerAssignment.objects.filter(store=store_a, service_advisor=advisor).count() == 4
    assert AuditEvent.objects.filter(verb="created", object_id=str(made[0].pk)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "张三", "mobile": "1381234567"}, "mobile"),  # 10 digits
        ({"name": "张三", "mobile": "23812345678"}, "mobile"),
        ({"name": "", "mobile": "13812340000"}, "name"),
        ({"name": "张三", "mobile": "13812340000", "id_number": "440101199001011234"}, "id_number"),
        ({"name": "某公司", "kind": "company", "id_number": "91440101MA0000000X"}, "id_number"),
    ],
)
def test_bad_customer_input_names_the_field_and_writes_nothing(advisor, store_a, data, field):
    with pytest.raises(BusinessError) as e:
        services.customer_create(actor=advisor, store=store_a, data=data)
    assert field in e.value.message_dict
    assert Customer.objects.count() == 0


def test_duplicate_phone_or_id_is_refused_and_names_the_existing_record(
    advisor, store_a, store_b, customer, make_user
):
    with pytest.raises(BusinessError) as e:
        services.customer_create(
            actor=advisor, store=store_a, data={"name": "王建", "mobile": "138 1234 5678"}
        )
    assert "王建国" in str(e.value.message_dict["mobile"])
    # the archive is group-wide: another store of the group finds the same customer
    other = make_user(Role.SERVICE_ADVISOR, store_b, "adv_b")
    with pytest.raises(BusinessError):
        services.customer_create(actor=other, store=store_b, data={"name": "王", "mobile": "13812345678"})
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        (bad_check_digit(GOOD_VIN), "校验位"),
        (GOOD_VIN[:16], "17位"),
        (GOOD_VIN[:5] + "I" + GOOD_VIN[6:], "I、O、Q"),
    ],
)
def test_bad_vin_is_refused_with_a_clear_message(advisor, store_a, customer, vin, message):
    with pytest.raises(BusinessError) as e:
        services.vehicle_create(actor=advisor, store=store_a, owner=customer, data={"vin": vin})
    assert message in str(e.value.message_dict["vin"])
    assert Vehicle.objects.count() == 0


def test_demo_vins_have_correct_check_digits():
    rnd = random.Random(7)
    for n in range(200):
        vin = make_vin(rnd, "LHG", 2024, n)
        assert vin_check_digit(vin) == vin[8]


def test_plates_incl_new_energy_and_history(advisor, store_a, vehicle):
    with pytest.raises(BusinessError) as e:
        services.vehicle_update(actor=advisor, vehicle=vehicle, data={"plate": "粤A1234"})
    assert "plate" in e.value.message_dict
    services.vehicle_update(actor=advisor, vehicle=vehicle, data={"plate": "粤AD12345"})
    vehicle.refresh_from_db()
    assert vehicle.plate == "粤AD12345"
    change = PlateChange.objects.get(vehicle=vehicle)
    assert (change.old_plate, change.new_plate) == ("粤A12345", "粤AD12345")


def test_duplicate_vin_is_refused(advisor, store_a, customer, vehicle):
    with pytest.raises(BusinessError) as e:
        services.vehicle_create(actor=advisor, store=store_a, owner=customer, data={"vin": GOOD_VIN.lower()})
    assert "粤A12345" in str(e.value.message_dict["vin"])


def test_odometer_is_append_only_and_never_falls_without_a_correction(advisor, store_a, vehicle, make_user):
    assert vehicle.odometer_km == 15000
    services.odometer_record(actor=advisor, vehicle=vehicle, value_km=16000)
    with pytest.raises(BusinessError) as e:
        services.odometer_record(actor=advisor, vehicle=vehicle, value_km=9000)
    assert "value_km" in e.value.message_dict
    with pytest.raises(PermissionDenied):  # an advisor may not correct
        services.odometer_record(
            actor=advisor, vehicle=vehicle, value_km=9000, correction=True, reason="换仪表"
        )
    mgr = make_user(Role.SERVICE_MANAGER, store_a, "sm")
    with pytest.raises(BusinessError) as e:
        services.odometer_record(actor=mgr, vehicle=vehicle, value_km=9000, correction=True, reason=" ")
    assert "reason" in e.value.message_dict
    services.odometer_record(actor=mgr, vehicle=vehicle, value_km=120, correction=True, reason="更换仪表")
    vehicle.refresh_from_db()
    assert vehicle.odometer_km == 120
    assert list(
        OdometerReading.objects.filter(vehicle=vehicle).order_by("id").values_list("value_km", flat=True)
    ) == [
        15000,
        16000,
        120,
    ]


def test_transfer_keeps_the_ownership_history(advisor, store_a, vehicle, customer):
    fleet = services.customer_create(
        actor=advisor,
        store=store_a,
        data={"name": "广州顺达物流有限公司", "kind": "company", "mobile": "13900001111"},
    )
    services.vehicle_transfer(actor=advisor, vehicle=vehicle, new_owner=fleet, note="过户")
    vehicle.refresh_from_db()
    assert vehicle.owner == fleet
    rows = list(Ownership.objects.filter(vehicle=vehicle).order_by("id"))
    assert [r.customer for r in rows] == [customer, fleet]
    assert rows[0].until is not None and rows[1].until is None
    with pytest.raises(BusinessError):
        services.vehicle_transfer(actor=advisor, vehicle=vehicle, new_owner=fleet)


def test_search_by_plate_vin_and_phone_tails(advisor, store_a, vehicle, customer, gm_b):
    assert search_archive(advisor, "2345")[0].vehicle == vehicle  # plate tail
    assert search_archive(advisor, "粤A123")[0].vehicle == vehicle  # plate start
    assert search_archive(advisor, GOOD_VIN[-6:])[0].vehicle == vehicle  # VIN tail
    assert search_archive(advisor, "5678")[0].customer == customer  # phone tail
    assert search_archive(advisor, "13812345678")[0].customer == customer
    assert search_archive(advisor, "王建")[0].customer == customer  # name prefix
    assert search_archive(advisor, "0000") == []
    # masked in the results for a role without the permission
    assert "138****5678" in search_archive(advisor, "5678")[0].detail or advisor.has_perm(
        "customers.see_sensitive"
    )


def test_search_box_answers_htmx_and_other_groups_see_nothing(client_for, advisor, vehicle, make_user):
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory

    html = (
        client_for(advisor)
        .get(reverse("archive-search"), {"q": "2345"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "粤A12345" in html and "<html" not in html
    other_store = StoreFactory(group=DealerGroupFactory(code="XX", name="别的集团"), code="X01")
    outsider = make_user(Role.SERVICE_ADVISOR, other_store, "outsider")
    assert search_archive(outsider, "2345") == []
    assert client_for(outsider).get(reverse("customers:vehicle-detail", args=[vehicle.pk])).status_code == 404


def test_masking_and_audited_reveal(client_for, customer, tech, advisor, store_a):
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_id("440101199001011237") == "4401**********1237"
    page = client_for(tech).get(reverse("customers:customer-detail", args=[customer.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    export = client_for(tech).get(reverse("customers:customer-list"), {"_export": "csv"}).content.decode()
    assert "138****5678" in export and "13812345678" not in export
    assert client_for(tech).post(reverse("customers:customer-reveal", args=[customer.pk])).status_code == 403
    resp = client_for(advisor).post(reverse("customers:customer-reveal", args=[customer.pk]))
    assert "13812345678" in resp.content.decode()
    assert AuditEvent.objects.filter(verb="reveal", object_id=str(customer.pk), actor=advisor).exists()


def test_merge_moves_every_referencing_row_in_one_go(advisor, store_a, make_user, customer, vehicle):
    dup = services.customer_create(
        actor=advisor, store=store_a, data={"name": "王建国", "mobile": "13998765432"}
    )
    car2 = services.vehicle_create(
        actor=advisor, store=store_a, owner=dup, data={"vin": make_vin(random.Random(5), "LVG", 2024, 9)}
    )
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=advisor, survivor=customer, merged=dup)
    mgr = make_user(Role.SERVICE_MANAGER, store_a, "sm2")
    record = services.customer_merge(actor=mgr, survivor=customer, merged=dup, reason="同一人两个号码")
    car2.refresh_from_db()
    dup.refresh_from_db()
    assert car2.owner == customer and dup.merged_into == customer
    assert set(customer.phones.values_list("number", flat=True)) == {"13812345678", "13998765432"}
    assert Ownership.objects.filter(customer=customer).count() == 2
    assert record.moved["customers.vehicle.owner"] == 1
    assert search_archive(advisor, "5432")[0].customer == customer  # the merged record is hidden
    with pytest.raises(BusinessError):
        services.customer_merge(actor=mgr, survivor=customer, merged=dup)


def _xlsx(rows, kind):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([h for h, _f in imports.COLUMNS[kind]])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_is_all_or_nothing_and_reports_every_bad_row(advisor, store_a, group, customer):
    content = _xlsx(
        [
            ["李四", "个人", "13700000001", "", "广州", "1990-01-02", "", ""],
            ["", "个人", "13700000002", "", "", "", "", ""],  # no name
            ["赵六", "个人", "1370000003", "", "", "", "", ""],  # 10-digit mobile
            ["钱七", "个人", "13812345678", "", "", "", "", ""],  # already in the archive
            ["孙八", "个人", "13700000001", "", "", "", "", ""],  # repeats row 2
        ],
        "customers",
    )
    job = ImportJob.objects.create(
        group=group, store=store_a, kind="customers", file_name="c.xlsx", actor=advisor
    )
    job = imports.run_import(job, content)
    assert job.status == "failed"
    assert sorted({(e["row"], e["column"]) for e in job.errors}) == [
        (3, "姓名/单位名称"),
        (4, "手机号"),
        (5, "手机号"),
        (6, "手机号"),
    ]
    assert Customer.objects.count() == 1  # nothing written
    good = _xlsx([["李四", "个人", "13700000001", "", "广州", "1990-01-02", "", ""]], "customers")
    job2 = imports.run_import(
        ImportJob.objects.create(
            group=group, store=store_a, kind="customers", file_name="c.xlsx", actor=advisor
        ),
        good,
    )
    assert job2.status == "done" and job2.created_rows == 1
    assert search_archive(advisor, "0001")[0].customer.name == "李四"


def test_import_refuses_a_file_that_is_not_excel(advisor, store_a, group):
    job = ImportJob.objects.create(
        group=group, store=store_a, kind="vehicles", file_name="x.xlsx", actor=advisor
    )
    job = imports.run_import(job, b"name,phone\nx,y\n")
    assert job.status == "failed" and "Excel" in job.errors[0]["message"]


def test_vehicle_import_links_owners_by_phone(advisor, store_a, group, customer):
    vin = make_vin(random.Random(3), "LVG", 2025, 77)
    content = _xlsx(
        [[vin, "粤B88888", "13812345678", "", "", "", "白", "", "2025-01-01", "", 1200]], "vehicles"
    )
    job = imports.run_import(
        ImportJob.objects.create(
            group=group, store=store_a, kind="vehicles", file_name="v.xlsx", actor=advisor
        ),
        content,
    )
    assert job.status == "done", job.errors
    v = Vehicle.objects.get(vin=vin)
    assert v.owner == customer and v.odometer_km == 1200
    assert search_archive(advisor, vin[-6:])[0].vehicle == v


def test_import_command_shows_errors_and_writes_nothing(tmp_path, store_a, advisor):
    from django.core.management import CommandError, call_command

    f = tmp_path / "c.xlsx"
    f.write_bytes(_xlsx([["", "个人", "1", "", "", "", "", ""]], "customers"))
    with pytest.raises(CommandError):
        call_command(
            "import_archive", "customers", str(f), store=store_a.code, user=advisor.username, verbosity=0
        )
    assert Customer.objects.count() == 0


def test_pages_render_with_pinned_query_counts(
    client_for, advisor, vehicle, customer, django_assert_max_num_queries
):
    c = client_for(advisor)
    for i in range(5):
        services.odometer_record(actor=advisor, vehicle=vehicle, value_km=16000 + i)
    for name, args in (
        ("customers:customer-list", []),
        ("customers:vehicle-list", []),
        ("customers:customer-detail", [customer.pk]),
        ("customers:vehicle-detail", [vehicle.pk]),
        ("customers:catalogue", []),
    ):
        with django_assert_max_num_queries(30):
            assert c.get(reverse(name, args=args)).status_code == 200


def test_customer_form_offers_the_existing_record(client_for, advisor, customer):
    resp = client_for(advisor).post(
        reverse("customers:customer-create"),
        {
            "kind": "person",
            "name": "王",
            "mobile": "13812345678",
            "source": "walk_in",
            "preferred_channel": "phone",
        },
    )
    html = resp.content.decode()
    assert resp.status_code == 200 and customer.get_absolute_url() in html
    assert Customer.objects.count() == 1


def test_api_filters_masking_and_field_errors(api_for, advisor, tech, vehicle, customer):
    api = api_for(advisor)
    assert api.get("/api/v1/customers/vehicles/", {"plate": "2345"}).json()["count"] == 1
    assert api.get("/api/v1/customers/vehicles/", {"vin": GOOD_VIN[-6:]}).json()["count"] == 1
    assert api.get("/api/v1/customers/vehicles/", {"phone": "5678"}).json()["count"] == 1
    assert api.get("/api/v1/customers/customers/", {"phone": "5678"}).json()["count"] == 1
    masked = api_for(tech).get(f"/api/v1/customers/customers/{customer.pk}/").json()
    assert masked["mobile"] == "138****5678"
    bad = api.post(
        "/api/v1/customers/vehicles/",
        {"owner": customer.pk, "vin": bad_check_digit(GOOD_VIN[:-1] + "9")},
        format="json",
    )
    assert bad.status_code == 400 and "vin" in bad.json()["error"]["fields"]
    falling = api.post(
        "/api/v1/customers/odometer-readings/", {"vehicle": vehicle.pk, "value_km": 10}, format="json"
    )
    assert falling.status_code == 400 and "value_km" in falling.json()["error"]["fields"]
    ok = api.post(
        "/api/v1/customers/customers/",
        {"name": "API客户", "mobile": "13655556666"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c1",
    )
    again = api.post(
        "/api/v1/customers/customers/",
        {"name": "API客户", "mobile": "13655556666"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c1",
    )
    assert ok.status_code == 201 and again.json()["id"] == ok.json()["id"]
    assert Customer.objects.filter(name="API客户").count() == 1


def test_maintenance_due_and_read_date_rules(advisor, vehicle):
    due = timezone.localdate() + timedelta(days=180)
    services.vehicle_set_next_maintenance(actor=advisor, vehicle=vehicle, due_date=due, due_km=25000)
    vehicle.refresh_from_db()
    assert (vehicle.next_maintenance_date, vehicle.next_maintenance_km) == (due, 25000)
    with pytest.raises(BusinessError):
        services.odometer_record(
            actor=advisor, vehicle=vehicle, value_km=20000, read_on=timezone.localdate() + timedelta(days=1)
        )


def test_search_keys_are_kept_by_the_database_for_bulk_inserts_and_updates(advisor, store_a, customer):
    """The reversed keys are generated columns: a bulk insert or a queryset update (no save())
    still leaves every row findable by its tail."""
    other_vin = make_vin(random.Random(2), "LVG", 2025, 654321)
    Vehicle.objects.bulk_create(
        [Vehicle(group=store_a.group, vin=other_vin, plate="粤B67890", owner=customer, created_store=store_a)]
    )
    v = Vehicle.objects.get(vin=other_vin)
    assert (v.vin_rev, v.plate_rev) == (other_vin[::-1], "09876B粤")
    assert search_archive(advisor, other_vin[-6:])[0].vehicle == v
    Vehicle.objects.filter(pk=v.pk).update(plate="粤B11223")
    assert search_archive(advisor, "1223")[0].vehicle == v
    assert not Vehicle.objects.filter(plate_rev__startswith="0987").exists()
    CustomerPhone.objects.bulk_create([CustomerPhone(customer=customer, number="02088886666")])
    assert CustomerPhone.objects.get(number="02088886666").number_rev == "66668888020"
    assert search_archive(advisor, "6666")[0].customer == customer
    Customer.objects.filter(pk=customer.pk).update(mobile="13900001111")
    assert Customer.objects.get(pk=customer.pk).mobile_rev == "11110000931"


@pytest.mark.postgres
def test_tail_searches_use_the_prefix_indexes_on_postgresql(vehicle, customer):
    """On PostgreSQL the generated keys keep their varchar_pattern_ops indexes: a tail search is
    an index range scan (the table is tiny here, so sequential scans are switched off to ask
    whether the index can serve at all)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    searches = {
        "vehicle_vin_rev": Vehicle.objects.filter(vin_rev__startswith=GOOD_VIN[-6:][::-1]),
        "vehicle_plate_rev": Vehicle.objects.filter(plate_rev__startswith="5432"),
        "customerphone_rev": CustomerPhone.objects.filter(number_rev__startswith="8765"),
        "customer_mobile_rev": Customer.objects.filter(mobile_rev__startswith="8765"),
    }
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        for index, qs in searches.items():
            plan = qs.explain()
            assert index in plan, plan
            assert qs.exists()


def test_the_form_and_the_api_write_the_same_vehicle_fields(api_for, advisor, store_a, customer):
    """One list of a vehicle's fields: the form, both serializers and the service agree, so the
    API can set the driver (使用人) as the form does, and a driver of another group is refused
    on create as on update, with nothing written."""
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory
    from fours.customers.api.serializers import VehicleSerializer, VehicleWriteSerializer
    from fours.customers.forms import VehicleForm
    from fours.customers.models import VEHICLE_FIELDS

    assert list(VehicleForm.base_fields)[: len(VEHICLE_FIELDS)] == list(VEHICLE_FIELDS)
    assert set(VEHICLE_FIELDS) <= set(VehicleWriteSerializer().fields) & set(VehicleSerializer().fields)
    driver = services.customer_create(
        actor=advisor, store=store_a, data={"name": "李用车", "mobile": "13912340000", "id_number": ""}
    )
    api = api_for(advisor)
    made = api.post(
        "/api/v1/customers/vehicles/",
        {"owner": customer.pk, "vin": GOOD_VIN, "plate": "粤A54321", "driver": driver.pk},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["driver"] == driver.pk
    assert Ownership.objects.filter(vehicle_id=made.json()["id"], customer=driver).exists()

    other = StoreFactory(group=DealerGroupFactory(code="YY", name="另一集团"), code="Y01")
    outsider = Customer.objects.create(group=other.group, name="外集团客户", mobile="13700000000")
    before = (Vehicle.objects.count(), Ownership.objects.count(), AuditEvent.objects.count())
    other_vin = make_vin(random.Random(3), "LVG", 2025, 111111)
    refused = api.post(
        "/api/v1/customers/vehicles/",
        {"owner": customer.pk, "vin": other_vin, "driver": outsider.pk},
        format="json",
    )
    assert refused.status_code == 400 and "driver" in refused.json()["error"]["fields"]
    with pytest.raises(BusinessError) as e:
        services.vehicle_update(
            actor=advisor, vehicle=Vehicle.objects.get(pk=made.json()["id"]), data={"driver": outsider}
        )
    assert "driver" in e.value.message_dict
    assert (Vehicle.objects.count(), Ownership.objects.count(), AuditEvent.objects.count()) == before
    assert Vehicle.objects.get(pk=made.json()["id"]).driver == driver
