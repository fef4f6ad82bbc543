from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "fours.service"
    label = "service"
    verbose_name = _("售后")

    def ready(self):
        from fours.core.audit import register_verbs

        register_verbs(
            {
                "added_job": _("追加项目"),
                "estimate": _("估价"),
                "added_approved": _("客户确认追加"),
                "added_declined": _("客户拒绝追加"),
                "discount": _("折扣"),
                "discount_requested": _("申请折扣审批"),
                "delayed": _("延期"),
                "dispatched": _("派工"),
                "clock_on": _("开工"),
                "clock_off": _("完工"),
                "clock_pause": _("暂停"),
                "qc_pass": _("质检合格"),
                "qc_rework": _("质检返工"),
                "requisition": _("领料申请"),
                "old_part": _("旧件处理"),
                "no_show": _("爽约"),
                "reminded": _("已提醒"),
                "arrived": _("到店"),
                "follow_up": _("回访"),
                "photo": _("上传照片"),
            }
        )
