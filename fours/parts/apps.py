from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "fours.parts"
    label = "parts"
    verbose_name = _("配件")

    def ready(self):
        from fours.core.audit import register_verbs

        register_verbs(
            {
                "finance_confirmed": _("财务确认盘点"),
                "charged": _("责任人赔偿出库"),
            }
        )
