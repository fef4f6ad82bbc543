"""The tests of this package walk the pages of the demo as its users would. The demo is loaded once
for the whole package, in a transaction rolled back when the package's last test ends, so the other
tests of the suite still start from an empty database."""

import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def demo_logins(django_db_setup, django_db_blocker, tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var):
        with transaction.atomic():
            call_command("demo_load", stdout=open("/dev/null", "w"))
            yield json.loads((var / "demo_logins.json").read_text(encoding="utf-8"))
            transaction.set_rollback(True)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/demo_pages/" in str(item.fspath):
            item.add_marker(pytest.mark.demo_pages)
