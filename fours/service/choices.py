"""Statuses and kinds of the service workshop (售后)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Payer(models.TextChoices):
    CUSTOMER = "customer", _("自费")
    WARRANTY = "warranty", _("索赔")
    INSURANCE = "insurance", _("保险")
    INTERNAL = "internal", _("内部")


class ROStatus(models.TextChoices):
    BOOKED = "booked", _("预约")
    RECEIVED = "received", _("接车")
    AWAITING_APPROVAL = "awaiting_approval", _("待确认")
    IN_PROGRESS = "in_progress", _("在修")
    AWAITING_QC = "awaiting_qc", _("待质检")
    REWORK = "rework", _("返工")
    AWAITING_SETTLEMENT = "awaiting_settlement", _("待结算")
    SETTLED = "settled", _("已结算")
    DELIVERED = "delivered", _("已交车")
    CANCELLED = "cancelled", _("取消")


# Orders whose vehicle is on site (the workshop board, overnight list).
IN_WORKSHOP = [
    ROStatus.RECEIVED,
    ROStatus.AWAITING_APPROVAL,
    ROStatus.IN_PROGRESS,
    ROStatus.AWAITING_QC,
    ROStatus.REWORK,
    ROStatus.AWAITING_SETTLEMENT,
    ROStatus.SETTLED,
]
# Orders that may still change: lines added, parts issued, work clocked.
OPEN_FOR_WORK = {
    ROStatus.RECEIVED,
    ROStatus.AWAITING_APPROVAL,
    ROStatus.IN_PROGRESS,
    ROStatus.AWAITING_QC,
    ROStatus.REWORK,
}
EDITABLE = {ROStatus.BOOKED, *OPEN_FOR_WORK}
# A discount is often agreed at the cashier (结算时), so it may change until the order is settled.
DISCOUNTABLE = {*EDITABLE, ROStatus.AWAITING_SETTLEMENT}
WORKING = {ROStatus.IN_PROGRESS, ROStatus.REWORK}
# How the order page shows a status (Bootstrap tones of the badge; the row style of a line).
STATUS_TONE = {ROStatus.CANCELLED: "secondary", ROStatus.DELIVERED: "success", ROStatus.REWORK: "danger"}
BOARD_TONE = {ROStatus.REWORK: "danger", ROStatus.AWAITING_QC: "info", ROStatus.IN_PROGRESS: "primary"}
LINE_ROW_CLASS = {"cancelled": "text-decoration-line-through text-muted", "waiting": "table-warning"}


class ROKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("保养")
    REPAIR = "repair", _("一般维修")
    ACCIDENT = "accident", _("事故车")
    WARRANTY = "warranty", _("索赔维修")
    INTERNAL = "internal", _("内部车辆")


class Approval(models.TextChoices):
    APPROVED = "approved", _("已确认")
    PENDING = "pending", _("待客户确认")
    DECLINED = "declined", _("客户拒绝")


class LabourStatus(models.TextChoices):
    PENDING = "pending", _("待派工")
    ASSIGNED = "assigned", _("已派工")
    IN_PROGRESS = "in_progress", _("施工中")
    PAUSED = "paused", _("暂停")
    DONE = "done", _("已完工")
    CANCELLED = "cancelled", _("已取消")


class PartStatus(models.TextChoices):
    PLANNED = "planned", _("待领料")
    REQUESTED = "requested", _("已申请")
    WAITING = "waiting", _("缺件")
    ISSUED = "issued", _("已发料")
    CANCELLED = "cancelled", _("已取消")


class OldPartStatus(models.TextChoices):
    NONE = "", _("—")
    HANDED_IN = "handed_in", _("已交旧")
    WARRANTY = "warranty", _("索赔旧件待返厂")
    TO_CUSTOMER = "to_customer", _("已交还客户")
    SCRAPPED = "scrapped", _("已报废")


class ApptStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    ARRIVED = "arrived", _("已到店")
    NO_SHOW = "no_show", _("爽约")
    CANCELLED = "cancelled", _("已取消")


class ApptChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    WALK_IN = "walk_in", _("到店")
    APP = "app", _("厂家APP")


class FuelLevel(models.TextChoices):
    EMPTY = "0", _("空")
    QUARTER = "25", "1/4"
    HALF = "50", "1/2"
    THREE_QUARTERS = "75", "3/4"
    FULL = "100", _("满")


WARNING_LIGHTS = [
    ("engine", _("发动机故障灯")),
    ("abs", _("ABS")),
    ("airbag", _("安全气囊")),
    ("oil", _("机油压力")),
    ("battery", _("蓄电池")),
    ("brake", _("制动系统")),
    ("tpms", _("胎压")),
    ("maintenance", _("保养提示")),
]

BELONGINGS = [
    ("spare_tyre", _("备胎")),
    ("jack", _("千斤顶")),
    ("triangle", _("三角警示牌")),
    ("extinguisher", _("灭火器")),
    ("booklet", _("保养手册")),
    ("charger", _("充电线")),
    ("umbrella", _("雨伞")),
    ("valuables", _("贵重物品")),
]

DAMAGE_KINDS = [
    ("scratch", _("划痕")),
    ("dent", _("凹陷")),
    ("crack", _("裂纹")),
    ("chip", _("掉漆")),
]

QC_CHECKLIST = [
    ("items_done", _("委托项目全部完成")),
    ("no_leak", _("无漏油漏水")),
    ("fasteners", _("螺栓紧固到位")),
    ("test_drive", _("路试正常")),
    ("lights", _("灯光与仪表正常")),
    ("clean", _("车辆清洁、三件套已取下")),
    ("reset", _("保养灯已归零")),
]


class QCResult(models.TextChoices):
    PASS = "pass", _("合格")
    REWORK = "rework", _("返工")


class SettlementKind(models.TextChoices):
    NORMAL = "normal", _("结算")
    REVERSAL = "reversal", _("反结算")


class ClockEnd(models.TextChoices):
    OPEN = "", _("进行中")
    OFF = "off", _("完工")
    PAUSE = "pause", _("暂停")


class PauseReason(models.TextChoices):
    PARTS = "parts", _("等待配件")
    APPROVAL = "approval", _("等待客户确认追加")
    BREAK = "break", _("用餐/休息")
    TOOL = "tool", _("等待设备/工位")
    OTHER = "other", _("其他")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    DONE = "done", _("已回访")
    FAILED = "failed", _("未接通")


class CallResult(models.TextChoices):
    REACHED = "reached", _("已接通")
    NOT_REACHED = "not_reached", _("未接通")
    CALL_BACK = "call_back", _("稍后再拨")


class Satisfaction(models.TextChoices):
    GOOD = "good", _("满意")
    FAIR = "fair", _("一般")
    BAD = "bad", _("不满意")


class ConfirmMethod(models.TextChoices):
    SIGNATURE = "signature", _("屏幕签名")
    PRINT = "print", _("纸质签字")
    PHONE = "phone", _("电话确认")


class LabourCategory(models.TextChoices):
    MAINTENANCE = "maint", _("保养")
    MECHANICAL = "mech", _("机修")
    ELECTRICAL = "elec", _("电器")
    BODY = "body", _("钣金")
    PAINT = "paint", _("喷漆")
    DIAGNOSIS = "diag", _("检测诊断")


class FaultKind(models.TextChoices):
    COMPLAINT = "complaint", _("客户描述")
    FAULT = "fault", _("故障代码")


# 收款方式 are finance's (the cashier desk takes every payment); the API schema names the enum from here
from fours.finance.choices import Method as PaymentMethod  # noqa: E402, F401


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已批准")
    PARTLY = "partly", _("部分批准")
    REJECTED = "rejected", _("已拒赔")
    PAID = "paid", _("已回款")
    CLOSED = "closed", _("已关闭")


class RejectReason(models.TextChoices):
    OUT_OF_WARRANTY = "out_of_warranty", _("超出保修期")
    MISUSE = "misuse", _("使用不当")
    DOCUMENTS = "documents", _("资料不全")
    OLD_PART = "old_part", _("旧件未返/不符")
    LATE = "late", _("超期申报")
    CODE = "code", _("故障代码错误")
    OTHER = "other", _("其他")


class TagStatus(models.TextChoices):
    KEPT = "kept", _("在库待返")
    SHIPPED = "shipped", _("已返厂")
    SCRAPPED = "scrapped", _("按指令报废")


class ShipmentStatus(models.TextChoices):
    PACKING = "packing", _("装箱中")
    SHIPPED = "shipped", _("已发运")
    RECEIVED = "received", _("厂家已签收")


class AccidentStatus(models.TextChoices):
    REPORTED = "reported", _("已报案")
    ASSESSED = "assessed", _("已定损")
    AGREED = "agreed", _("已签维修协议")
    SETTLED = "settled", _("已结算")
    COLLECTED = "collected", _("保险已回款")


class ContactKind(models.TextChoices):
    VISIT = "visit", _("拜访")
    CALL = "call", _("电话")
    MEETING = "meeting", _("会议")


class ToolStatus(models.TextChoices):
    IN = "in", _("在库")
    OUT = "out", _("借出")
    REPAIR = "repair", _("维修中")
    LOST = "lost", _("丢失")
    SCRAPPED = "scrapped", _("报废")


class CardKind(models.TextChoices):
    UPKEEP = "upkeep", _("日常保养")
    CALIBRATION = "calibration", _("标定/校准")
    REPAIR = "repair", _("维修")


class InspectionStage(models.TextChoices):
    PROCESS = "process", _("过程检验")
    BODY_BEFORE_PAINT = "body", _("钣金喷漆前检验")
    COMPLETION = "completion", _("竣工检验")


class ShortageStatus(models.TextChoices):
    OPEN = "open", _("待到货")
    ARRIVED = "arrived", _("已到货")
    CANCELLED = "cancelled", _("已取消")
