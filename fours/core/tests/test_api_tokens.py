"""API tokens expire, end with a password change, and the token endpoint is throttled and locked
with 429 answers in the API's error format."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fours.core.models import ApiTokenStamp
from fours.core.roles import Role

PASSWORD = "Secret-pass-2026"  # the factories' password


@pytest.fixture
def advisor(make_user, store_a):
    return make_user(Role.SERVICE_ADVISOR, store_a, "tok_adv")


def obtain(username, password=PASSWORD, ip="10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def me(key):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_token_works_until_it_expires(advisor, settings):
    resp = obtain("tok_adv")
    assert resp.status_code == 200, resp.content
    key = resp.json()["token"]
    assert me(key).status_code == 200
    assert resp.json()["expires"].startswith(str((timezone.localdate() + timedelta(days=30)).year))

    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=30, minutes=1))
    resp = me(key)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "authentication_failed"
    assert "过期" in resp.json()["error"]["message"]

    fresh = obtain("tok_adv").json()["token"]  # asking again gives a new, working token
    assert fresh != key and me(fresh).status_code == 200
    assert not Token.objects.filter(key=key).exists()

    settings.FOURS_API_TOKEN_DAYS = 1  # the age is a setting
    Token.objects.filter(key=fresh).update(created=timezone.now() - timedelta(days=1, minutes=1))
    assert me(fresh).status_code == 401


def test_password_change_ends_the_token(advisor):
    key = obtain("tok_adv").json()["token"]
    assert ApiTokenStamp.objects.filter(token_id=key).exists()
    advisor.set_password("Another-pass-2027")
    advisor.save()
    resp = me(key)
    assert resp.status_code == 401 and "密码" in resp.json()["error"]["message"]
    assert obtain("tok_adv").status_code == 400  # the old password no longer gets one
    new = obtain("tok_adv", "Another-pass-2027").json()["token"]
    assert new != key and me(new).status_code == 200


def test_a_token_made_in_the_admin_is_bound_to_the_password_on_first_use(advisor):
    key = Token.objects.create(user=advisor).key
    assert me(key).status_code == 200
    advisor.set_password("Another-pass-2027")
    advisor.save()
    assert me(key).status_code == 401


def test_token_endpoint_is_throttled_per_ip(db):
    answers = [obtain(f"nobody{i}", "wrong").status_code for i in range(70)]
    assert answers[:10] == [400] * 10
    assert set(answers[10:]) == {429}
    resp = obtain("nobody-else", "wrong")
    body = resp.json()["error"]
    assert resp.status_code == 429 and body["status"] == 429 and body["code"] == "throttled"
    assert "Retry-After" in resp
    assert obtain("nobody-else", "wrong", ip="10.0.0.2").status_code == 400  # another client is not held up
    spoofed = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4").post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
    )
    assert spoofed.status_code == 429  # a forged X-Forwarded-For does not make a new client


def test_a_locked_login_answers_429_in_the_api_format(advisor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain("tok_adv", "wrong").status_code == 400
    last = obtain("tok_adv", "wrong")  # the failure that reaches the limit locks
    assert last.status_code == 429 and last.json()["error"]["code"] == "locked"
    resp = obtain("tok_adv")  # even the right password is refused while locked
    assert resp.status_code == 429
    assert resp.json()["error"] == {
        "status": 429,
        "code": "locked",
        "message": resp.json()["error"]["message"],
    }
    assert not Token.objects.filter(user=advisor).exists()
