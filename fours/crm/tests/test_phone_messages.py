"""Messages respect consent and quiet hours and are logged on the customer; the phone link is signed,
expiring and single-purpose: the customer confirms an added job, recorded on the repair order as the
advisor's confirmation is; a tampered, expired or used link is refused and nothing changes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fours.core import messaging
from fours.crm import services
from fours.crm.models import CareRule, LinkUse, Message
from fours.customers.models import CareKind
from fours.service.models import CustomerApproval
from fours.service.tests.conftest import confirmed
from fours.service.tests.factories import build_world

SIG = "data:image/png;base64,iVBORw0KGgo="


@pytest.fixture(autouse=True)
def _phone_pages_open(monkeypatch):
    """The phone pages are open without a login (the middleware's open prefixes name /crm/m/)."""
    from fours.core import middleware

    if not any("/crm/m/".startswith(p) for p in middleware.OPEN_PREFIXES):
        monkeypatch.setattr(middleware, "OPEN_PREFIXES", (*middleware.OPEN_PREFIXES, "/crm/m/"))


@pytest.fixture
def no_quiet(store_a):
    # every purpose's rule (a care message follows the birthday rule): the tests pass at any hour
    for kind in (CareKind.SERVICE_DELIVERY, CareKind.BIRTHDAY):
        CareRule.objects.create(store=store_a, kind=kind, quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))


def test_message_sent_and_logged(store_a, customer, crm_user, no_quiet):
    messaging.outbox.clear()
    m = services.message_send(
        actor=crm_user, customer=customer, purpose="care", body="生日快乐", store=store_a
    )
    assert m.status == "sent" and m.provider_id.startswith("log-")
    assert messaging.outbox[-1]["to"] == customer.mobile


def test_message_to_a_customer_without_sms_consent_is_refused(store_a, customer, crm_user, no_quiet):
    customer.consent_sms = False
    customer.save()
    with pytest.raises(ValidationError) as e:
        services.message_send(actor=crm_user, customer=customer, purpose="care", body="x", store=store_a)
    assert e.value.error_code == "no_consent"
    assert not Message.objects.exists()


def test_campaign_message_needs_marketing_consent(store_a, customer, crm_user, no_quiet):
    with pytest.raises(ValidationError) as e:
        services.message_send(actor=crm_user, customer=customer, purpose="campaign", body="x", store=store_a)
    assert e.value.error_code == "no_consent"


def test_quiet_hours_queue_the_message_then_it_goes(store_a, customer, crm_user):
    CareRule.objects.create(
        store=store_a, kind=CareKind.BIRTHDAY, quiet_start=dt.time(21), quiet_end=dt.time(9)
    )
    night = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 30)))
    m = services.message_send(
        actor=crm_user, customer=customer, purpose="care", body="x", store=store_a, now=night
    )
    assert m.status == "queued" and not m.sent_at
    assert services.messages_send_queued(store=store_a, now=night + dt.timedelta(minutes=30)) == 0
    morning = night + dt.timedelta(hours=10)
    assert services.messages_send_queued(store=store_a, now=morning) == 1
    m.refresh_from_db()
    assert m.status == "sent"


def test_http_backend_failure_is_logged_as_failed(store_a, customer, crm_user, no_quiet, settings):
    settings.FOURS_MESSAGE_BACKEND = "fours.core.messaging.HttpSmsBackend"
    settings.FOURS_SMS_URL = "http://127.0.0.1:9/none"
    m = services.message_send(actor=crm_user, customer=customer, purpose="care", body="x", store=store_a)
    assert m.status == "failed" and m.reason


@pytest.fixture
def world(store_a, make_user):
    return build_world(store_a, make_user)


def _added_job(w, store):
    from fours.service import services as svc

    ro = confirmed(w, store)
    svc.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_diag"])
    return ro


def test_customer_confirms_the_added_job_on_the_phone(client, store_a, world):
    ro = _added_job(world, store_a)
    token = services.link_make(
        actor=world["advisor"], store=store_a, purpose="added", customer=ro.customer, doc=ro
    )
    url = reverse("crm:phone", args=[token])
    r = client.get(url)
    assert r.status_code == 200 and "故障检测" in r.content.decode()
    r = client.post(url, {"approved": "1", "signature": SIG})
    assert r.status_code == 200 and "已确认" in r.content.decode()
    a = CustomerApproval.objects.get(ro=ro, kind="added")
    assert a.approved and a.method == "signature" and a.signer_name == ro.customer.name
    assert a.recorded_by == world["advisor"]
    assert not ro.labour.filter(approval="pending").exists()
    # the link is used up
    r = client.post(url, {"approved": "1"})
    assert r.status_code == 410 and "已使用" in r.content.decode()
    assert CustomerApproval.objects.filter(ro=ro, kind="added").count() == 1


def test_tampered_link_refused(client, store_a, world):
    ro = _added_job(world, store_a)
    token = services.link_make(
        actor=world["advisor"], store=store_a, purpose="added", customer=ro.customer, doc=ro
    )
    bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    r = client.post(reverse("crm:phone", args=[bad]), {"approved": "1"})
    assert r.status_code == 404 and "链接无效" in r.content.decode()
    assert not CustomerApproval.objects.filter(kind="added").exists() and not LinkUse.objects.exists()


def test_expired_link_refused(client, store_a, world):
    from django.core import signing

    from fours.crm.services.links import SALT

    ro = _added_job(world, store_a)
    token = services.link_make(
        actor=world["advisor"], store=store_a, purpose="added", customer=ro.customer, doc=ro
    )
    payload = signing.loads(token, salt=SALT)
    payload["t"] = int((timezone.now() - dt.timedelta(hours=49)).timestamp())
    token = signing.dumps(payload, salt=SALT, compress=True)
    r = client.post(reverse("crm:phone", args=[token]), {"approved": "1"})
    assert r.status_code == 410 and "过期" in r.content.decode()
    assert not CustomerApproval.objects.filter(kind="added").exists()


def test_status_page_and_link_sent_by_sms(client, store_a, world, no_quiet):
    from fours.core.roles import Role

    crm = world["crm"]
    assert crm.has_perm("crm.add_message") and Role.CRM_SPECIALIST
    ro = _added_job(world, store_a)
    msg = services.link_send(
        actor=crm, store=store_a, purpose="status", customer=ro.customer, doc=ro, base="http://x"
    )
    assert msg.status == "sent" and "/crm/m/" in msg.body
    r = client.get(reverse("crm:phone", args=[msg.token]))
    assert r.status_code == 200 and ro.get_status_display() in r.content.decode()


def test_survey_on_the_phone(client, store_a, world):
    from fours.crm.models import Survey, SurveyResponse

    Survey.objects.create(
        store=store_a, kind="csi", name="售后满意度", questions=[{"key": "q1", "q": "总体", "max": 10}]
    )
    ro = _added_job(world, store_a)
    token = services.link_make(
        actor=world["advisor"], store=store_a, purpose="survey", customer=ro.customer, doc=ro
    )
    r = client.post(reverse("crm:phone", args=[token]), {"q_q1": "8"})
    assert r.status_code == 200
    resp = SurveyResponse.objects.get()
    assert resp.source == "phone_link" and resp.advisor == world["advisor"] and str(resp.score) == "80.00"


def test_car_ready_notice_once(store_a, advisor, crm_user, no_quiet):
    from fours.crm.services.messages import notices_send

    from .conftest import delivered_ro, make_customer

    c = make_customer(store_a, crm_user)
    ro = delivered_ro(store_a, advisor, customer=c, status="awaiting_settlement", delivered_at=None)
    assert notices_send(store=store_a)["car_ready"] == 1
    assert notices_send(store=store_a)["car_ready"] == 0
    m = Message.objects.get(purpose="car_ready")
    assert m.doc == ro and m.status == "sent" and ro.number in m.body
    c2 = make_customer(store_a, crm_user, consent_sms=False)
    delivered_ro(store_a, advisor, customer=c2, status="awaiting_settlement", delivered_at=None)
    assert notices_send(store=store_a)["car_ready"] == 0
