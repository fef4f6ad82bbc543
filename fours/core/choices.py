from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    SALES = "sales", _("销售")
    SERVICE = "service", _("售后")
    PARTS = "parts", _("配件")
    CRM = "crm", _("客服")
    MANAGEMENT = "management", _("管理")


class DocKind(models.TextChoices):
    """Document types that take numbers. Gapless ones are invoices (see GAPLESS)."""

    INVOICE = "INV", _("发票")
    REPAIR_ORDER = "RO", _("维修工单")
    APPOINTMENT = "AP", _("预约单")
    SETTLEMENT = "ST", _("结算单")
    PURCHASE_PLAN = "PP", _("采购计划")
    PURCHASE_ORDER = "PO", _("采购订单")
    RECEIPT = "GR", _("入库单")
    DISCREPANCY = "DN", _("差损单")
    COUNTER_SALE = "CS", _("零售单")
    WHOLESALE = "WS", _("批发单")
    TRANSFER = "TR", _("调拨单")
    RETURN = "RT", _("退货单")
    STOCKTAKE = "PD", _("盘点单")
    WRITE_OFF = "BS", _("报损单")
    ISSUE = "LL", _("领料单")
    PAYMENT = "SK", _("收款单")
    ADJUSTMENT = "AJ", _("调整单")
    GATE_PASS = "GP", _("出门证")
    PAYMENT_OUT = "FK", _("付款单")
    REFUND = "TK", _("退款单")
    HANDOVER = "JK", _("交款单")
    PAYMENT_REQUEST = "FT", _("付款通知书")
    INVOICE_SPECIAL = "IVS", _("增值税专用发票")
    INVOICE_ORDINARY = "IVO", _("增值税普通发票")
    INVOICE_VEHICLE = "IVM", _("机动车销售统一发票")
    LEAD = "QK", _("潜客")
    TEST_DRIVE = "SJ", _("试乘试驾单")
    VEHICLE_ORDER = "XD", _("车辆订购单")
    VEHICLE_STOCK = "ZC", _("整车库存编号")
    ORDER_PLAN = "YH", _("要货计划")
    VEHICLE_TRANSFER = "DC", _("调车单")
    VEHICLE_COUNT = "CP", _("整车盘点单")
    LOAN = "AJD", _("按揭申请")
    WARRANTY_CLAIM = "SP", _("索赔申请单")
    OLD_PART_SHIPMENT = "FC", _("旧件返厂单")
    ACCIDENT_JOB = "SG", _("事故车定损单")
    COMPLAINT = "TS", _("投诉登记单")
    CAMPAIGN = "HD", _("市场活动")


GAPLESS = {DocKind.INVOICE, DocKind.INVOICE_SPECIAL, DocKind.INVOICE_ORDINARY, DocKind.INVOICE_VEHICLE}
