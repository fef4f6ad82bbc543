from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    WALK_IN = "walk_in", _("到店")
    CALL = "call", _("来电")


class LeadSource(models.TextChoices):
    WALK_IN = "walk_in", _("展厅到店")
    PHONE = "phone", _("来电")
    ONLINE = "online", _("网络")
    OEM = "oem", _("厂家下发")
    REFERRAL = "referral", _("转介绍")
    CAMPAIGN = "campaign", _("活动")
    FLEET = "fleet", _("大客户")
    BASE = "base", _("基盘客户")
    OTHER = "other", _("其他")


class Grade(models.TextChoices):
    """意向级别: H within 7 days, A within 15, B within 30, C later (the store's rules set the intervals)."""

    H = "H", _("H级（7天内购车）")
    A = "A", _("A级（15天内）")
    B = "B", _("B级（30天内）")
    C = "C", _("C级（30天以上）")


DEFAULT_FOLLOW_UP_DAYS = {Grade.H: 1, Grade.A: 3, Grade.B: 7, Grade.C: 15}


class PayPlan(models.TextChoices):
    CASH = "cash", _("全款")
    LOAN = "loan", _("按揭")


class LeadStatus(models.TextChoices):
    OPEN = "open", _("跟进中")
    ORDERED = "ordered", _("已成交")
    DEFEAT_PENDING = "defeat_pending", _("战败待审")
    DEFEATED = "defeated", _("已战败")


class FollowUpChannel(models.TextChoices):
    CALL = "call", _("电话")
    VISIT = "visit", _("到店")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信")


class DefeatReason(models.TextChoices):
    PRICE = "price", _("价格原因")
    COMPETITOR = "competitor", _("购买竞品")
    BUDGET = "budget", _("预算不足")
    NO_STOCK = "no_stock", _("无现车/等车时间长")
    DELAYED = "delayed", _("暂缓购买")
    SERVICE = "service", _("对服务不满意")
    UNREACHABLE = "unreachable", _("联系不上")
    OTHER = "other", _("其他")


class DriveStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    DRIVING = "driving", _("试驾中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class VehicleStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("在途")
    IN_STOCK = "in_stock", _("在库")
    PDI = "pdi", _("待PDI")
    RESERVED = "reserved", _("已配车")
    SOLD = "sold", _("已售待交")
    DELIVERED = "delivered", _("已交车")
    AT_OUTLET = "at_outlet", _("二网在库")
    DEMO = "demo", _("试驾车")
    TRANSFERRED = "transferred", _("已调出")
    RETURNED = "returned", _("已退厂")


class Funding(models.TextChoices):
    OWN = "own", _("自有资金")
    FLOOR_PLAN = "floor_plan", _("库存融资")


class CustodyItem(models.TextChoices):
    CERTIFICATE = "certificate", _("合格证")
    KEYS = "keys", _("车钥匙")


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("入库保管")
    ISSUED = "issued", _("领用")
    RETURNED = "returned", _("归还")
    HANDED_OVER = "handed_over", _("交客户")
    TO_BANK = "to_bank", _("交银行")


class InspectionKind(models.TextChoices):
    ARRIVAL = "arrival", _("到车验收")
    PDI = "pdi", _("PDI检查")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已上报")
    CONFIRMED = "confirmed", _("厂家已确认")


class TransferStatus(models.TextChoices):
    SENT = "sent", _("已调出")
    RECEIVED = "received", _("已接收")


class CountKind(models.TextChoices):
    DAILY = "daily", _("每日盘点")
    MONTHLY = "monthly", _("月度对账")


class OrderStatus(models.TextChoices):
    QUOTE = "quote", _("报价")
    AWAITING_APPROVAL = "awaiting_approval", _("待审批")
    AUTHORISED = "authorised", _("已审批待下定")
    ORDERED = "ordered", _("已下定")
    ALLOCATED = "allocated", _("已配车")
    READY = "ready", _("待交车")
    DELIVERED = "delivered", _("已交车")
    CANCEL_PENDING = "cancel_pending", _("退订待审")
    CANCELLED = "cancelled", _("已退订")


class LoanStatus(models.TextChoices):
    COLLECTING = "collecting", _("收集资料")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审批")
    REJECTED = "rejected", _("已拒绝")
    DISBURSED = "disbursed", _("已放款")
    CANCELLED = "cancelled", _("已取消")


class LoanDoc(models.TextChoices):
    """五大件: the five papers a loan file needs, and the others banks ask for."""

    ID_CARD = "id_card", _("身份证")
    HOUSEHOLD = "household", _("户口本")
    MARRIAGE = "marriage", _("婚姻证明")
    INCOME = "income", _("收入证明")
    BANK_STATEMENT = "bank_statement", _("银行流水")
    PROPERTY = "property", _("房产证明")
    LICENCE = "licence", _("驾驶证")
    OTHER = "other", _("其他")

    @classmethod
    def five(cls) -> list[str]:
        return [cls.ID_CARD, cls.HOUSEHOLD, cls.MARRIAGE, cls.INCOME, cls.BANK_STATEMENT]


class ProductKind(models.TextChoices):
    LOAN = "loan", _("汽车贷款")
    INSURANCE = "insurance", _("车险")


class PolicyStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    CANCELLED = "cancelled", _("已退保")


class CoverKind(models.TextChoices):
    COMPULSORY = "compulsory", _("交强险")
    DAMAGE = "damage", _("车损险")
    THIRD_PARTY = "third_party", _("第三者责任险")
    SEAT = "seat", _("座位险")
    OTHER = "other", _("其他附加险")
