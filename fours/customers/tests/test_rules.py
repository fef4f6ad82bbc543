"""More of the archive's rules: phones, consent, assignment, merge, search, picker, imports, API."""

import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.customers import imports, services
from fours.customers.demo import make_vin
from fours.customers.models import (
    Configuration,
    Customer,
    CustomerAssignment,
    CustomerMerge,
    CustomerPhone,
    ImportJob,
    OdometerReading,
    Ownership,
    OwnershipRole,
    Vehicle,
)
from fours.customers.selectors import customers_for, search_archive, vehicles_for

VINS = [make_vin(random.Random(11), "LVH", 2024, n) for n in range(1, 30)]


@pytest.fixture
def advisor(make_user, store_a):
    return make_user(Role.SERVICE_ADVISOR, store_a, "adv_r")


@pytest.fixture
def manager(make_user, store_a):
    return make_user(Role.SERVICE_MANAGER, store_a, "mgr_r")


@pytest.fixture
def tech(make_user, store_a):
    return make_user(Role.TECHNICIAN, store_a, "tech_r")


def new_customer(actor, store, name="李明", mobile="13600001111", **extra):
    return services.customer_create(actor=actor, store=store, data={"name": name, "mobile": mobile, **extra})


def new_vehicle(actor, store, owner, n=1, **extra):
    return services.vehicle_create(actor=actor, store=store, owner=owner, data={"vin": VINS[n], **extra})


# --- customers -----------------------------------------------------------------------------------


def test_other_phones_are_kept_and_searchable(advisor, store_a):
    c = new_customer(
        advisor,
        store_a,
        phones=[{"number": "020-8888 1234", "kind": "office"}, {"number": "13700002222", "kind": "mobile"}],
    )
    assert set(c.phones.values_list("number", "is_primary")) == {
        ("13600001111", True),
        ("02088881234", False),
        ("13700002222", False),
    }
    assert search_archive(advisor, "2222")[0].customer == c
    assert search_archive(advisor, "88881234")[0].customer == c


def test_primary_mobile_may_come_from_the_phone_list(advisor, store_a):
    c = services.customer_create(
        actor=advisor,
        store=store_a,
        data={"name": "周杰", "phones": [{"number": "13500003333", "kind": "mobile", "is_primary": True}]},
    )
    assert c.mobile == "13500003333"
    assert CustomerPhone.objects.get(customer=c).is_primary


def test_bad_or_duplicate_other_phone_is_refused(advisor, store_a):
    first = new_customer(advisor, store_a, phones=[{"number": "13700002222"}])
    with pytest.raises(BusinessError) as e:
        new_customer(advisor, store_a, name="甲", mobile="13600009999", phones=[{"number": "1370000222"}])
    assert "phones" in e.value.message_dict
    with pytest.raises(BusinessError) as e:
        new_customer(advisor, store_a, name="乙", mobile="13600009999", phones=[{"number": "13700002222"}])
    assert first.name in str(e.value.message_dict["phones"])
    assert Customer.objects.count() == 1


def test_duplicate_error_links_the_existing_record(advisor, store_a):
    first = new_customer(advisor, store_a)
    with pytest.raises(BusinessError) as e:
        new_customer(advisor, store_a, name="李明明")
    err = e.value.error_dict["mobile"][0]
    assert err.code == "duplicate" and err.params["url"] == first.get_absolute_url()


def test_duplicate_id_number_refused_but_allowed_on_request(advisor, store_a):
    idn = "11010519491231002X"
    new_customer(advisor, store_a, id_number=idn)
    with pytest.raises(BusinessError) as e:
        new_customer(advisor, store_a, name="李明二", mobile="13600002222", id_number=idn.lower())
    assert "id_number" in e.value.message_dict
    c = services.customer_create(
        actor=advisor,
        store=store_a,
        data={"name": "李明", "mobile": "136 0000 1111"},
        allow_duplicate=True,
    )
    assert c.mobile == "13600001111"  # still normalised


def test_company_with_valid_uscc_and_no_mobile(advisor, store_a):
    from fours.core.tests.factories import make_uscc

    c = services.customer_create(
        actor=advisor,
        store=store_a,
        data={"name": "广州骏达物流有限公司", "kind": "company", "id_number": make_uscc(7)},
    )
    assert c.is_company and c.mobile == ""


def test_consent_change_stamps_the_time(advisor, store_a):
    c = new_customer(advisor, store_a, consent_marketing=True)
    assert c.consent_marketing_at is not None
    before = c.consent_marketing_at
    c = services.customer_update(actor=advisor, customer=c, data={"consent_marketing": False})
    assert c.consent_marketing is False and c.consent_marketing_at > before
    ev = AuditEvent.objects.filter(verb="updated", object_id=str(c.pk)).latest("id")
    assert ev.changes["consent_marketing"] == [True, False]


def test_update_refuses_a_bad_mobile_and_changes_nothing(advisor, store_a):
    c = new_customer(advisor, store_a)
    with pytest.raises(BusinessError) as e:
        services.customer_update(actor=advisor, customer=c, data={"mobile": "1360000111"})
    assert "mobile" in e.value.message_dict
    c.refresh_from_db()
    assert c.mobile == "13600001111"


def test_new_mobile_becomes_the_primary_phone(advisor, store_a):
    c = new_customer(advisor, store_a)
    services.customer_update(actor=advisor, customer=c, data={"mobile": "13600007777"})
    assert CustomerPhone.objects.get(customer=c, is_primary=True).number == "13600007777"
    assert search_archive(advisor, "7777")[0].customer == c


def test_round_robin_by_current_load_and_bulk_reassign(store_a, make_user, advisor, manager):
    crm1 = make_user(Role.CRM_SPECIALIST, store_a, "crm1")
    made = [new_customer(advisor, store_a, name=f"客{i}", mobile=f"1360000200{i}") for i in range(3)]
    crm2 = make_user(Role.CRM_SPECIALIST, store_a, "crm2")  # joins with no customers
    more = [new_customer(advisor, store_a, name=f"新{i}", mobile=f"1360000300{i}") for i in range(3)]
    load = lambda u: CustomerAssignment.objects.filter(store=store_a, care_specialist=u).count()  # noqa: E731
    assert (load(crm1), load(crm2)) == (4, 2) or (load(crm1), load(crm2)) == (3, 3)
    assert CustomerAssignment.objects.get(customer=more[0]).care_specialist == crm2
    # bulk reassignment needs the permission, and the target must hold the role in the store
    with pytest.raises(Exception):  # noqa: B017 - NotAllowed
        services.customers_assign(
            actor=advisor,
            store=store_a,
            customer_ids=[c.pk for c in made],
            field="care_specialist",
            user=crm2,
        )
    with pytest.raises(BusinessError) as e:
        services.customers_assign(
            actor=manager, store=store_a, customer_ids=[made[0].pk], field="care_specialist", user=advisor
        )
    assert "user" in e.value.message_dict
    n = services.customers_assign(
        actor=manager, store=store_a, customer_ids=[c.pk for c in made], field="care_specialist", user=crm2
    )
    assert n == 3 and load(crm2) == 6 - load(crm1)
    assert AuditEvent.objects.filter(verb="assigned").count() >= 1


def test_assignment_page_moves_one_persons_customers(client_for, store_a, make_user, advisor, manager):
    crm1 = make_user(Role.CRM_SPECIALIST, store_a, "crm1")
    crm2 = make_user(Role.CRM_SPECIALIST, store_a, "crm2")
    made = [new_customer(advisor, store_a, name=f"客{i}", mobile=f"1360000200{i}") for i in range(2)]
    CustomerAssignment.objects.filter(customer__in=made).update(care_specialist=crm1)
    resp = client_for(manager).post(
        reverse("customers:customer-assign"),
        {"field": "care_specialist", "from_user": crm1.pk, "to_user": crm2.pk},
    )
    assert resp.status_code == 302
    assert CustomerAssignment.objects.filter(care_specialist=crm2).count() == 2


# --- vehicles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("plate", ["粤A1234", "粤AI2345", "A12345", "粤A123456", "粤AD1234X", "XX12345"])
def test_malformed_plates_are_refused(advisor, store_a, plate):
    owner = new_customer(advisor, store_a)
    with pytest.raises(BusinessError) as e:
        new_vehicle(advisor, store_a, owner, plate=plate)
    assert "车牌号格式不正确" in str(e.value.message_dict["plate"])
    assert Vehicle.objects.count() == 0


@pytest.mark.parametrize("plate", ["粤A12345", "粤AD12345", "粤AF1234A"[:0] + "粤A12345D", "粤 a·12345"])
def test_good_plates_incl_nev(advisor, store_a, plate):
    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, plate=plate)
    assert v.plate == plate.replace(" ", "").replace("·", "").upper()


@pytest.mark.parametrize("vin", ["LVHO" + VINS[1][4:], "LVHQ" + VINS[1][4:], VINS[1] + "1"])
def test_vin_with_ioq_or_wrong_length(advisor, store_a, vin):
    owner = new_customer(advisor, store_a)
    with pytest.raises(BusinessError) as e:
        services.vehicle_create(actor=advisor, store=store_a, owner=owner, data={"vin": vin})
    msg = str(e.value.message_dict["vin"])
    assert "I、O、Q" in msg or "17位" in msg


def test_vehicle_creates_ownership_and_first_reading(advisor, store_a):
    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, odometer_km=3200)
    own = Ownership.objects.get(vehicle=v)
    assert own.customer == owner and own.role == OwnershipRole.OWNER and own.until is None
    r = OdometerReading.objects.get(vehicle=v)
    assert r.value_km == 3200 and v.odometer_km == 3200 and v.odometer_date is not None


def test_a_company_owns_a_fleet(advisor, store_a, client_for):
    fleet = services.customer_create(
        actor=advisor,
        store=store_a,
        data={"name": "广州顺达物流有限公司", "kind": "company", "mobile": "13900001111"},
    )
    for n in range(1, 4):
        new_vehicle(advisor, store_a, fleet, n=n, plate=f"粤A8888{n}")
    assert fleet.vehicles_owned.count() == 3
    html = client_for(advisor).get(fleet.get_absolute_url()).content.decode()
    assert all(f"粤A8888{n}" in html for n in range(1, 4))


def test_driver_change_is_kept_as_ownership_history(advisor, store_a):
    owner = new_customer(advisor, store_a)
    d1 = new_customer(advisor, store_a, name="司机甲", mobile="13600004444")
    d2 = new_customer(advisor, store_a, name="司机乙", mobile="13600005555")
    v = new_vehicle(advisor, store_a, owner)
    services.vehicle_update(actor=advisor, vehicle=v, data={"driver": d1})
    services.vehicle_update(actor=advisor, vehicle=v, data={"driver": d2})
    drivers = list(Ownership.objects.filter(vehicle=v, role=OwnershipRole.DRIVER).order_by("id"))
    assert [o.customer for o in drivers] == [d1, d2]
    assert drivers[0].until is not None and drivers[1].until is None


def test_falling_odometer_changes_nothing(advisor, store_a):
    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, odometer_km=50000)
    events = AuditEvent.objects.count()
    with pytest.raises(BusinessError) as e:
        services.odometer_record(actor=advisor, vehicle=v, value_km=49999)
    assert "低于上次记录" in str(e.value.message_dict["value_km"])
    v.refresh_from_db()
    assert v.odometer_km == 50000 and OdometerReading.objects.filter(vehicle=v).count() == 1
    assert AuditEvent.objects.count() == events


def test_odometer_form_on_the_vehicle_page_shows_the_error(client_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, odometer_km=50000)
    resp = client_for(advisor).post(
        reverse("customers:vehicle-odometer", args=[v.pk]), {"value_km": "100"}, follow=True
    )
    assert "低于上次记录" in resp.content.decode()
    assert OdometerReading.objects.filter(vehicle=v).count() == 1


def test_vehicle_form_shows_the_vin_check_digit_error(client_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    bad = VINS[2][:8] + ("0" if VINS[2][8] != "0" else "1") + VINS[2][9:]
    resp = client_for(advisor).post(reverse("customers:vehicle-create", args=[owner.pk]), {"vin": bad})
    assert resp.status_code == 200 and "校验位不正确" in resp.content.decode()
    assert Vehicle.objects.count() == 0


# --- merge ---------------------------------------------------------------------------------------


def test_merge_moves_rows_of_every_referencing_model(advisor, store_a, store_b, make_user, manager):
    keep = new_customer(advisor, store_a, tags=["VIP"])
    dup = new_customer(advisor, store_a, name="李明（重复）", mobile="13600008888", tags=["老客户"])
    other_b = make_user(Role.SERVICE_ADVISOR, store_b, "adv_b")
    services.customers_assign  # noqa: B018 - the merged one also has a store-B assignment
    CustomerAssignment.objects.create(customer=dup, store=store_b, service_advisor=other_b)
    owned = new_vehicle(advisor, store_a, dup, n=3)
    driven = new_vehicle(advisor, store_a, keep, n=4, driver=dup)
    events_before = AuditEvent.objects.filter(verb="merged").count()
    record = services.customer_merge(actor=manager, survivor=keep, merged=dup, reason="同一人")
    # every model that points at Customer, found generically
    refs = services.customer_references()
    assert {(r.related_model, r.field.name) for r in refs} >= {
        (Vehicle, "owner"),
        (Vehicle, "driver"),
        (Ownership, "customer"),
        (CustomerPhone, "customer"),
        (CustomerAssignment, "customer"),
    }
    for rel in refs:
        assert not rel.related_model._base_manager.filter(**{rel.field.name: dup}).exists(), rel
    owned.refresh_from_db()
    driven.refresh_from_db()
    assert owned.owner == keep and driven.driver == keep
    assert CustomerAssignment.objects.filter(customer=keep).count() == 2  # store A kept, store B moved
    assert keep.phones.filter(is_primary=True).count() == 1
    keep.refresh_from_db()
    assert keep.tags == ["VIP", "老客户"]
    assert record.moved and AuditEvent.objects.filter(verb="merged").count() == events_before + 2
    assert dup not in customers_for(manager) and keep in customers_for(manager)
    assert not search_archive(manager, "李明（")  # hidden from search
    # editing the merged record is refused; it never comes back
    with pytest.raises(BusinessError):
        services.customer_update(actor=manager, customer=dup, data={"name": "复活"})


def test_merge_finds_hidden_relations_of_later_apps():
    """Other apps point at Customer with related_name="+"; those relations must be moved too."""
    from django.apps import apps

    refs = {(r.related_model, r.field.name) for r in services.customer_references()}
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Customer and model not in (Customer, CustomerMerge):
                assert (model, f.name) in refs, (model, f.name)


def test_merge_rolls_back_as_a_whole(advisor, store_a, manager, monkeypatch):
    keep = new_customer(advisor, store_a)
    dup = new_customer(advisor, store_a, name="李明2", mobile="13600008888")
    v = new_vehicle(advisor, store_a, dup)

    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        services.customer_merge(actor=manager, survivor=keep, merged=dup)
    v.refresh_from_db()
    dup.refresh_from_db()
    assert v.owner == dup and dup.merged_into is None and not CustomerMerge.objects.exists()


def test_merged_customer_page_redirects_and_lists_hide_it(client_for, advisor, store_a, manager):
    keep = new_customer(advisor, store_a)
    dup = new_customer(advisor, store_a, name="王重复", mobile="13600008888")
    services.customer_merge(actor=manager, survivor=keep, merged=dup)
    c = client_for(manager)
    assert c.get(dup.get_absolute_url()).url == keep.get_absolute_url()
    assert "王重复" not in c.get(reverse("customers:customer-list")).content.decode()


def test_merge_view_needs_the_permission(client_for, advisor, store_a):
    keep = new_customer(advisor, store_a)
    dup = new_customer(advisor, store_a, name="王重复", mobile="13600008888")
    resp = client_for(advisor).post(
        reverse("customers:customer-merge", args=[keep.pk]), {"merged": dup.pk, "reason": "x"}
    )
    assert resp.status_code == 403
    dup.refresh_from_db()
    assert dup.merged_into is None


# --- search and picker ---------------------------------------------------------------------------


def test_search_tails_for_nev_plates_and_vin_last_8(advisor, store_a):
    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, n=5, plate="粤AD12345")
    assert search_archive(advisor, "12345")[0].vehicle == v
    assert search_archive(advisor, "D12345")[0].vehicle == v
    assert search_archive(advisor, "粤AD1")[0].vehicle == v
    assert search_archive(advisor, VINS[5][-8:].lower())[0].vehicle == v
    assert search_archive(advisor, VINS[5])[0].vehicle == v
    assert search_archive(advisor, "李")[0].customer == owner
    assert search_archive(advisor, "x") == []


def test_search_uses_prefix_lookups_only(advisor, store_a):
    owner = new_customer(advisor, store_a)
    new_vehicle(advisor, store_a, owner, plate="粤A12345")
    for q in ("2345", "12345", VINS[1][-6:], "13600001111", "李明", "粤A12"):
        with CaptureQueriesContext(connection) as ctx:
            search_archive(advisor, q)
        for query in ctx.captured_queries:
            assert "LIKE '%" not in query["sql"] and "LIKE %" not in query["sql"], query["sql"]
            assert "%%" not in query["sql"]


def test_search_hides_sensitive_numbers_from_roles_without_the_permission(tech, advisor, store_a):
    owner = new_customer(advisor, store_a)
    new_vehicle(advisor, store_a, owner, plate="粤A12345")
    hit = search_archive(tech, "12345")[0]
    assert "136****1111" in hit.detail and "13600001111" not in hit.detail
    assert "13600001111" in search_archive(advisor, "12345")[0].detail


def test_top_bar_search_endpoint(client_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    new_vehicle(advisor, store_a, owner, plate="粤A12345")
    c = client_for(advisor)
    page = c.get(reverse("customers:customer-list")).content.decode()
    assert reverse("archive-search") in page and 'id="top-search"' in page
    full = c.get(reverse("archive-search"), {"q": "12345"}).content.decode()
    assert "<html" in full and "粤A12345" in full


def test_vehicle_picker_turns_a_phone_match_into_the_customers_vehicles(client_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    v1 = new_vehicle(advisor, store_a, owner, n=6, plate="粤A11111")
    v2 = new_vehicle(advisor, store_a, owner, n=7, plate="粤A22222")
    hits = search_archive(advisor, "1111", kind="vehicle")
    assert {h.vehicle for h in hits} >= {v1, v2}
    assert all(h.vehicle for h in hits)
    customers = search_archive(advisor, "22222", kind="customer")
    assert [h.customer for h in customers] == [owner]
    html = (
        client_for(advisor)
        .get(
            reverse("customers:pick"),
            {"kind": "vehicle", "target": "id_vehicle", "qname": "vehicle__q", "vehicle__q": "1111"},
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert f'data-value="{v1.pk}"' in html and 'data-target="id_vehicle"' in html


def test_picker_widget_renders_in_any_form(advisor, store_a):
    from django import forms

    from fours.customers.widgets import ArchivePicker

    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, plate="粤A12345")

    class PickForm(forms.Form):
        vehicle = forms.ModelChoiceField(queryset=Vehicle.objects.all(), widget=ArchivePicker(kind="vehicle"))
        customer = forms.ModelChoiceField(
            queryset=Customer.objects.all(), widget=ArchivePicker(kind="customer"), required=False
        )

    html = str(PickForm(initial={"vehicle": v.pk, "customer": owner})["vehicle"])
    assert f'value="{v.pk}"' in html and "粤A12345" in html and reverse("customers:pick") in html
    form = PickForm(data={"vehicle": str(v.pk), "customer": str(owner.pk)})
    assert form.is_valid() and form.cleaned_data["vehicle"] == v


# --- pages ---------------------------------------------------------------------------------------


def test_vehicle_360_page_shows_histories(client_for, advisor, store_a, manager):
    owner = new_customer(advisor, store_a)
    buyer = new_customer(advisor, store_a, name="买家张", mobile="13600006666")
    v = new_vehicle(advisor, store_a, owner, plate="粤A12345", odometer_km=1000)
    services.odometer_record(actor=advisor, vehicle=v, value_km=2345)
    services.vehicle_update(actor=advisor, vehicle=v, data={"plate": "粤B54321"})
    services.vehicle_transfer(actor=advisor, vehicle=v, new_owner=buyer)
    html = client_for(manager).get(v.get_absolute_url()).content.decode()
    for text in ("粤B54321", "粤A12345", "买家张", "李明", "2345 km", "过户"):
        assert text in html, text


def test_timeline_hooks_of_other_apps_are_shown(client_for, advisor, store_a, monkeypatch):
    from fours.core.registry import TimelineEntry
    from fours.customers import views

    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner)

    def fake(hook, obj, user):
        return [TimelineEntry(when=obj.created_at, title=f"维修工单 RO-{hook}", url="/x/")]

    monkeypatch.setattr(views, "timeline_entries", fake)
    c = client_for(advisor)
    assert "RO-vehicle_events" in c.get(v.get_absolute_url()).content.decode()
    assert "RO-customer_events" in c.get(owner.get_absolute_url()).content.decode()


def test_store_b_user_of_another_group_gets_404(client_for, advisor, store_a, make_user):
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory

    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner)
    outsider = make_user(
        Role.GENERAL_MANAGER, StoreFactory(group=DealerGroupFactory(code="Y"), code="Y1"), "y"
    )
    c = client_for(outsider)
    for url in (
        owner.get_absolute_url(),
        v.get_absolute_url(),
        reverse("customers:customer-edit", args=[owner.pk]),
    ):
        assert c.get(url).status_code == 404
    assert c.post(reverse("customers:customer-reveal", args=[owner.pk])).status_code == 404
    assert owner not in customers_for(outsider) and v not in vehicles_for(outsider)


def test_list_query_counts_do_not_grow_with_rows(client_for, advisor, store_a, django_assert_max_num_queries):
    c = client_for(advisor)
    for i in range(12):
        o = new_customer(advisor, store_a, name=f"客户{i}", mobile=f"1360000{i:04d}")
        new_vehicle(advisor, store_a, o, n=i + 1, plate=f"粤A{i:05d}")
    for name in ("customers:customer-list", "customers:vehicle-list", "customers:catalogue"):
        with django_assert_max_num_queries(16):
            assert c.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("archive-search"), {"q": "0001"}, HTTP_HX_REQUEST="true").status_code == 200


def test_vehicle_export_masks_owner_mobile(client_for, tech, advisor, store_a):
    owner = new_customer(advisor, store_a)
    new_vehicle(advisor, store_a, owner, plate="粤A12345")
    resp = client_for(tech).get(reverse("customers:vehicle-list"), {"_export": "xlsx"})
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content))
    cells = [str(c) for row in wb.active.iter_rows(values_only=True) for c in row]
    assert "136****1111" in cells and "13600001111" not in cells


# --- imports -------------------------------------------------------------------------------------


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


def _run(kind, content, store, actor):
    job = ImportJob.objects.create(group=store.group, store=store, kind=kind, file_name="f.xlsx", actor=actor)
    return imports.run_import(job, content)


def test_templates_download_as_excel_with_the_columns(client_for, advisor):
    from openpyxl import load_workbook

    for kind in ("customers", "vehicles", "catalogue"):
        resp = client_for(advisor).get(reverse("customers:import-template", args=[kind]))
        wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
        assert [c.value for c in wb.active[1]] == [h for h, _f in imports.COLUMNS[kind]]


def test_catalogue_import_all_or_nothing(advisor, store_a):
    bad = _xlsx(
        [
            ["丰田", "凯美瑞", "凯美瑞", "2.0E 精英版", 2025, "M20C 2.0L", "汽油", "CVT", "179800"],
            ["丰田", "", "凯美瑞", "2.5G", 2025, "", "汽油", "", ""],
            ["丰田", "凯美瑞", "凯美瑞", "双擎", "20x5", "", "核动力", "", "abc"],
        ],
        "catalogue",
    )
    job = _run("catalogue", bad, store_a, advisor)
    assert job.status == "failed"
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (3, "车系"),
        (4, "年款"),
        (4, "能源类型"),
        (4, "指导价"),
    }
    assert not Configuration.objects.exists()
    good = _xlsx(
        [["丰田", "凯美瑞", "凯美瑞", "2.0E 精英版", 2025, "M20C 2.0L", "汽油", "CVT", "179800"]], "catalogue"
    )
    assert _run("catalogue", good, store_a, advisor).created_rows == 1
    conf = Configuration.objects.get()
    assert str(conf.msrp) == "179800.00" and conf.model.series.brand.name == "丰田"


def test_vehicle_import_reports_every_bad_row(advisor, store_a):
    owner = new_customer(advisor, store_a)
    bad_vin = VINS[8][:8] + ("0" if VINS[8][8] != "0" else "1") + VINS[8][9:]
    rows = [
        [VINS[8], "粤A10001", owner.mobile, "", "", "", "", "", "", "", 100],
        [bad_vin, "粤A10002", owner.mobile, "", "", "", "", "", "", "", ""],
        [VINS[9], "粤A1", owner.mobile, "", "", "", "", "", "", "", ""],
        [VINS[10], "", "13999999999", "", "", "", "", "", "", "", "12a"],
        [VINS[8], "", owner.mobile, "", "", "", "", "", "", "", ""],
    ]
    job = _run("vehicles", _xlsx(rows, "vehicles"), store_a, advisor)
    assert job.status == "failed"
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (3, "车架号（VIN）"),
        (4, "车牌号"),
        (5, "车主手机号"),
        (5, "当前里程"),
        (6, "车架号（VIN）"),
    }
    assert not Vehicle.objects.exists() and not OdometerReading.objects.exists()


def test_customer_import_assigns_staff_evenly(advisor, store_a, make_user):
    s1 = make_user(Role.SALES_CONSULTANT, store_a, "s1")
    s2 = make_user(Role.SALES_CONSULTANT, store_a, "s2")
    rows = [[f"导入{i}", "个人", f"1370000{i:04d}", "", "", "", "", ""] for i in range(10)]
    job = _run("customers", _xlsx(rows, "customers"), store_a, advisor)
    assert job.status == "done" and job.created_rows == 10
    counts = [CustomerAssignment.objects.filter(sales_consultant=u).count() for u in (s1, s2)]
    assert counts == [5, 5]
    c = Customer.objects.get(name="导入3")
    assert c.number == f"C{c.pk:08d}" and c.phones.get().is_primary
    assert AuditEvent.objects.filter(verb="imported").exists()


def test_upload_page_refuses_a_non_excel_file(client_for, gm_a):
    manager = gm_a
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client_for(manager).post(
        reverse("customers:import-upload"),
        {"kind": "customers", "file": SimpleUploadedFile("list.csv", b"name,mobile\n", "text/csv")},
    )
    assert resp.status_code == 200 and "不是Excel文件" in resp.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_runs_as_a_background_task_and_the_page_polls(client_for, gm_a):
    """Tests run tasks with the immediate backend: the upload's task has run when the page answers."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tasks.signals import task_finished

    finished = []

    def record(sender, task_result, **kw):
        finished.append((task_result.task.module_path, task_result.status, task_result.args))

    task_finished.connect(record)
    try:
        content = _xlsx([["导入甲", "个人", "13700001234", "", "", "", "", ""]], "customers")
        c = client_for(gm_a)
        resp = c.post(
            reverse("customers:import-upload"),
            {"kind": "customers", "file": SimpleUploadedFile("c.xlsx", content)},
        )
    finally:
        task_finished.disconnect(record)
    job = ImportJob.objects.get()
    assert finished == [("fours.customers.tasks.run_archive_import", "SUCCESSFUL", [job.pk])]
    assert resp.url == job.get_absolute_url() and job.status == "done"
    assert (job.total_rows, job.done_rows, job.created_rows) == (1, 1, 1)
    assert bytes(job.content) == b""  # the file does not stay in the row
    partial = c.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in partial and "<html" not in partial and "hx-trigger" not in partial
    assert Customer.objects.filter(name="导入甲").exists()


# --- API -----------------------------------------------------------------------------------------


def test_api_search_q_and_catalogue(api_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    new_vehicle(advisor, store_a, owner, plate="粤AD12345")
    api = api_for(advisor)
    assert api.get("/api/v1/customers/vehicles/", {"q": "12345"}).json()["count"] == 1
    assert api.get("/api/v1/customers/customers/", {"q": "1111"}).json()["count"] == 1
    assert api.get("/api/v1/customers/customers/", {"q": "李"}).json()["count"] == 1
    assert api.get("/api/v1/customers/vehicles/", {"vin": VINS[1][-8:]}).json()["count"] == 1
    for path in ("brands", "series", "models", "configurations", "ownerships", "odometer-readings"):
        assert api.get(f"/api/v1/customers/{path}/").status_code == 200, path


def test_api_duplicate_phone_is_a_field_error(api_for, advisor, store_a):
    new_customer(advisor, store_a)
    resp = api_for(advisor).post(
        "/api/v1/customers/customers/", {"name": "重复", "mobile": "13600001111"}, format="json"
    )
    assert resp.status_code == 400 and "mobile" in resp.json()["error"]["fields"]
    assert Customer.objects.count() == 1


def test_api_other_group_gets_404_and_masking(api_for, advisor, tech, store_a, make_user):
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory

    owner = new_customer(advisor, store_a, phones=[{"number": "13700002222"}])
    v = new_vehicle(advisor, store_a, owner)
    outsider = make_user(
        Role.GENERAL_MANAGER, StoreFactory(group=DealerGroupFactory(code="Z"), code="Z1"), "z"
    )
    assert api_for(outsider).get(f"/api/v1/customers/customers/{owner.pk}/").status_code == 404
    assert api_for(outsider).get(f"/api/v1/customers/vehicles/{v.pk}/").status_code == 404
    data = api_for(tech).get(f"/api/v1/customers/customers/{owner.pk}/").json()
    assert {p["number"] for p in data["phones"]} == {"136****1111", "137****2222"}


def test_api_transfer_and_schema(api_for, advisor, store_a, manager):
    owner = new_customer(advisor, store_a)
    buyer = new_customer(advisor, store_a, name="买家", mobile="13600006666")
    v = new_vehicle(advisor, store_a, owner)
    resp = api_for(manager).post(
        f"/api/v1/customers/vehicles/{v.pk}/transfer/", {"new_owner": buyer.pk}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["owner"] == buyer.pk
    schema = api_for(manager).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/customers/customers/",
        "/api/v1/customers/vehicles/",
        "/api/v1/customers/configurations/",
    ):
        assert path in schema


def test_editing_a_customer_keeps_the_other_phones(client_for, advisor, store_a):
    c = new_customer(advisor, store_a, phones=[{"number": "13700002222"}])
    form_html = client_for(advisor).get(reverse("customers:customer-edit", args=[c.pk])).content.decode()
    assert "13700002222" in form_html
    resp = client_for(advisor).post(
        reverse("customers:customer-edit", args=[c.pk]),
        {
            "kind": "person",
            "name": "李明",
            "mobile": "13600001111",
            "other_phones": "13700002222, 13700003333",
            "source": "walk_in",
            "preferred_channel": "phone",
        },
    )
    assert resp.status_code == 302
    assert set(c.phones.values_list("number", flat=True)) == {"13600001111", "13700002222", "13700003333"}


def test_detail_page_masks_until_revealed_and_the_reveal_is_audited(client_for, advisor, store_a):
    c = new_customer(advisor, store_a, id_number="11010519491231002X")
    client = client_for(advisor)
    page = client.get(c.get_absolute_url()).content.decode()
    assert "136****1111" in page and "1101**********002X" in page and "13600001111" not in page
    assert reverse("customers:customer-reveal", args=[c.pk]) in page
    assert client.get(reverse("customers:customer-reveal", args=[c.pk])).status_code == 405  # POST only
    full = client.post(reverse("customers:customer-reveal", args=[c.pk])).content.decode()
    assert "13600001111" in full and "11010519491231002X" in full
    assert AuditEvent.objects.filter(verb="reveal", object_id=str(c.pk)).count() == 1


def test_vehicle_form_picks_a_driver_with_the_picker(client_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    driver = new_customer(advisor, store_a, name="司机丙", mobile="13600004444")
    v = new_vehicle(advisor, store_a, owner)
    page = client_for(advisor).get(reverse("customers:vehicle-edit", args=[v.pk])).content.decode()
    assert reverse("customers:pick") in page and 'name="driver"' in page
    resp = client_for(advisor).post(
        reverse("customers:vehicle-edit", args=[v.pk]), {"vin": v.vin, "driver": driver.pk}
    )
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.driver == driver
    assert Ownership.objects.filter(vehicle=v, role=OwnershipRole.DRIVER, customer=driver).exists()


def test_vehicle_form_links_the_existing_vehicle_on_a_duplicate_vin(client_for, advisor, store_a):
    owner = new_customer(advisor, store_a)
    v = new_vehicle(advisor, store_a, owner, plate="粤A12345")
    other = new_customer(advisor, store_a, name="另一人", mobile="13600009999")
    resp = client_for(advisor).post(reverse("customers:vehicle-create", args=[other.pk]), {"vin": v.vin})
    html = resp.content.decode()
    assert resp.status_code == 200 and v.get_absolute_url() in html and "车架号已存在" in html
    assert Vehicle.objects.count() == 1


def test_form_refuses_a_bad_other_phone(client_for, advisor):
    resp = client_for(advisor).post(
        reverse("customers:customer-create"),
        {
            "kind": "person",
            "name": "赵",
            "mobile": "13600001111",
            "other_phones": "1370000222",
            "source": "walk_in",
            "preferred_channel": "phone",
        },
    )
    assert resp.status_code == 200 and "手机号应为以1开头的11位数字" in resp.content.decode()
    assert not Customer.objects.exists()


def test_import_command_imports_with_a_progress_bar(tmp_path, store_a, advisor, capsys):
    from django.core.management import call_command

    f = tmp_path / "c.xlsx"
    f.write_bytes(
        _xlsx([[f"命令{i}", "个人", f"1370000{i:04d}", "", "", "", "", ""] for i in range(3)], "customers")
    )
    call_command("import_archive", "customers", str(f), store=store_a.code, user=advisor.username)
    out = capsys.readouterr()
    assert "imported 3 rows" in out.out and "3/3" in out.err  # tqdm writes to stderr
    assert Customer.objects.filter(name__startswith="命令").count() == 3


def test_vin_check_digit_property():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fours.core.validators import validate_vin, vin_check_digit

    @settings(max_examples=200, deadline=None)
    @given(seed=st.integers(0, 10**6), serial=st.integers(0, 999_999), other=st.sampled_from("0123456789X"))
    def check(seed, serial, other):
        vin = make_vin(random.Random(seed), "LFV", 2024, serial)
        validate_vin(vin)  # a generated VIN is valid
        if other != vin_check_digit(vin):
            with pytest.raises(Exception, match="校验位"):
                validate_vin(vin[:8] + other + vin[9:])

    check()


def test_api_reveal_is_permission_checked_and_audited(api_for, advisor, tech, store_a):
    c = new_customer(advisor, store_a)
    url = f"/api/v1/customers/customers/{c.pk}/reveal/"
    assert api_for(tech).post(url).status_code == 403
    resp = api_for(advisor).post(url)
    assert resp.status_code == 200 and resp.json()["mobile"] == "13600001111"
    assert AuditEvent.objects.filter(verb="reveal", object_id=str(c.pk), actor=advisor).count() == 1


def test_api_list_query_counts_do_not_grow(api_for, advisor, store_a, django_assert_max_num_queries):
    api = api_for(advisor)

    def counts():
        out = []
        for path in ("customers", "vehicles", "ownerships", "odometer-readings", "configurations"):
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(f"/api/v1/customers/{path}/").status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    o = new_customer(advisor, store_a, name="甲", mobile="13600000001")
    new_vehicle(advisor, store_a, o, n=1, odometer_km=10)
    counts()  # warm the user's permission cache
    few = counts()
    for i in range(2, 10):
        o = new_customer(advisor, store_a, name=f"乙{i}", mobile=f"136000000{i:02d}")
        new_vehicle(advisor, store_a, o, n=i, odometer_km=10)
    assert counts() == few
    with django_assert_max_num_queries(10):
        api.get("/api/v1/customers/customers/")
