import pytest
from django.db import transaction

from fours.core.audit import audit_record, diff, timeline_for
from fours.core.context import RequestInfo, current_request
from fours.core.models import AuditEvent


def test_audit_event_records_actor_store_changes_and_request(store_a, gm_a):
    token = current_request.set(RequestInfo(ip="10.1.2.3", request_id="abc123"))
    try:
        changes = diff(store_a, phone="020-1", vat_rate=store_a.vat_rate)
        ev = audit_record(actor=gm_a, obj=store_a, verb="修改", changes=changes)
    finally:
        current_request.reset(token)
    ev.refresh_from_db()
    assert ev.actor == gm_a and ev.object_id == str(store_a.pk)
    assert ev.changes == {"phone": ["", "020-1"]}  # unchanged fields are not listed
    assert (ev.ip, ev.request_id) == ("10.1.2.3", "abc123")
    assert list(timeline_for(store_a)) == [ev]


@pytest.mark.django_db(transaction=True)
def test_audit_event_is_rolled_back_with_its_transaction(store_a, gm_a):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(actor=gm_a, obj=store_a, verb="修改")
        1 / 0  # noqa: B018
    assert AuditEvent.objects.count() == 0


def test_audit_list_is_scoped_and_filterable(client_for, gm_a, gm_b, store_a, store_b):
    audit_record(actor=gm_a, obj=store_a, verb="门店A的操作")
    audit_record(actor=gm_b, obj=store_b, verb="门店B的操作")
    html = client_for(gm_a).get("/core/audit/").content.decode()
    assert "门店A的操作" in html and "门店B的操作" not in html
    html = client_for(gm_a).get("/core/audit/?verb=不存在").content.decode()
    assert "门店A的操作" not in html


def test_audit_list_exports_excel(client_for, gm_a, store_a):
    import io

    import openpyxl

    audit_record(actor=gm_a, obj=store_a, verb="导出测试")
    resp = client_for(gm_a).get("/core/audit/?_export=xlsx")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(
        io.BytesIO(b"".join(resp.streaming_content if resp.streaming else [resp.content]))
    )
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "导出测试" in values
