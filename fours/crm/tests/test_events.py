"""客户活动 and 节日关怀: an event invites a segment or picked customers by SMS (marketing consent respected),
the answers come from care or the phone link within the capacity, the check-in is on the day, the list
counts them; the daily job queues one festival care task per customer, once."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fours.core.models import AuditEvent
from fours.crm import services
from fours.crm.choices import Rsvp, RsvpVia
from fours.crm.models import CustomerEvent, EventInvite, Festival, Message
from fours.crm.services import care_tasks_queue
from fours.customers.models import CareKind, CareTask

from .conftest import make_customer

pytestmark = pytest.mark.django_db


def _code(e):
    return next(iter(e.value.error_dict.values()))[0].code


@pytest.fixture
def people(store_a, crm_user):
    a = make_customer(store_a, crm_user, name="李雷", consent_marketing=True)
    b = make_customer(store_a, crm_user, name="韩梅梅", consent_marketing=True)
    c = make_customer(store_a, crm_user, name="张伟")  # no marketing consent
    return a, b, c


@pytest.fixture
def event(store_a, crm_user):
    return services.event_create(
        actor=crm_user,
        store=store_a,
        name="新车品鉴会",
        starts_at=timezone.now() + dt.timedelta(days=5),
        place="展厅二楼",
        capacity=3,
    )


def test_a_past_or_placeless_event_is_refused_and_nothing_is_made(store_a, crm_user):
    with pytest.raises(ValidationError) as e:
        services.event_create(
            actor=crm_user,
            store=store_a,
            name="自驾游",
            starts_at=timezone.now() - dt.timedelta(hours=1),
            place="x",
        )
    assert _code(e) == "in_past"
    with pytest.raises(ValidationError) as e:
        services.event_create(
            actor=crm_user,
            store=store_a,
            name="自驾游",
            starts_at=timezone.now() + dt.timedelta(days=1),
            place="",
        )
    assert "place" in e.value.error_dict
    assert not CustomerEvent.objects.exists()


def test_the_segment_is_invited_once_with_consent(event, people):
    a, b, c = people
    r = services.event_invite(actor=event.created_by, event=event)
    assert r == {"invited": 2, "skipped": 1, "already": 0}
    assert set(event.invites.values_list("customer__name", flat=True)) == {"李雷", "韩梅梅"}
    msg = Message.objects.get(customer=a, purpose="event")
    assert "新车品鉴会" in msg.body and "展厅二楼" in msg.body and "/m/" in msg.body
    assert EventInvite.objects.get(customer=a).message == msg
    assert not Message.objects.filter(customer=c).exists()
    again = services.event_invite(actor=event.created_by, event=event)
    assert again == {"invited": 0, "skipped": 1, "already": 2}
    assert Message.objects.filter(purpose="event").count() == 2


def test_answers_within_the_capacity_and_refusals_change_nothing(event, people, crm_user):
    services.event_invite(actor=crm_user, event=event)
    ia, ib = EventInvite.objects.order_by("pk")
    services.event_rsvp(actor=crm_user, invite=ia, answer=Rsvp.YES, guests=1)
    ia.refresh_from_db()
    assert (ia.rsvp, ia.guests, ia.rsvp_via, ia.rsvp_by) == (Rsvp.YES, 1, RsvpVia.STAFF, crm_user)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:  # 3 seats: 2 taken, this one and a guest make 4
        services.event_rsvp(actor=crm_user, invite=ib, answer=Rsvp.YES, guests=1)
    assert _code(e) == "full"
    with pytest.raises(ValidationError) as e:
        services.event_rsvp(actor=crm_user, invite=ib, answer="perhaps")
    assert _code(e) == "invalid_choice"
    ib.refresh_from_db()
    assert (ib.rsvp, ib.rsvp_at) == (Rsvp.PENDING, None)
    assert AuditEvent.objects.count() == events
    services.event_rsvp(actor=crm_user, invite=ib, answer=Rsvp.YES)  # alone it fits
    services.event_rsvp(actor=crm_user, invite=ia, answer=Rsvp.NO, guests=2)  # guests only when coming
    ia.refresh_from_db()
    assert (ia.rsvp, ia.guests) == (Rsvp.NO, 0)


def test_the_customer_answers_on_the_phone_link(client, event, people, crm_user):
    a = people[0]
    services.event_invite(actor=crm_user, event=event)
    body = Message.objects.get(customer=a, purpose="event").body
    url = re.search(r"(/[a-z/]*m/[^/\s]+/)", body).group(1)
    page = client.get(url)
    assert page.status_code == 200 and "新车品鉴会" in page.content.decode()
    r = client.post(url, {"answer": "yes", "guests": "2"})
    assert r.status_code == 200 and "已报名" in r.content.decode()
    inv = EventInvite.objects.get(customer=a)
    assert (inv.rsvp, inv.guests, inv.rsvp_via, inv.rsvp_by) == (Rsvp.YES, 2, RsvpVia.PHONE_LINK, None)
    r = client.post(url, {"answer": "no"})  # the customer may change the answer until the event
    inv.refresh_from_db()
    assert inv.rsvp == Rsvp.NO
    r = client.post(url, {"answer": "later"})
    assert r.status_code == 400
    inv.refresh_from_db()
    assert inv.rsvp == Rsvp.NO


def test_check_in_only_on_the_day_and_once(store_a, event, people, crm_user):
    services.event_invite(actor=crm_user, event=event)
    inv = EventInvite.objects.order_by("pk").first()
    with pytest.raises(ValidationError) as e:
        services.event_check_in(actor=crm_user, invite=inv)
    assert _code(e) == "not_today"
    CustomerEvent.objects.filter(pk=event.pk).update(starts_at=timezone.now())
    services.event_check_in(actor=crm_user, invite=inv)
    inv.refresh_from_db()
    assert inv.attended_at is not None and inv.checked_in_by == crm_user
    with pytest.raises(ValidationError) as e:
        services.event_check_in(actor=crm_user, invite=inv)
    assert _code(e) == "not_pending"


def test_the_pages_count_and_only_care_may_open_them(
    client, store_a, event, people, crm_user, advisor, django_assert_max_num_queries
):
    services.event_invite(actor=crm_user, event=event)
    inv = EventInvite.objects.order_by("pk").first()
    services.event_rsvp(actor=crm_user, invite=inv, answer=Rsvp.MAYBE)
    for n in range(3):
        services.event_create(
            actor=crm_user,
            store=store_a,
            name=f"爱车讲堂{n}",
            starts_at=timezone.now() + dt.timedelta(days=9 + n),
            place="会议室",
        )
    client.force_login(crm_user)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("crm:event_list"))
    html = page.content.decode()
    row = re.search(rf'data-event="{event.pk}">(.*?)</tr>', html, re.S).group(1)
    assert [int(x) for x in re.findall(r'text-end[^"]*">(\d+)', row)] == [3, 2, 0, 1, 0, 1, 0]
    with django_assert_max_num_queries(16):
        detail = client.get(reverse("crm:event_detail", args=[event.pk])).content.decode()
    assert 'id="invite-form"' in detail and "待定" in detail
    r = client.post(reverse("crm:event_act", args=[event.pk, "invite"]), {"mobiles": "13900000000"})
    assert r.status_code == 302 and EventInvite.objects.count() == 2  # no such customer: nothing sent
    client.force_login(advisor)
    assert client.get(reverse("crm:event_list")).status_code == 403


def test_festival_care_tasks_are_queued_once(store_a, crm_user, people):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    services.festival_add(actor=crm_user, store=store_a, name="中秋节", on=tomorrow, greeting="花好月圆")
    made = care_tasks_queue(store=store_a)
    assert made.get(CareKind.FESTIVAL) == 3
    t = CareTask.objects.filter(kind=CareKind.FESTIVAL).first()
    assert "中秋节" in t.subject and t.due_date == timezone.localdate()
    assert care_tasks_queue(store=store_a).get(CareKind.FESTIVAL) is None
    assert CareTask.objects.filter(kind=CareKind.FESTIVAL).count() == 3
    with pytest.raises(ValidationError) as e:  # the same festival twice, a past day
        services.festival_add(actor=crm_user, store=store_a, name="中秋节", on=tomorrow)
    assert _code(e) == "duplicate"
    with pytest.raises(ValidationError) as e:
        services.festival_add(
            actor=crm_user, store=store_a, name="春节", on=timezone.localdate() - dt.timedelta(days=1)
        )
    assert _code(e) == "in_past"
    assert Festival.objects.count() == 1
