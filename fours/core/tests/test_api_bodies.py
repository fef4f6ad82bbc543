"""The API refuses a body it cannot use with its one error format, never a 500 or an HTML page:
a JSON value that is not an object, nesting deeper than the limit, a body too large; and nested
line errors are named by their path with plain messages."""

import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from fours.core.api.errors import flatten_errors
from fours.core.api.parsers import MAX_DEPTH
from fours.core.models import AuditEvent
from fours.customers import services as customer_services
from fours.customers.models import Customer, Ownership, Vehicle
from fours.customers.tests.test_archive import GOOD_VIN
from fours.parts.models import Sale
from fours.parts.services import stock_receive
from fours.parts.tests.factories import PartFactory

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["[1]", "true", '"x"', "null", "1", "[]"]


@pytest.fixture
def gm(django_user_model, store_a):
    return django_user_model.objects.create_superuser("root_api", "r@example.com", "pw-long-enough-1")


@pytest.fixture
def token_client(gm):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=gm).key}")


@pytest.fixture
def vehicle(gm, store_a):
    owner = customer_services.customer_create(
        actor=gm, store=store_a, data={"name": "王建国", "mobile": "13812345678", "id_number": ""}
    )
    return customer_services.vehicle_create(
        actor=gm,
        store=store_a,
        owner=owner,
        data={"vin": GOOD_VIN, "plate": "粤A12345", "odometer_km": 15000},
    )


def state():
    return (
        Customer.objects.count(),
        Vehicle.objects.count(),
        Ownership.objects.count(),
        Sale.objects.count(),
        AuditEvent.objects.count(),
        [(c.pk, c.name, c.mobile) for c in Customer.objects.order_by("pk")],
    )


def assert_api_error(resp, status, code):
    assert resp.status_code == status, resp.content[:300]
    assert resp["Content-Type"].startswith("application/json")
    err = resp.json()["error"]
    assert err["status"] == status and err["code"] == code and err["message"]
    return err


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_refused_by_every_action(body, token_client, vehicle):
    c = vehicle.owner
    before = state()
    for method, url in [
        ("post", f"/api/v1/customers/vehicles/{vehicle.pk}/transfer/"),
        ("post", "/api/v1/customers/customers/"),
        ("patch", f"/api/v1/customers/customers/{c.pk}/"),
        ("patch", f"/api/v1/customers/vehicles/{vehicle.pk}/"),
        ("post", "/api/v1/parts/sales/"),
        ("post", "/api/v1/service/appointments/"),
    ]:
        resp = getattr(token_client, method)(url, data=body, content_type="application/json")
        err = assert_api_error(resp, 400, "invalid")
        assert err["fields"] == {"non_field_errors": ["请求体必须是一个 JSON 对象"]}, (url, err)
    assert state() == before


def _post_routes():
    """Every API route without a path argument that answers POST (the collection endpoints and
    the actions on them)."""
    api = get_resolver().url_patterns
    out = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and route.startswith("api/v1/") and "<" not in route:
                actions = getattr(p.callback, "actions", None) or {}
                cls = getattr(p.callback, "cls", None)
                if "post" in actions or (cls and not actions and hasattr(cls, "post")):
                    out.append(
                        "/"
                        + route.replace("^", "").replace("$", "").replace("\\.(?P<format>[a-z0-9]+)/?", "")
                    )

    walk(api, "")
    return sorted({r for r in out if "(?P" not in r})


def test_every_post_route_refuses_a_list_body_with_the_error_format(token_client, store_a):
    client = token_client
    routes = _post_routes()
    assert {"/api/v1/parts/sales/", "/api/v1/customers/customers/", "/api/v1/auth/token/"} <= set(routes)
    before = state()
    for url in routes:
        resp = client.post(url, data="[1]", content_type="application/json")
        assert resp.status_code < 500, (url, resp.content[:300])
        assert resp["Content-Type"].startswith("application/json"), url
        assert resp.status_code in (400, 405), (url, resp.status_code, resp.content[:300])
    assert state() == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        '{"name": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}",
    ],
    ids=["list-5000", "object-5000", "just-over-the-limit"],
)
def test_deeply_nested_json_is_a_400_not_a_crash(body, token_client, vehicle):
    before = state()
    for key in ({}, {"HTTP_IDEMPOTENCY_KEY": "deep-1"}):
        resp = token_client.post(
            "/api/v1/customers/customers/", data=body, content_type="application/json", **key
        )
        err = assert_api_error(resp, 400, "parse_error")
        assert "嵌套过深" in err["message"]
    assert state() == before


def test_nesting_within_the_limit_still_reaches_the_serializer(token_client, gm):
    body = {"name": "李四", "mobile": "13700000001", "tags": ["x"], "extra": [[[[["deep but fine"]]]]]}
    resp = token_client.post(
        "/api/v1/customers/customers/", data=json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 201, resp.content[:300]


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("key", [{}, {"HTTP_IDEMPOTENCY_KEY": "big-1"}], ids=["plain", "idempotent"])
def test_a_10_mb_body_answers_the_api_error_format(content_type, key, token_client, vehicle):
    if content_type == "application/json":
        body = json.dumps({"name": "x" * (10 * 1024 * 1024), "mobile": "13700000002"})
    else:
        body = "name=" + "x" * (10 * 1024 * 1024)
    before = state()
    resp = token_client.post("/api/v1/customers/customers/", data=body, content_type=content_type, **key)
    err = assert_api_error(resp, 413, "request_too_large")
    assert "过大" in err["message"]
    resp = token_client.patch(
        f"/api/v1/customers/customers/{vehicle.owner.pk}/", data=body, content_type=content_type
    )
    assert_api_error(resp, 413, "request_too_large")
    assert state() == before


def test_a_too_large_body_outside_a_view_answers_json_under_api_only(rf):
    from fours.core.views import error_400

    resp = error_400(rf.post("/api/v1/customers/customers/"), RequestDataTooBig("too big"))
    assert resp.status_code == 413 and json.loads(resp.content)["error"]["code"] == "request_too_large"
    page = error_400(rf.post("/customers/new/"), RequestDataTooBig("too big"))
    assert page.status_code == 400 and "html" in page["Content-Type"]


def test_unknown_api_path_answers_json(token_client):
    assert_api_error(token_client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_nested_line_errors_are_named_by_path_with_plain_messages(token_client, gm, store_a, group):
    part = PartFactory(group=group)
    stock_receive(actor=gm, store=store_a, part=part, qty=10, unit_cost=D("50"), doc=part)
    before = state()
    body = {"lines": [{"part": part.pk, "qty": "1"}, {"part": part.pk, "qty": "abc"}, {"qty": "2"}]}
    resp = token_client.post("/api/v1/parts/sales/", data=json.dumps(body), content_type="application/json")
    err = assert_api_error(resp, 400, "invalid")
    assert set(err["fields"]) == {"lines[1].qty", "lines[2].part"}
    assert all(isinstance(m, str) for msgs in err["fields"].values() for m in msgs)
    assert "ErrorDetail" not in resp.content.decode() and "{" not in "".join(err["fields"]["lines[1].qty"])
    assert state() == before


def test_flatten_errors_of_list_fields_and_nested_objects():
    from rest_framework.exceptions import ErrorDetail

    e = ErrorDetail
    assert flatten_errors(
        {
            "tags": {0: [e("太长")], 2: [e("空")]},
            "lines": [{}, {"qty": [e("必填")], "meta": {"bin": [e("无效")]}}],
            "name": [e("必填")],
            "non_field_errors": [e("整体")],
        }
    ) == {
        "tags[0]": ["太长"],
        "tags[2]": ["空"],
        "lines[1].qty": ["必填"],
        "lines[1].meta.bin": ["无效"],
        "name": ["必填"],
        "non_field_errors": ["整体"],
    }
    assert flatten_errors([e("一"), e("二")]) == {"non_field_errors": ["一", "二"]}
