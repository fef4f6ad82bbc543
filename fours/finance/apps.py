from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "fours.finance"
    label = "finance"
    verbose_name = _("财务")

    def ready(self):
        from fours.core.audit import register_verbs

        register_verbs(
            {
                "received": _("收款"),
                "paid_out": _("付款"),
                "refunded": _("退款"),
                "allocated": _("核销"),
                "reversed": _("冲销"),
                "credited": _("红冲应收"),
                "handed_over": _("交款"),
                "day_confirmed": _("财务确认日结"),
                "period_closed": _("月结"),
                "invoice_issued": _("开票"),
                "invoice_voided": _("作废发票"),
                "invoice_red": _("红冲"),
                "tax_recorded": _("登记税控号码"),
                "invoice_recorded": _("登记供应商发票"),
                "exported": _("导出凭证"),
            }
        )
