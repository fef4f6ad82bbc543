"""Statuses and kinds of the parts department."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PIECE = "PCS", _("件")
    SET = "SET", _("套")
    PAIR = "PAIR", _("对")
    BOTTLE = "BTL", _("瓶")
    LITRE = "L", _("升")
    KG = "KG", _("千克")
    METRE = "M", _("米")


# How many decimals a quantity may have in each unit (oil by the litre, hose by the metre).
UNIT_DECIMALS = {
    Unit.PIECE: 0,
    Unit.SET: 0,
    Unit.PAIR: 0,
    Unit.BOTTLE: 0,
    Unit.LITRE: 2,
    Unit.KG: 3,
    Unit.METRE: 2,
}


class BrandKind(models.TextChoices):
    OEM = "oem", _("原厂件")
    OTHER = "other", _("品牌件")


class PartCategory(models.TextChoices):
    MAINTENANCE = "maint", _("保养件")
    WEAR = "wear", _("易损件")
    BODY = "body", _("钣金件")
    ELECTRICAL = "elec", _("电器件")
    ENGINE = "engine", _("发动机件")
    CHASSIS = "chassis", _("底盘件")
    FLUID = "fluid", _("油液")
    CONSUMABLE = "consum", _("辅料及紧固件")
    ACCESSORY = "acc", _("精品附件")


# 交旧领新 (seed 004 §2): a repair issue needs the old part handed in first, except for what leaves no
# old part behind: fluids, consumables and fasteners (clips, bolts, cleaners), and new accessories.
OLD_PART_EXEMPT_CATEGORIES = frozenset({PartCategory.FLUID, PartCategory.CONSUMABLE, PartCategory.ACCESSORY})


class ABCClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("采购入库")
    COUNTER_SALE = "counter_sale", _("零售出库")
    WHOLESALE = "wholesale", _("批发出库")
    TRANSFER_OUT = "transfer_out", _("调拨出库")
    TRANSFER_IN = "transfer_in", _("调拨入库")
    CUSTOMER_RETURN = "customer_return", _("客户退货")
    SUPPLIER_RETURN = "supplier_return", _("退供应商")
    STOCKTAKE_GAIN = "stocktake_gain", _("盘盈")
    STOCKTAKE_LOSS = "stocktake_loss", _("盘亏")
    WRITE_OFF = "write_off", _("报损")
    STAFF_CHARGE = "staff_charge", _("责任人赔偿出库")
    REVERSAL = "reversal", _("冲销")
    RO_ISSUE = "ro_issue", _("维修领料")
    RO_RETURN = "ro_return", _("维修退料")
    OPENING = "opening", _("期初建账")


# Kinds that count as consumption (usage) for ABC, reorder points, turnover and fill rate.
USAGE_KINDS = {MoveKind.COUNTER_SALE, MoveKind.WHOLESALE, MoveKind.RO_ISSUE}
INBOUND_KINDS = {
    MoveKind.RECEIPT,
    MoveKind.TRANSFER_IN,
    MoveKind.CUSTOMER_RETURN,
    MoveKind.STOCKTAKE_GAIN,
    MoveKind.RO_RETURN,
    MoveKind.OPENING,
}


class Channel(models.TextChoices):
    COUNTER = "counter", _("零售")
    WHOLESALE = "wholesale", _("批发")
    REPAIR = "repair", _("维修")


class SaleTerms(models.TextChoices):
    """结算方式 of a sale: paid at the desk before the parts leave, or on the buyer's account."""

    CASH = "cash", _("现结")
    ACCOUNT = "account", _("挂账")


class SaleStatus(models.TextChoices):
    """草稿 → 已开单 (the slip: its amount is owed in finance, the parts reserved) → 已出库 once paid at the
    cashier's desk (or at once on account); an unpaid slip is cancelled (已作废)."""

    DRAFT = "draft", _("草稿")
    BILLED = "billed", _("已开单")
    POSTED = "posted", _("已出库")
    CANCELLED = "cancelled", _("已作废")
    REVERSED = "reversed", _("已冲销")


class DeliveryStatus(models.TextChoices):
    NONE = "none", _("自提")
    PENDING = "pending", _("待配送")
    DELIVERED = "delivered", _("已签收")


class PlanKind(models.TextChoices):
    STOCK = "stock", _("期货计划")
    EMERGENCY = "emergency", _("紧急订货")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已审批")
    REJECTED = "rejected", _("已退回")
    ORDERED = "ordered", _("已下单")


class POStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待复核")
    ORDERED = "ordered", _("已下单")
    PARTIAL = "partial", _("部分到货")
    RECEIVED = "received", _("已到齐")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


class DiscrepancyKind(models.TextChoices):
    SHORT = "short", _("短少")
    DAMAGED = "damaged", _("破损")
    WRONG = "wrong", _("错发")
    OVER_PRICE = "over_price", _("价格不符")


class ClaimAgainst(models.TextChoices):
    SUPPLIER = "supplier", _("供应商")
    CARRIER = "carrier", _("承运商")


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("待索赔")
    CLAIMED = "claimed", _("已索赔")
    CLOSED = "closed", _("已结案")


class DemandStatus(models.TextChoices):
    OPEN = "open", _("待订货")
    PLANNED = "planned", _("已计划")
    ORDERED = "ordered", _("已订货")
    FILLED = "filled", _("已满足")
    CANCELLED = "cancelled", _("已取消")


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SHIPPED = "shipped", _("在途")
    RECEIVED = "received", _("已收货")


class ReturnKind(models.TextChoices):
    CUSTOMER = "customer", _("客户退货")
    SUPPLIER = "supplier", _("退供应商")


class ReturnCondition(models.TextChoices):
    GOOD = "good", _("完好可售")
    DEFECTIVE = "defective", _("质量问题")


class ReturnStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已处理")


class StocktakeScope(models.TextChoices):
    ALL = "all", _("全部")
    BINS = "bins", _("按库位")
    CLASS = "class", _("按ABC分类")


class StocktakeKind(models.TextChoices):
    """Seed 004 §2: the storekeeper re-checks moved parts at any time, every unit counts monthly, and
    every quarter a full count is made with finance taking part (每季度进行一次有财务参与的全面清点)."""

    SPOT = "spot", _("日常复查")
    MONTHLY = "monthly", _("月度盘点")
    QUARTERLY = "quarterly", _("季度全面清点")


class StocktakeStatus(models.TextChoices):
    COUNTING = "counting", _("盘点中")
    SUBMITTED = "submitted", _("待审批")
    POSTED = "posted", _("已调整")
    CANCELLED = "cancelled", _("已取消")


class VarianceReason(models.TextChoices):
    NONE = "", _("—")
    MISCOUNT = "miscount", _("前次盘点错误")
    UNRECORDED_ISSUE = "unrecorded", _("漏记出入库")
    DAMAGE = "damage", _("损坏")
    THEFT = "theft", _("丢失")
    WRONG_BIN = "wrong_bin", _("串位")
    OTHER = "other", _("其他")


class WriteOffReason(models.TextChoices):
    DAMAGED = "damaged", _("损坏")
    DEFECTIVE = "defective", _("质量缺陷")
    OBSOLETE = "obsolete", _("过时淘汰")


class WriteOffStatus(models.TextChoices):
    DRAFT = "draft", _("待审批")
    POSTED = "posted", _("已报损")
    # 由于人为因素所造成的质量配件不予报损批示: the loss is charged to the person, not written off
    CHARGED = "charged", _("不予报损，责任人赔偿")
    CANCELLED = "cancelled", _("已取消")


class Responsible(models.TextChoices):
    COMPANY = "company", _("公司承担")
    EMPLOYEE = "employee", _("责任人赔偿")
    GENERAL_MANAGER = "gm", _("总经理承担")
    SERVICE_MANAGER = "svc_mgr", _("服务经理承担")
    PARTS_MANAGER = "parts_mgr", _("配件经理承担")
    SUPPLIER = "supplier", _("供应商承担")
    CARRIER = "carrier", _("承运商承担")
    INSURER = "insurer", _("保险公司")
