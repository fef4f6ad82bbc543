"""Repair-order photos are served only to logged-in users of the order's store."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from fours.core import uploads
from fours.core.roles import Role
from fours.service import services

from .conftest import receive

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def photo(world, store_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ro = receive(world, store_a)
    (p,) = services.ro_photos_add(
        actor=world["advisor"], ro=ro, files=[SimpleUploadedFile("front.png", PNG, "image/png")], caption="前"
    )
    return p


def _body(resp):
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def test_the_photo_url_is_the_checked_view(photo):
    url = photo.image.url
    assert url == f"/media/service/{photo.ro.store_id}/{photo.ro_id}/front.png"
    assert resolve(url).func is uploads.upload


def test_a_user_of_the_store_gets_the_photo(client_for, world, photo):
    resp = client_for(world["tech"]).get(photo.image.url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert _body(resp) == PNG and "X-Accel-Redirect" not in resp
    assert "private" in resp["Cache-Control"]


def test_anonymous_is_sent_to_the_login(client, photo):
    resp = client.get(photo.image.url)
    assert resp.status_code == 302 and reverse("login") in resp["Location"]
    assert PNG not in _body(resp)


def test_another_store_gets_404(client_for, photo, make_user, store_b):
    resp = client_for(make_user(Role.SERVICE_ADVISOR, store_b, "adv_b")).get(photo.image.url)
    assert resp.status_code == 404 and PNG not in _body(resp)


def test_a_name_no_row_owns_is_404(client_for, world, photo, tmp_path):
    (tmp_path / "loose.png").write_bytes(PNG)  # a file on disk that no row owns
    client = client_for(world["advisor"])
    for name in (
        "loose.png",
        f"service/{photo.ro.store_id}/{photo.ro_id}/../../../loose.png",
        "x/../loose.png",
    ):
        assert client.get("/media/" + name).status_code == 404, name


def test_behind_nginx_the_view_answers_with_x_accel_redirect(client_for, world, photo, settings):
    settings.FOURS_MEDIA_ACCEL_PREFIX = "/protected-media/"
    resp = client_for(world["advisor"]).get(photo.image.url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert resp["X-Accel-Redirect"] == f"/protected-media/service/{photo.ro.store_id}/{photo.ro_id}/front.png"
    assert _body(resp) == b""


def test_the_order_page_links_the_photo_through_the_view(client_for, world, photo):
    html = client_for(world["advisor"]).get(photo.ro.get_absolute_url()).content.decode()
    assert f'src="{photo.image.url}"' in html
    assert io.BytesIO(_body(client_for(world["advisor"]).get(photo.image.url))).read() == PNG
