"""Fixtures shared by every app's tests: two stores (A and B) and users with roles."""

import pytest
from rest_framework.test import APIClient

from fours.core.roles import Role
from fours.core.tests.factories import DealerGroupFactory, StoreFactory, user_with_role


@pytest.fixture
def group(db):
    return DealerGroupFactory(code="JT", name="骏途汽车集团")


@pytest.fixture
def store_a(group):
    return StoreFactory(group=group, code="A01", name="门店A", brands="丰田")


@pytest.fixture
def store_b(group):
    return StoreFactory(group=group, code="B01", name="门店B", brands="本田")


@pytest.fixture
def make_user(db):
    """make_user(Role.SERVICE_ADVISOR, store) -> a user holding that role in that store."""

    def make(role=Role.GENERAL_MANAGER, store=None, username=None):
        return user_with_role(role, store, username)

    return make


@pytest.fixture
def gm_a(make_user, store_a):
    return make_user(Role.GENERAL_MANAGER, store_a, "gm_a")


@pytest.fixture
def gm_b(make_user, store_b):
    return make_user(Role.GENERAL_MANAGER, store_b, "gm_b")


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for():
    """api_for(user) -> a DRF APIClient authenticated as that user."""

    def make(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return make


def pytest_configure(config):
    """Compile the English catalogue when the .po is newer (./dev does the same)."""
    from pathlib import Path

    import polib

    for po in Path(__file__).parent.glob("locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            polib.pofile(str(po)).save_as_mofile(str(mo))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the API throttles count requests in it)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request in English leaves its language active in the thread; the next test starts in the
    default language again (source strings are Chinese)."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
