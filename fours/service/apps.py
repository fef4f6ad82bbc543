from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "fours.service"
    label = "service"
    verbose_name = _("售后")

    def ready(self):
        from fours.core.audit import MONEY_KEYS, register_field_words, register_verbs

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
                "refunded": _("退款"),
            }
        )
        register_field_words(
            {
                "labour": _("工时项目"),
                "part": _("配件"),
                "payer": _("付费方"),
                "package": _("保养套餐"),
                "line": _("项目"),
                "actual_hours": _("实际工时"),
                "technician": _("技师"),
                "bay": _("工位"),
                "settlement": _("结算单"),
                "result": _("结果"),
                "method": _("方式"),
                "follow_up": _("回访"),
                "old_part": _("旧件"),
                # a settlement's split by payer (the customer's own share is "own": "customer" is the field)
                "own": _("自费"),
                "warranty": _("索赔"),
                "insurance": _("保险"),
                "internal": _("内部"),
            }
        )
        MONEY_KEYS.add("own")
