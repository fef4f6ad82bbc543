"""The repair order page's links to customer care and warranty: the 手机确认 button that sends the customer
the phone link (only for those who may send messages, only while a confirmation waits), and the order's
warranty claim with the clerk's sign-off of its 索赔 lines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.crm.models import Message
from fours.service import services
from fours.service.services import claims as cs

from .conftest import receive
from .test_claims import _settled_claim_ro, _warranty_ro

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, store_a, make_user):
    world["clerk"] = make_user(Role.WARRANTY_CLERK, store_a, "clerk")
    v = world["vehicle"]
    v.sale_date = timezone.localdate() - dt.timedelta(days=100)
    v.save(update_fields=["sale_date"])
    return world


def _page(client, ro) -> str:
    r = client.get(reverse("service:ro-detail", args=[ro.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_the_advisor_sends_the_estimate_link_from_the_order(w, store_a, client_for):
    ro = receive(w, store_a, package=w["package"])
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    c = client_for(w["advisor"])
    html = _page(c, ro)
    assert 'id="phone-confirm-btn"' in html and reverse("crm:link_send") in html
    assert 'name="purpose" value="estimate"' in html
    url = reverse("service:ro-detail", args=[ro.pk])
    r = c.post(
        reverse("crm:link_send"),
        {"purpose": "estimate", "customer": ro.customer_id, "ro": ro.pk, "next": url},
    )
    assert r.status_code == 302 and r.url == url
    msg = Message.objects.get(customer=ro.customer, purpose="phone_link")
    assert msg.doc_id == ro.pk and "请确认维修估价" in msg.body


def test_no_phone_confirm_button_for_who_may_not_send_or_when_nothing_waits(w, store_a, client_for):
    ro = receive(w, store_a, package=w["package"])
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    assert "phone-confirm-btn" not in _page(client_for(w["foreman"]), ro)  # 车间主管 sends no messages
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    assert "phone-confirm-btn" not in _page(client_for(w["advisor"]), ro)  # confirmed: nothing waits
    before = Message.objects.count()
    r = client_for(w["foreman"]).post(
        reverse("crm:link_send"), {"purpose": "estimate", "customer": ro.customer_id, "ro": ro.pk}
    )
    assert r.status_code == 403 and Message.objects.count() == before


def test_the_order_shows_the_sign_off_then_its_claim(w, store_a, client_for, django_assert_max_num_queries):
    ro, lab, part = _warranty_ro(w, store_a)
    c = client_for(w["advisor"])
    html = _page(c, ro)
    assert 'id="ro-warranty"' in html and "待索赔员签字认可" in html and "尚未制作索赔申请" in html
    cs.warranty_sign(actor=w["clerk"], line=lab)
    html = _page(c, ro)
    assert "索赔员签字认可" in html and w["clerk"].first_name in html


def test_the_order_links_to_its_claim(w, store_a, client_for, django_assert_max_num_queries):
    ro, lab, part = _settled_claim_ro(w, store_a)
    claim = cs.claim_create(actor=w["clerk"], ro=ro)
    c = client_for(w["clerk"])
    with django_assert_max_num_queries(60):
        html = _page(c, ro)
    assert reverse("service:claim-detail", args=[claim.pk]) in html
    assert claim.number in html and "草稿" in html and "待索赔员签字认可" not in html


def test_an_order_without_warranty_shows_no_claim_card(w, store_a, client_for):
    ro = receive(w, store_a, package=w["package"])
    assert 'id="ro-warranty"' not in _page(client_for(w["advisor"]), ro)
