"""The reversed search keys become generated columns: the database computes them on every insert
and update, bulk ones included. A field cannot be altered into a generated one, so each key is
dropped and added again (with its prefix index), and the database fills it for every row.
Going back re-adds the plain columns (empty at first) and fills them from the source fields."""

from django.db import migrations, models
from django.db.models.functions import Reverse

KEYS = [
    # model, field, source, max_length, blank, index name
    ("customer", "mobile_rev", "mobile", 11, True, "customer_mobile_rev"),
    ("customerphone", "number_rev", "number", 20, False, "customerphone_rev"),
    ("vehicle", "vin_rev", "vin", 17, False, "vehicle_vin_rev"),
    ("vehicle", "plate_rev", "plate", 10, True, "vehicle_plate_rev"),
]


def fill_plain_keys(apps, schema_editor):
    """Backwards only: the plain columns are computed once more from their source fields."""
    for model, field, source, *_rest in KEYS:
        apps.get_model("customers", model).objects.update(**{field: Reverse(source)})


def _operations():
    ops = []
    for model, field, source, length, blank, index in KEYS:
        plain = models.CharField(max_length=length, blank=blank, editable=False, default="")
        ops += [
            # state only: a default, so that going back can add the plain column to filled tables
            migrations.SeparateDatabaseAndState(
                state_operations=[migrations.AlterField(model_name=model, name=field, field=plain)]
            ),
            migrations.RemoveIndex(model_name=model, name=index),
            migrations.RemoveField(model_name=model, name=field),
            migrations.AddField(
                model_name=model,
                name=field,
                field=models.GeneratedField(
                    db_persist=True,
                    expression=Reverse(source),
                    output_field=models.CharField(blank=True, max_length=length),
                ),
            ),
            migrations.AddIndex(
                model_name=model,
                index=models.Index(fields=[field], name=index, opclasses=["varchar_pattern_ops"]),
            ),
        ]
    return [migrations.RunPython(migrations.RunPython.noop, fill_plain_keys), *ops]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_import_job_file"),
    ]

    operations = _operations()
