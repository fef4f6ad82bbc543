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
    # service 售后: what the settlement, delivery and workshop postings add
    RO_SETTLED = "ro_settled", _("结算台次")
    RO_DELIVERED = "ro_delivered", _("交车台次")
    RO_PROMISED = "ro_promised", _("约定交车台次")
    RO_ON_TIME = "ro_on_time", _("按时交车台次")
    RO_REWORKED = "ro_reworked", _("返修台次")
    RO_FROM_APPOINTMENT = "ro_from_appt", _("预约进厂台次")
    LABOUR_REVENUE = "labour_revenue", _("工时收入")
    SERVICE_PARTS = "service_parts", _("维修配件收入")
    SERVICE_DISCOUNT = "service_discount", _("售后优惠金额")
    HOURS_SOLD = "hours_sold", _("售出工时")
    HOURS_ACTUAL = "hours_actual", _("实际工时")
    JOBS = "jobs", _("作业项数")
    REWORKS = "reworks", _("返工次数")
    # parts 配件: what the stock door and the parts sales add
    COGS = "cogs", _("出库成本")
    STOCK_IN_VALUE = "stock_in_value", _("入库金额")
    STOCK_OUT_VALUE = "stock_out_value", _("出库金额")
    STOCK_VALUE_CHANGE = "stock_value_delta", _("库存金额变动")
    STOCK_MOVES = "stock_moves", _("库存变动笔数")
    PARTS_COST = "parts_cost", _("配件销售成本")
    PARTS_SALES = "parts_sales", _("配件销售单数")
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
            cls.LABOUR_REVENUE,
            cls.SERVICE_PARTS,
            cls.SERVICE_DISCOUNT,
            cls.COGS,
            cls.STOCK_IN_VALUE,
            cls.STOCK_OUT_VALUE,
            cls.STOCK_VALUE_CHANGE,
            cls.PARTS_COST,
        }
