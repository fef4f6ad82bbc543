"""销售顾问 sees customers' mobile and ID numbers masked (138****5678): the full number is for the
roles that serve the customer on record (service advisor, customer care, managers), and every
reveal is audited."""

from django.db import migrations

from fours.core.roles import Role


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.filter(content_type__app_label="customers", codename="see_sensitive").first()
    group = Group.objects.filter(name=str(Role.SALES_CONSULTANT)).first()
    if perm and group:
        group.permissions.remove(perm)


def grant_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.filter(content_type__app_label="customers", codename="see_sensitive").first()
    group = Group.objects.filter(name=str(Role.SALES_CONSULTANT)).first()
    if perm and group:
        group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_grant_permissions")]
    operations = [migrations.RunPython(revoke, grant_back)]
