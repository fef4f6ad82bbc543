from django.db import migrations

from fours.core.roles import Role, grant_permissions


def grant(apps, schema_editor):
    # A technician adds the parts the job needs (领料申请): the order's 添加材料 step is add_partline.
    grant_permissions(apps, "service", {Role.TECHNICIAN: ["add_partline"]})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_roles"),
        ("service", "0003_workshop_capacity_refund_note"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
