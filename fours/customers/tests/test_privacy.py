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
ARABIC_MOBILE = "١٣٩١٢٣٤٠٠٠٥"  # Arabic-Indic digits
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
    assert "mobile" in resp.json()["error"]["fields"]
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
