from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """What a target or a summary row counts. Units are counts unless the name says 金额 (money, ¥)."""

    # sales 销售
    TRAFFIC = "traffic", _("到店客流")
    CALLS = "calls", _("来电")
    LEADS = "leads", _("新增潜客")
    FOLLOW_UPS = "follow_ups", _("潜客跟进")
    TEST_DRIVES = "test_drives", _("试乘试驾")
    ORDERS = "orders", _("订单")
    DELIVERIES = "deliveries", _("交车台数")
    DEFEATS = "defeats", _("战败")
    CANCELLATIONS = "cancellations", _("退订")
    VEHICLE_REVENUE = "vehicle_revenue", _("整车销售额")
    GROSS_PROFIT = "gross_profit", _("销售毛利")
    ACCESSORY_REVENUE = "accessory_revenue", _("精品销售额")
    LOANS = "loans", _("按揭台数")
    POLICIES = "policies", _("新车保险台数")
    FI_COMMISSION = "fi_commission", _("金融保险佣金")
    ARRIVALS = "arrivals", _("整车到库")
    # service 售后 / parts 配件 / crm 客服: the same rows, filled by their modules
    RO_COUNT = "ro_count", _("维修台次")
    SERVICE_OUTPUT = "service_output", _("售后产值")
    PARTS_REVENUE = "parts_revenue", _("配件销售额")
    SATISFACTION = "satisfaction", _("满意度")
    REACH_RATE = "reach_rate", _("回访接通率（%）")
    COMPLAINT_RATE = "complaint_rate", _("每百台投诉数")

    @classmethod
    def money(cls) -> set[str]:
        return {
            cls.VEHICLE_REVENUE,
            cls.GROSS_PROFIT,
            cls.ACCESSORY_REVENUE,
            cls.FI_COMMISSION,
            cls.SERVICE_OUTPUT,
            cls.PARTS_REVENUE,
        }
