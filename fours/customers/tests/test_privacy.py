"""Privacy and input rules of the archive: Unicode digits, required mobile, masking on every
surface, reveal events the store's managers can read."""

import random

import pytest
from django.urls import reverse

from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.core.validators import (
    ascii_digits,
    normalize_code,
    normalize_mobile,
    normalize_plate,
    validate_id_number,
    validate_mobile,
)
from fours.customers import services
from fours.customers.demo import make_vin
from fours.customers.models import Customer, CustomerPhone

VIN = make_vin(random.Random(5), "LVG", 2025, 4711)
MOBILE = "13912340005"
ID_NUMBER = "11010519491231002X"
FULLWIDTH_MOBILE = "1391234000５"  # last digit U+FF15
ARABIC_MOBILE = "139١٢٣٤٠٠٠٥"  # Arabic-Indic digits after an ASCII 139
FULLWIDTH_ID = "11010519491231００2X"


@pytest.fixture
def advisor(make_user, store_a):
    return make_user(Role.SERVICE_ADVISOR, store_a, "adv_p")


@pytest.fixture
def person(advisor, store_a):
    return services.customer_create(
        actor=advisor, store=store_a, data={"name": "周敏", "mobile": MOBILE, "id_number": ID_NUMBER}
    )


# --- Unicode digits are ASCII digits -------------------------------------------------------------


def test_normalisers_turn_unicode_digits_into_ascii():
    assert normalize_mobile(FULLWIDTH_MOBILE) == MOBILE
    assert normalize_mobile(ARABIC_MOBILE) == MOBILE
    assert normalize_mobile("+８６ 139 1234 0005") == MOBILE
    assert normalize_code(FULLWIDTH_ID) == ID_NUMBER
    assert normalize_code("ｌｖｇ१२३") == "LVG123"  # full-width letters, Devanagari digits
    assert normalize_plate("粤Ａ１２３４５") == "粤A12345"
    assert ascii_digits("粤A·12345") == "粤A·12345"
    validate_mobile(FULLWIDTH_MOBILE)
    validate_id_number(FULLWIDTH_ID)


def test_a_digit_that_is_not_ascii_never_reaches_the_pattern():
    """The patterns accept ASCII digits only: a Unicode digit that no normaliser maps is refused."""
    from django.core.exceptions import ValidationError

    from fours.core.validators import MOBILE_RE

    assert not MOBILE_RE.match("1391234000٥")
    with pytest.raises(ValidationError):
        validate_mobile("1391234000五")  # a numeral, not a decimal digit: not a mobile


@pytest.mark.parametrize("mobile", [FULLWIDTH_MOBILE, ARABIC_MOBILE])
def test_api_unicode_mobile_is_a_duplicate_of_the_ascii_one(api_for, advisor, person, mobile):
    resp = api_for(advisor).post(
        "/api/v1/customers/customers/", {"name": "冒名", "mobile": mobile}, format="json"
    )
    assert resp.status_code == 400, resp.content
    assert "已登记" in resp.json()["error"]["fields"]["mobile"][0]  # found as the existing number
    assert Customer.objects.count() == 1
    assert not CustomerPhone.objects.exclude(number=MOBILE).exists()


def test_api_unicode_id_number_is_a_duplicate(api_for, advisor, person):
    resp = api_for(advisor).post(
        "/api/v1/customers/customers/",
        {"name": "冒名", "mobile": "13700007777", "id_number": FULLWIDTH_ID},
        format="json",
    )
    assert resp.status_code == 400 and "id_number" in resp.json()["error"]["fields"]
    assert Customer.objects.count() == 1


def test_api_unicode_digits_are_stored_as_ascii(api_for, advisor):
    resp = api_for(advisor).post(
        "/api/v1/customers/customers/",
        {"name": "新客", "mobile": FULLWIDTH_MOBILE, "id_number": FULLWIDTH_ID},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    c = Customer.objects.get()
    assert (c.mobile, c.id_number) == (MOBILE, ID_NUMBER)
    assert list(c.phones.values_list("number", flat=True)) == [MOBILE]


def test_api_vehicle_with_full_width_vin_and_plate_is_stored_ascii(api_for, advisor, person):
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in VIN)  # every character full-width
    resp = api_for(advisor).post(
        "/api/v1/customers/vehicles/",
        {"owner": person.pk, "vin": wide, "plate": "粤Ａ１２３４５"},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    v = person.vehicles_owned.get()
    assert (v.vin, v.plate) == (VIN, "粤A12345")


def test_form_unicode_mobile_is_a_duplicate(client_for, advisor, person):
    resp = client_for(advisor).post(
        reverse("customers:customer-create"),
        {
            "kind": "person",
            "name": "冒名",
            "mobile": FULLWIDTH_MOBILE,
            "source": "walk_in",
            "preferred_channel": "phone",
        },
    )
    assert resp.status_code == 200
    assert person.get_absolute_url() in resp.content.decode()
    assert Customer.objects.count() == 1


# --- a person's mobile is required ---------------------------------------------------------------


def test_api_patch_cannot_clear_a_persons_mobile(api_for, advisor, person):
    events = AuditEvent.objects.count()
    resp = api_for(advisor).patch(f"/api/v1/customers/customers/{person.pk}/", {"mobile": ""}, format="json")
    assert resp.status_code == 400, resp.content
    assert "mobile" in resp.json()["error"]["fields"]
    person.refresh_from_db()
    assert person.mobile == MOBILE
    assert list(person.phones.values_list("number", flat=True)) == [MOBILE]
    assert AuditEvent.objects.count() == events


def test_form_cannot_clear_a_persons_mobile(client_for, advisor, person):
    resp = client_for(advisor).post(
        reverse("customers:customer-edit", args=[person.pk]),
        {
            "kind": "person",
            "name": person.name,
            "mobile": "",
            "source": "walk_in",
            "preferred_channel": "phone",
        },
    )
    assert resp.status_code == 200
    person.refresh_from_db()
    assert person.mobile == MOBILE


def test_a_person_without_a_mobile_can_still_be_edited(advisor, store_a, person):
    Customer.objects.filter(pk=person.pk).update(mobile="")  # a legacy record with no mobile
    person.refresh_from_db()
    c = services.customer_update(actor=advisor, customer=person, data={"mobile": "", "notes": "老客户"})
    assert c.notes == "老客户" and c.mobile == ""


# --- reveal events belong to the store the user works in ----------------------------------------


def test_reveal_is_audited_in_the_working_store_and_its_gm_sees_it(
    client_for, advisor, person, store_a, gm_a, gm_b
):
    resp = client_for(advisor).post(reverse("customers:customer-reveal", args=[person.pk]))
    assert resp.status_code == 200 and MOBILE in resp.content.decode()
    event = AuditEvent.objects.get(verb="reveal")
    assert (event.store_id, event.actor_id, event.object_id) == (store_a.pk, advisor.pk, str(person.pk))

    from rest_framework.test import APIClient

    from fours.core.tests.factories import UserFactory, member

    group_manager = member(UserFactory(username="grp_p"), Role.GROUP_MANAGER, dealer_group=store_a.group)
    for manager in (gm_a, group_manager):
        api = APIClient()
        api.force_authenticate(manager)
        rows = api.get("/api/v1/audit-events/", {"verb": "reveal"}).json()["results"]
        assert [r["id"] for r in rows] == [event.pk], manager
        page = client_for(manager).get(reverse("audit-list"), {"verb": "reveal"})
        assert page.status_code == 200 and "查看完整信息" in page.content.decode()
    api = APIClient()
    api.force_authenticate(gm_b)  # another store of the group: not its event
    assert api.get("/api/v1/audit-events/", {"verb": "reveal"}).json()["results"] == []


def test_api_reveal_is_audited_in_the_callers_store(api_for, advisor, person, store_a):
    resp = api_for(advisor).post(f"/api/v1/customers/customers/{person.pk}/reveal/")
    assert resp.status_code == 200 and resp.json()["mobile"] == MOBILE
    assert AuditEvent.objects.get(verb="reveal").store_id == store_a.pk


# --- masking on every surface --------------------------------------------------------------------


@pytest.fixture
def sales(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sales_p")


@pytest.fixture
def archive_row(advisor, store_a, person):
    services.customer_update(actor=advisor, customer=person, data={"phones": [{"number": "13700008888"}]})
    services.vehicle_create(
        actor=advisor, store=store_a, owner=person, data={"vin": VIN, "plate": "粤B12345"}
    )
    return person


FULL = (MOBILE, "13700008888", ID_NUMBER)


def _surfaces(client, api, person):
    """Every place a list, search, export, API or page shows the archive's numbers."""
    yield "customer list", client.get(reverse("customers:customer-list")).content
    yield "vehicle list", client.get(reverse("customers:vehicle-list")).content
    yield "customer csv", client.get(reverse("customers:customer-list"), {"_export": "csv"}).getvalue()
    yield "vehicle csv", client.get(reverse("customers:vehicle-list"), {"_export": "csv"}).getvalue()
    yield "search page", client.get(reverse("archive-search"), {"q": "0005"}).content
    yield "search htmx", client.get(reverse("archive-search"), {"q": MOBILE}, HTTP_HX_REQUEST="true").content
    yield "vehicle picker", client.get(reverse("customers:pick"), {"q": "0005", "kind": "vehicle"}).content
    yield (
        "customer picker",
        client.get(reverse("customers:pick"), {"q": "粤B12345", "kind": "customer"}).content,
    )
    yield "vehicle page", client.get(person.vehicles_owned.get().get_absolute_url()).content
    yield "api customers", api.get("/api/v1/customers/customers/").content
    yield "api customer", api.get(f"/api/v1/customers/customers/{person.pk}/").content
    yield "api search", api.get("/api/v1/customers/customers/", {"q": MOBILE}).content
    yield "api vehicles", api.get("/api/v1/customers/vehicles/").content


def test_sales_consultant_sees_masked_numbers_everywhere(client_for, api_for, sales, archive_row):
    assert not sales.has_perm("customers.see_sensitive")
    client, api = client_for(sales), api_for(sales)
    shown = {}
    for name, body in _surfaces(client, api, archive_row):
        assert not any(n.encode() in body for n in FULL), name
        shown[name] = b"139****0005" in body
    assert shown["customer list"] and shown["vehicle list"] and shown["api customer"]
    assert shown["customer csv"] and shown["search htmx"] and shown["vehicle picker"]
    assert b"1101**********002X" in client.get(reverse("customers:customer-list")).content


def test_a_role_with_the_permission_sees_full_numbers_in_lists(client_for, api_for, advisor, archive_row):
    client, api = client_for(advisor), api_for(advisor)
    bodies = dict(_surfaces(client, api, archive_row))
    for name in (
        "customer list",
        "vehicle list",
        "customer csv",
        "vehicle csv",
        "search htmx",
        "api customer",
    ):
        assert MOBILE.encode() in bodies[name], name
    assert ID_NUMBER.encode() in bodies["customer list"] and b"13700008888" in bodies["api customer"]


def test_the_customer_page_masks_for_everyone_until_the_audited_reveal(
    client_for, sales, advisor, archive_row
):
    for user in (sales, advisor):
        body = client_for(user).get(archive_row.get_absolute_url()).content
        assert not any(n.encode() in body for n in FULL)
    resp = client_for(sales).post(reverse("customers:customer-reveal", args=[archive_row.pk]))
    assert resp.status_code == 403 and not AuditEvent.objects.filter(verb="reveal").exists()


def test_edit_form_masks_and_keeps_the_numbers_sent_back_masked(client_for, sales, archive_row):
    client = client_for(sales)
    url = reverse("customers:customer-edit", args=[archive_row.pk])
    body = client.get(url).content
    assert not any(n.encode() in body for n in FULL) and b"139****0005" in body
    resp = client.post(
        url,
        {
            "kind": "person",
            "name": "周敏敏",
            "mobile": "139****0005",
            "id_number": "1101**********002X",
            "other_phones": "137****8888",
            "source": "walk_in",
            "preferred_channel": "phone",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    archive_row.refresh_from_db()
    assert (archive_row.name, archive_row.mobile, archive_row.id_number) == ("周敏敏", MOBILE, ID_NUMBER)
    assert set(archive_row.phones.values_list("number", flat=True)) == {MOBILE, "13700008888"}


def test_timeline_and_audit_keep_changed_numbers_masked(client_for, api_for, advisor, gm_a, archive_row):
    services.customer_update(actor=advisor, customer=archive_row, data={"mobile": "13800006666"})
    event = AuditEvent.objects.filter(verb="updated", object_id=str(archive_row.pk)).latest("id")
    assert event.changes["mobile"] == ["139****0005", "138****6666"]
    page = client_for(advisor).get(archive_row.get_absolute_url()).content
    assert b"139****0005" in page and MOBILE.encode() not in page and b"13800006666" not in page
    assert MOBILE.encode() not in api_for(gm_a).get("/api/v1/audit-events/").content


def test_appointment_reminders_and_follow_ups_mask_the_phone(client_for, store_a, make_user):
    import datetime as dt

    from django.utils import timezone

    from fours.customers.tables import MaskedColumn
    from fours.service import services as service
    from fours.service.tables import FollowUpTable
    from fours.service.tests.factories import build_world

    w = build_world(store_a, make_user)
    phone = w["vehicle"].owner.mobile
    service.appointment_create(
        actor=w["advisor"],
        store=store_a,
        vehicle=w["vehicle"],
        advisor=w["advisor"],
        date=timezone.localdate() + dt.timedelta(days=1),
        slot=dt.time(10, 0),
        jobs="保养",
    )
    url = reverse("service:appointment-day")
    assert phone.encode() not in client_for(w["cashier"]).get(url).content
    assert phone.encode() in client_for(w["advisor"]).get(url).content
    assert isinstance(FollowUpTable.base_columns["phone"], MaskedColumn)
