from django.db import migrations

from fours.core.roles import Role, grant_permissions


def grant(apps, schema_editor):
    # 反结算 by the service manager or the general manager reds the customer's invoice in the same step
    grant_permissions(
        apps, "finance", {Role.SERVICE_MANAGER: ["change_invoice"], Role.GENERAL_MANAGER: ["change_invoice"]}
    )


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_grant_permissions")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
