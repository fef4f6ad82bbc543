"""The OpenAPI schema is honest: schemathesis calls every operation of /api/schema/ through the WSGI
app as a user with write rights in a store with data, and every answer is documented (no 5xx,
a documented status code and content type, a body that fits the response schema)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal as D

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fours.core.roles import Role
from fours.core.tests.factories import member


def _openapi():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _body(doc, path, method="post"):
    ref = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_schema_is_valid_openapi_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_request_bodies_are_the_inputs_the_views_read():
    doc = _openapi()
    sale = _body(doc, "/api/v1/parts/sales/")
    assert "lines" in sale["required"] and {"store", "channel", "terms", "customer"} <= set(
        sale["properties"]
    )
    assert "number" not in sale["properties"] and "total" not in sale["properties"]
    po = _body(doc, "/api/v1/parts/purchase-orders/")
    assert {"supplier", "lines"} <= set(po["required"]) and "store" in po["properties"]
    receive = _body(doc, "/api/v1/parts/purchase-orders/{id}/receive/")
    assert "lines" in receive["required"] and "status" not in receive["properties"]
    assert doc["paths"]["/api/v1/parts/purchase-orders/{id}/receive/"]["post"]["responses"]["201"]
    transfer = _body(doc, "/api/v1/customers/vehicles/{id}/transfer/")
    assert transfer["required"] == ["new_owner"] and "vin" not in transfer["properties"]


def test_fields_that_can_be_null_say_so():
    props = _openapi()["components"]["schemas"]
    assert props["Part"]["properties"]["superseded_by"]["nullable"] is True
    assert props["AuditEvent"]["properties"]["store"]["nullable"] is True
    assert props["AuditEvent"]["properties"]["actor"]["nullable"] is True
    assert props["LabourLine"]["properties"]["technician"]["nullable"] is True


def test_every_operation_documents_the_error_answers():
    doc = _openapi()
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["status", "code", "message"]
    operations = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items()]
    assert len(operations) > 50
    for path, method, op in operations:
        wanted = {"400", "401", "403", "404", "429"}
        if method in ("post", "put", "patch"):
            wanted |= {"409", "413", "415"}
        assert wanted <= set(op["responses"]), (method, path, sorted(op["responses"]))
        for code in wanted:
            body = op["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, code)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Roles that write in a store; one user holds them all so that every write operation runs its service.
WRITERS = [
    Role.GENERAL_MANAGER,
    Role.SERVICE_MANAGER,
    Role.SERVICE_ADVISOR,
    Role.FOREMAN,
    Role.QC_INSPECTOR,
    Role.CASHIER,
    Role.PARTS_MANAGER,
    Role.PARTS_PLANNER,
    Role.STOREKEEPER,
    Role.PARTS_SALES,
]


def _world(store_a, make_user):
    """A store with customers, vehicles, parts in stock, a purchase order, a sale, an appointment,
    repair orders in several states and their audit trail; some optional links left empty."""
    from fours.parts import services as parts
    from fours.parts.tests.factories import PartFactory, SupplierFactory, TradeCustomerFactory
    from fours.service import services as service
    from fours.service.tests.conftest import confirmed, ready_to_settle
    from fours.service.tests.factories import build_world, vehicle_for

    w = build_world(store_a, make_user)
    user = make_user(Role.GENERAL_MANAGER, store_a, "writer")
    for role in WRITERS:
        member(user, role, store=store_a)
    old = PartFactory(group=store_a.group, name="旧款机滤")
    old.superseded_by = w["filter"]
    old.save(update_fields=["superseded_by"])
    supplier = SupplierFactory(group=store_a.group)
    po = parts.po_create(actor=user, store=store_a, supplier=supplier, lines=[{"part": w["pads"], "qty": 2}])
    TradeCustomerFactory(store=store_a)
    parts.counter_sale_create(
        actor=user, store=store_a, customer_name="李先生", lines=[{"part": w["oil"], "qty": 1}]
    )
    service.appointment_create(
        actor=w["advisor"],
        store=store_a,
        vehicle=w["vehicle"],
        advisor=w["advisor"],
        date=timezone.localdate() + dt.timedelta(days=1),
        slot=dt.time(10, 0),
        package=w["package"],
    )
    confirmed(w, store_a)
    ready_to_settle(w, store_a, vehicle=vehicle_for(store_a, w["advisor"], name="陈女士", model=w["model"]))
    w.update(user=user, po=po, supplier=supplier)
    return w


@pytest.fixture
def world(store_a, make_user):
    return _world(store_a, make_user)


@pytest.fixture
def writer(world):
    return world["user"]


@pytest.fixture
def auth(writer):
    return {"Authorization": f"Token {Token.objects.create(user=writer).key}"}


@pytest.fixture
def api_schema(db):
    """The schema served by the WSGI app. Requests run inside the test's transaction, so (as Django's
    test client does) a finished request must not close the database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(writer, api_schema):
    """For each operation on one object, the ids of the rows its view reads: a drawn path id is often
    a real one (the store's data), not only a random 404."""
    from django.urls import resolve

    out = {}
    for result in api_schema.get_all_operations():
        op = result.ok()
        if "{id}" not in op.path:
            continue
        view = resolve(op.path.replace("{id}", "1")).func
        model = view.cls.queryset.model
        out[op.path] = sorted(model._default_manager.values_list("pk", flat=True))
    return out


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=int(os.environ.get("FOURS_API_FUZZ_EXAMPLES", "8")),  # more for a deeper run
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, data, auth, real_ids):
    ids = real_ids.get(case.operation.path)
    if ids and data.draw(st.booleans(), label="real id"):
        case.path_parameters["id"] = data.draw(st.sampled_from(ids), label="id")
    case.call_and_validate(headers=auth, checks=CHECKS)


def _strict(node):
    """The schema with additionalProperties false on every object: a body may use only documented fields."""
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def _fits_request_schema(doc, path, method, body):
    from jsonschema import Draft202012Validator

    ref = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({"$ref": ref, "components": _strict(doc["components"])})
    return [e.message for e in validator.iter_errors(body)]


def test_valid_writes_use_the_documented_bodies_and_answer_as_documented(world, auth, api_schema, store_a):
    """The bodies the views read are the documented ones: a real write of each kind, with only
    documented fields, succeeds and its answer fits the schema."""
    import random

    from fours.customers.demo import make_vin
    from fours.parts.models import PurchaseOrder, Sale
    from fours.service.models import Appointment

    doc = api_schema.raw_schema

    def call(method, path, body, expected, **path_parameters):
        assert _fits_request_schema(doc, path, method.lower(), body) == [], (method, path)
        case = api_schema[path][method].Case(
            path_parameters=path_parameters, body=body, media_type="application/json"
        )
        response = case.call_and_validate(headers=auth, checks=CHECKS)
        assert response.status_code == expected, (method, path, response.text)
        return response.json()

    sales, orders, bookings = Sale.objects.count(), PurchaseOrder.objects.count(), Appointment.objects.count()
    lines = [{"part": world["oil"].pk, "qty": "2"}]
    call(
        "POST", "/api/v1/parts/sales/", {"store": store_a.pk, "customer_name": "张先生", "lines": lines}, 201
    )
    lines = [{"part": world["pads"].pk, "qty": "3"}]
    call("POST", "/api/v1/parts/purchase-orders/", {"supplier": world["supplier"].pk, "lines": lines}, 201)
    po = world["po"]
    lines = [{"po_line": po.lines.get().pk, "qty": "2"}]
    call("POST", "/api/v1/parts/purchase-orders/{id}/receive/", {"lines": lines}, 201, id=po.pk)
    assert Sale.objects.count() == sales + 1 and PurchaseOrder.objects.count() == orders + 1
    assert po.lines.get().qty_received == D("2")

    customer = call(
        "POST",
        "/api/v1/customers/customers/",
        {"store": store_a.pk, "name": "周先生", "mobile": "13800138000"},
        201,
    )
    assert customer["mobile"] == "13800138000"
    call("PATCH", "/api/v1/customers/customers/{id}/", {"notes": "老客户"}, 200, id=customer["id"])
    vin = make_vin(random.Random(1), "LVG", 2024, 777001)
    vehicle = call("POST", "/api/v1/customers/vehicles/", {"owner": customer["id"], "vin": vin}, 201)
    assert vehicle["owner"] == customer["id"] and vehicle["vin"] == vin
    call("PATCH", "/api/v1/customers/vehicles/{id}/", {"colour": "白"}, 200, id=vehicle["id"])
    call("POST", "/api/v1/customers/odometer-readings/", {"vehicle": vehicle["id"], "value_km": 1200}, 201)
    body = {"new_owner": customer["id"], "on": timezone.localdate().isoformat(), "note": "二手车过户"}
    moved = call("POST", "/api/v1/customers/vehicles/{id}/transfer/", body, 200, id=world["vehicle"].pk)
    assert moved["owner"] == customer["id"]

    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    body = {"store": store_a.pk, "vehicle": vehicle["id"], "advisor": world["advisor"].pk, "date": day}
    call("POST", "/api/v1/service/appointments/", {**body, "slot": "14:30", "jobs": "异响检查"}, 201)
    assert Appointment.objects.count() == bookings + 1
    ro = call("POST", "/api/v1/service/repair-orders/", {"vehicle": vehicle["id"], "odometer_km": 1300}, 201)
    call("POST", "/api/v1/service/repair-orders/{id}/labour/", {"operation": "D001"}, 200, id=ro["id"])
