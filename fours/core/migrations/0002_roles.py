"""Seed the roles (Django Groups) of DOMAIN.md, their approval limits and core permissions."""

from django.db import migrations

from fours.core.roles import DEFAULT_LIMITS, Role, grant_permissions

MANAGERS = [
    Role.GROUP_MANAGER,
    Role.GENERAL_MANAGER,
    Role.SALES_MANAGER,
    Role.SERVICE_MANAGER,
    Role.PARTS_MANAGER,
    Role.FINANCE,
]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    RoleLimit = apps.get_model("core", "RoleLimit")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    for role, limits in DEFAULT_LIMITS.items():
        group = Group.objects.get(name=role.value)
        for kind, value in limits.items():
            RoleLimit.objects.update_or_create(role=group, kind=kind, defaults={"value": value})
    grant_permissions(apps, "core", {r: ["view_auditevent"] for r in MANAGERS})
    grant_permissions(apps, "core", {Role.GROUP_MANAGER: ["view_store", "view_dealergroup"]})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
