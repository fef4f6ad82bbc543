from django.db import models
from django.utils.translation import gettext_lazy as _


class CallResult(models.TextChoices):
    REACHED = "reached", _("已接通")
    NOT_REACHED = "not_reached", _("未接通")
    CALL_BACK = "call_back", _("约定再拨")
    WRONG_NUMBER = "wrong_number", _("号码错误")


class Satisfaction(models.TextChoices):
    GOOD = "good", _("满意")
    FAIR = "fair", _("一般")
    BAD = "bad", _("不满意")


class ComplaintChannel(models.TextChoices):
    CALL = "call", _("回访发现")
    PHONE = "phone", _("来电")
    VISIT = "visit", _("到店")
    OEM = "oem", _("厂家转来")
    ONLINE = "online", _("网络/微信")
    LETTER = "letter", _("信函")


class Severity(models.TextChoices):
    NORMAL = "normal", _("一般")
    MAJOR = "major", _("重大")


class ComplaintStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    INVESTIGATING = "investigating", _("调查中")
    PROPOSED = "proposed", _("方案待批示")
    APPROVED = "approved", _("方案已批示")
    DONE = "done", _("已处理待确认")
    CONFIRMED = "confirmed", _("客户已确认")
    CLOSED = "closed", _("已结案")
    INVALID = "invalid", _("无效投诉")


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("维修质量")
    ATTITUDE = "attitude", _("服务态度")
    PRICE = "price", _("收费价格")
    TIME = "time", _("维修时间")
    PARTS = "parts", _("配件供应")
    PRODUCT = "product", _("产品质量")
    SALES = "sales", _("销售服务")
    OTHER = "other", _("其他")


class ConfirmMethod(models.TextChoices):
    SIGNATURE = "signature", _("客户签字")
    CALL = "call", _("电话确认（录音）")
    PHONE_LINK = "phone_link", _("手机链接确认")


class SurveyKind(models.TextChoices):
    CSI = "csi", _("售后满意度（CSI）")
    SSI = "ssi", _("销售满意度（SSI）")


class SurveySource(models.TextChoices):
    CALL = "call", _("电话回访")
    PHONE_LINK = "phone_link", _("手机问卷")
    IMPORT = "import", _("厂家调查导入")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class MessageStatus(models.TextChoices):
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    BLOCKED = "blocked", _("未发送（无授权/免打扰）")
    QUEUED = "queued", _("待发送（免打扰时段）")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已结束")


class GiftStatus(models.TextChoices):
    PENDING = "pending", _("待总经理审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    GIVEN = "given", _("已赠送")


class Rsvp(models.TextChoices):
    PENDING = "pending", _("未回复")
    YES = "yes", _("参加")
    NO = "no", _("不参加")
    MAYBE = "maybe", _("待定")


class RsvpVia(models.TextChoices):
    STAFF = "staff", _("客服登记")
    PHONE_LINK = "phone_link", _("手机链接")
