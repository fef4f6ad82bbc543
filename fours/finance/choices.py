from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    WALK_IN = "walkin", _("散客")
    CUSTOMER = "customer", _("客户")
    TRADE = "trade", _("批发客户")
    SUPPLIER = "supplier", _("供应商")
    INSURER = "insurer", _("保险公司")
    MANUFACTURER = "maker", _("厂家")
    BANK = "bank", _("银行")
    FINANCE_CO = "finco", _("金融公司")
    GUARANTOR = "guarantor", _("担保公司")
    INTERNAL = "internal", _("内部部门")


class Direction(models.TextChoices):
    RECEIVABLE = "ar", _("应收")
    PAYABLE = "ap", _("应付")


class ItemSource(models.TextChoices):
    """What document an open item comes from (its department and its revenue account follow)."""

    RO_CUSTOMER = "ro_customer", _("维修结算·客户")
    RO_WARRANTY = "ro_warranty", _("维修结算·厂家索赔")
    RO_INSURANCE = "ro_insurance", _("维修结算·保险")
    RO_INTERNAL = "ro_internal", _("维修结算·内部")
    COUNTER_SALE = "counter_sale", _("配件零售")
    WHOLESALE = "wholesale", _("配件批发")
    PURCHASE = "purchase", _("采购入库")
    STAFF_CHARGE = "staff_charge", _("员工赔偿")
    VEHICLE_SALE = "vehicle_sale", _("整车销售")
    VEHICLE_PURCHASE = "vehicle_buy", _("整车采购")
    FLOOR_PLAN = "floor_plan", _("库存融资")
    VEHICLE_LOAN = "vehicle_loan", _("按揭放款")
    COMMISSION = "commission", _("金融保险佣金")
    FORFEIT = "forfeit", _("违约金收入")
    OTHER = "other", _("其他")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("未结")
    PARTIAL = "partial", _("部分核销")
    SETTLED = "settled", _("已结清")
    REVERSED = "reversed", _("已冲销")


class Method(models.TextChoices):
    CASH = "cash", _("现金")
    CARD = "card", _("刷卡（POS）")
    TRANSFER = "transfer", _("银行转账")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")
    TRADE_IN = "trade_in", _("置换抵款")


# settled in goods, not money (a used car taken at its agreed value in part payment of a new one): posted by
# the module that agreed it, never at the cashier desk; no till, bank journal or hand-over counts it
IN_KIND = frozenset({Method.TRADE_IN})
MONEY_METHODS = [m for m in Method if m not in IN_KIND]
MONEY_METHOD_CHOICES = [(m.value, m.label) for m in MONEY_METHODS]


class PaymentKind(models.TextChoices):
    RECEIPT = "receipt", _("收款")
    REFUND = "refund", _("退款")
    REVERSAL = "reversal", _("冲销")


class InvoiceKind(models.TextChoices):
    VAT_SPECIAL = "vat_special", _("增值税专用发票")
    VAT_ORDINARY = "vat_ordinary", _("增值税普通发票")
    VEHICLE = "vehicle", _("机动车销售统一发票")


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("已开具")
    RED = "red", _("红字发票")
    VOID = "void", _("已作废")


class HandoverStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待财务确认")
    CONFIRMED = "confirmed", _("已确认")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    PAID = "paid", _("已付款")


class VoucherFormat(models.TextChoices):
    KINGDEE = "kingdee", _("金蝶")
    YONYOU = "yonyou", _("用友")


class AccountKey(models.TextChoices):
    """The accounts a voucher line can land on; each store maps them to its own chart (科目)."""

    CASH = "cash", _("库存现金")
    BANK = "bank", _("银行存款")
    RECEIVABLE = "receivable", _("应收账款")
    ADVANCE_RECEIVED = "advance_received", _("预收账款")
    PAYABLE = "payable", _("应付账款")
    ADVANCE_PAID = "advance_paid", _("预付账款")
    REVENUE_SERVICE = "revenue_service", _("主营业务收入-维修")
    REVENUE_PARTS = "revenue_parts", _("主营业务收入-配件")
    REVENUE_VEHICLE = "revenue_vehicle", _("主营业务收入-整车")
    OUTPUT_VAT = "output_vat", _("应交税费-销项税额")
    INPUT_VAT = "input_vat", _("应交税费-进项税额")
    INVENTORY = "inventory", _("库存商品")
    COST_SERVICE = "cost_service", _("主营业务成本-维修")
    COST_PARTS = "cost_parts", _("主营业务成本-配件")
    COST_VEHICLE = "cost_vehicle", _("主营业务成本-整车")
    OTHER_RECEIVABLE = "other_receivable", _("其他应收款")
    INTERNAL = "internal", _("内部往来")
    OTHER_INCOME = "other_income", _("其他业务收入-佣金")
    SHORT_LOAN = "short_loan", _("短期借款-库存融资")
    USED_CARS = "used_cars", _("库存商品-二手车")
    NONOP_INCOME = "nonop_income", _("营业外收入")


# 企业会计准则 account codes: a store's default mapping until finance changes it
DEFAULT_ACCOUNTS = {
    AccountKey.CASH: "1001",
    AccountKey.BANK: "1002",
    AccountKey.RECEIVABLE: "1122",
    AccountKey.ADVANCE_RECEIVED: "2203",
    AccountKey.PAYABLE: "2202",
    AccountKey.ADVANCE_PAID: "1123",
    AccountKey.REVENUE_SERVICE: "600101",
    AccountKey.REVENUE_PARTS: "600102",
    AccountKey.REVENUE_VEHICLE: "600103",
    AccountKey.OUTPUT_VAT: "22210102",
    AccountKey.INPUT_VAT: "22210101",
    AccountKey.INVENTORY: "1405",
    AccountKey.COST_SERVICE: "640101",
    AccountKey.COST_PARTS: "640102",
    AccountKey.COST_VEHICLE: "640103",
    AccountKey.OTHER_RECEIVABLE: "1221",
    AccountKey.INTERNAL: "6602",
    AccountKey.OTHER_INCOME: "6051",
    AccountKey.SHORT_LOAN: "2001",
    AccountKey.USED_CARS: "140502",
    AccountKey.NONOP_INCOME: "6301",
}
