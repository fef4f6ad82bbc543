import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("finance", "0003_red_invoice_on_reversal")]

    operations = [
        migrations.RemoveField(model_name="paymentrequest", name="items"),
        migrations.CreateModel(
            name="PaymentRequestLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="申请金额")),
                (
                    "openitem",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="request_lines",
                        to="finance.openitem",
                    ),
                ),
                (
                    "paymentrequest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="finance.paymentrequest",
                    ),
                ),
            ],
            options={
                "verbose_name": "付款通知书明细",
                "verbose_name_plural": "付款通知书明细",
                "ordering": ["id"],
            },
        ),
        migrations.AddConstraint(
            model_name="paymentrequestline",
            constraint=models.UniqueConstraint(
                fields=("paymentrequest", "openitem"), name="finance_request_item_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequestline",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="finance_request_line_positive"
            ),
        ),
        migrations.AddField(
            model_name="paymentrequest",
            name="items",
            field=models.ManyToManyField(
                blank=True,
                related_name="requests",
                through="finance.PaymentRequestLine",
                to="finance.openitem",
                verbose_name="应付明细",
            ),
        ),
    ]
