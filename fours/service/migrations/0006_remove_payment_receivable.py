"""Service keeps no money table: its payments and receivables are finance's now (carried by 0005), and
what a repair order's customer owes and has paid is read from its finance items."""

from django.db import migrations


def drop_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="service", content_type__model__in=["payment", "servicereceivable"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0005_money_into_finance"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.DeleteModel(name="Payment"),
        migrations.DeleteModel(name="ServiceReceivable"),
        migrations.RemoveField(model_name="repairorder", name="customer_due"),
        migrations.RemoveField(model_name="repairorder", name="paid"),
        migrations.RunPython(drop_permissions, migrations.RunPython.noop),
    ]
