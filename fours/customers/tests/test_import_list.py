"""The import list opens for every role that may import (it had no filterset and crashed)."""

import pytest
from django.urls import reverse

from fours.core.roles import Role
from fours.customers.models import ImportJob


@pytest.mark.parametrize("role", [Role.GENERAL_MANAGER, Role.GROUP_MANAGER])
def test_import_list_opens_with_failed_and_done_jobs(role, make_user, store_a, group, client_for):
    user = make_user(role, store_a, "importer")
    ImportJob.objects.create(
        group=group,
        store=store_a,
        kind="customers",
        file_name="坏.xlsx",
        actor=user,
        status=ImportJob.Status.FAILED,
        errors=[{"row": 3, "column": "手机号", "message": "x"}],
    )
    ImportJob.objects.create(
        group=group,
        store=store_a,
        kind="vehicles",
        file_name="好.xlsx",
        actor=user,
        status=ImportJob.Status.DONE,
    )
    client = client_for(user)
    resp = client.get(reverse("customers:import-list"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "坏.xlsx" in body and "好.xlsx" in body
    assert client.get(reverse("customers:import-list") + "?_export=csv").status_code == 200


def test_import_list_opens_for_a_superuser(django_user_model, client, group, store_a):
    admin = django_user_model.objects.create_superuser("root", "r@example.com", "x-Very-long-pw-1")
    client.force_login(admin)
    assert client.get(reverse("customers:import-list")).status_code == 200
