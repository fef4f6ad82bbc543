from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "fours.parts"
    label = "parts"
    verbose_name = _("配件")

    def ready(self):
        from fours.core.audit import register_field_words, register_verbs

        register_verbs(
            {
                "finance_confirmed": _("财务确认盘点"),
                "charged": _("责任人赔偿出库"),
                "billed": _("开单"),
                "issued": _("销售出库"),
            }
        )
        register_field_words({"credit_limit": _("信用额度"), "cost": _("成本")})
