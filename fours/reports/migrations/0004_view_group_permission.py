"""集团对比 is for the group manager and finance: its own permission, held by those two roles only (after the
grants that give a role every permission of the reports app, so a general manager does not get it)."""

from django.db import migrations

from fours.core.roles import Role, grant_permissions

CODENAME = "view_group"


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ct, _ = ContentType.objects.get_or_create(app_label="reports", model="dailysummary")
    Permission.objects.get_or_create(content_type=ct, codename=CODENAME, defaults={"name": "查看集团对比"})
    roles = [Role.GROUP_MANAGER, Role.FINANCE]
    grant_permissions(apps, "reports", {role: [CODENAME] for role in roles})
    Group = apps.get_model("auth", "Group")
    Group.permissions.through.objects.filter(
        permission__content_type=ct, permission__codename=CODENAME
    ).exclude(group__name__in=[str(r) for r in roles]).delete()


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="reports", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_service_parts_metrics"),
        ("sales", "0002_grant_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
