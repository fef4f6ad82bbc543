"""Customer care and marketing (客服 / 市场): the rules that make care tasks (``customers.CareTask``), the
calls on them with their scripts, complaints as a closed loop, satisfaction surveys, messages to customers,
the customer's phone links, care gifts and events, and campaigns with their members and results."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import (
    MONEY,
    DocumentLink,
    DocumentMixin,
    StoreRecord,
    StoreSetting,
    now,
    optional_fk,
    user_fk,
)
from fours.customers.models import CareKind

from .choices import (
    CallResult,
    CampaignStatus,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ConfirmMethod,
    GiftStatus,
    MessageChannel,
    MessageStatus,
    Rsvp,
    RsvpVia,
    Satisfaction,
    Severity,
    SurveyKind,
    SurveySource,
)


class CareRule(StoreSetting):
    """What the daily job queues for one kind of task in a store: the day offsets (交车后 1/3/7 天, 到期前
    30/15/7 天), the amount of a high-value repair, and how often a not-reached call is retried."""

    kind = models.CharField(_("任务类型"), max_length=20, choices=CareKind.choices)
    offsets = models.JSONField(_("天数"), default=list, help_text=_("如 [1, 3, 7]：事件后（或到期前）第几天"))
    min_amount = models.DecimalField(_("金额下限"), default=0, **MONEY)
    retry_limit = models.PositiveSmallIntegerField(_("未接通最多拨打次数"), default=3)
    retry_hours = models.PositiveSmallIntegerField(_("重拨间隔（小时）"), default=4)
    quiet_start = models.TimeField(_("免打扰开始"), default="21:00")
    quiet_end = models.TimeField(_("免打扰结束"), default="09:00")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("回访规则")
        constraints = [models.UniqueConstraint(fields=["store", "kind"], name="crm_carerule_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()


class CallScript(StoreSetting):
    """回访话术: the questions of one kind of call, each with its branches (满意 / 一般 / 不满意)."""

    kind = models.CharField(_("任务类型"), max_length=20, choices=CareKind.choices)
    brand = optional_fk("customers.Brand", _("品牌"))
    questions = models.JSONField(_("问题"), default=list, help_text=_('[{"q": "…", "key": "…"}]'))
    opening = models.TextField(_("开场白"), blank=True)
    branches = models.JSONField(
        _("分支话术"), default=dict, help_text=_('{"good": "…", "fair": "…", "bad": "…"}')
    )

    class Meta:
        verbose_name = verbose_name_plural = _("回访话术")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Call(StoreRecord):
    """回访记录 (《回访记录表》): one call on a care task, its result, the answers and the problem found."""

    task = models.ForeignKey(
        "customers.CareTask", on_delete=models.CASCADE, related_name="calls", verbose_name=_("任务")
    )
    at = models.DateTimeField(_("时间"), default=now)
    result = models.CharField(_("结果"), max_length=14, choices=CallResult.choices)
    call_back_at = models.DateTimeField(_("约定再拨时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=5, choices=Satisfaction.choices, blank=True)
    answers = models.JSONField(_("逐项答复"), default=dict, blank=True)
    note = models.CharField(_("记录"), max_length=500, blank=True)
    problem = models.CharField(_("发现问题"), max_length=300, blank=True)
    problem_department = models.CharField(_("责任部门"), max_length=12, blank=True)
    recording = models.CharField(_("录音编号"), max_length=60, blank=True)
    actor = user_fk(_("回访人"))

    class Meta:
        verbose_name = verbose_name_plural = _("回访记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "at"], name="crm_call_day")]


class Complaint(DocumentLink, DocumentMixin):
    """《顾客投诉登记表》: register → judged valid (or not) → investigated → solution proposed → approved by a
    manager (批示, compensation within the role's limit) → carried out → the customer confirms → follow-up
    call → closed and classified. Each step has a due time; a late one is escalated to the manager."""

    detail_view = "crm:complaint_detail"

    channel = models.CharField(_("渠道"), max_length=8, choices=ComplaintChannel.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("客户")
    )
    vehicle = optional_fk("customers.Vehicle", _("车辆"), related_name="complaints")
    call = optional_fk(Call, _("来源回访"), related_name="complaints")
    content = models.TextField(_("投诉内容"))
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=14, choices=ComplaintStatus.choices, default=ComplaintStatus.REGISTERED
    )
    category = models.CharField(_("投诉类别"), max_length=10, choices=ComplaintCategory.choices, blank=True)
    department = models.CharField(_("责任部门"), max_length=12, blank=True)
    person = user_fk(_("责任人"), related_name="+")
    cause = models.TextField(_("原因调查"), blank=True)
    solution = models.TextField(_("处理方案"), blank=True)
    compensation = models.DecimalField(_("补偿金额"), default=0, **MONEY)
    approved_by = user_fk(_("批示人"))
    approved_at = models.DateTimeField(_("批示时间"), null=True, blank=True)
    approval_note = models.CharField(_("批示意见"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("处理完成"), null=True, blank=True)
    confirm_method = models.CharField(
        _("客户确认方式"), max_length=12, choices=ConfirmMethod.choices, blank=True
    )
    confirmed_at = models.DateTimeField(_("客户确认时间"), null=True, blank=True)
    signature = models.TextField(_("客户签名"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("本步骤期限"), null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    handler = user_fk(_("受理人"), related_name="+")

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("客户投诉")
        indexes = [models.Index(fields=["store", "status"], name="crm_complaint_status")]
        permissions = [("approve_complaint", _("批示投诉处理方案"))]


class Survey(StoreSetting):
    """A questionnaire (the manufacturer's CSI/SSI question set) of a brand."""

    kind = models.CharField(_("类型"), max_length=4, choices=SurveyKind.choices)
    brand = optional_fk("customers.Brand", _("品牌"))
    name = models.CharField(_("名称"), max_length=100)
    questions = models.JSONField(_("题目"), default=list, help_text=_('[{"key": "q1", "q": "…", "max": 10}]'))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("满意度问卷")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class SurveyResponse(DocumentLink, StoreRecord):
    """One answered questionnaire, about a document (a repair order, a vehicle order) and the people it
    scores (advisor, consultant, technician)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("问卷")
    )
    customer = optional_fk("customers.Customer", _("客户"), related_name="+")
    source = models.CharField(_("来源"), max_length=12, choices=SurveySource.choices)
    answers = models.JSONField(_("得分"), default=dict)
    score = models.DecimalField(_("总分（百分制）"), max_digits=5, decimal_places=2)
    advisor = user_fk(_("服务顾问"), related_name="+")
    consultant = user_fk(_("销售顾问"), related_name="+")
    technician = user_fk(_("技师"), related_name="+")
    answered_on = models.DateField(_("调查日期"))
    created_at = models.DateTimeField(_("录入时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("满意度结果")
        ordering = ["-answered_on", "-id"]
        indexes = [models.Index(fields=["store", "answered_on"], name="crm_survey_day")]


class Message(DocumentLink, StoreRecord):
    """One message to a customer (car ready, appointment reminder, care, campaign), sent through the one
    pluggable sender, or blocked for missing consent or quiet hours; logged on the customer."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="messages", verbose_name=_("客户")
    )
    channel = models.CharField(
        _("渠道"), max_length=8, choices=MessageChannel.choices, default=MessageChannel.SMS
    )
    purpose = models.CharField(_("用途"), max_length=30)
    to = models.CharField(_("接收号码"), max_length=20)
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=8, choices=MessageStatus.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    provider_id = models.CharField(_("平台消息号"), max_length=60, blank=True)
    campaign = optional_fk("crm.Campaign", _("市场活动"), related_name="messages")
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=now)
    actor = user_fk(_("发送人"))

    class Meta:
        verbose_name = verbose_name_plural = _("客户消息")
        ordering = ["-created_at", "-id"]


class LinkUse(StoreRecord):
    """A single-purpose phone link (签名、过期) that was used: its token's digest, so it works once."""

    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    purpose = models.CharField(_("用途"), max_length=30)
    customer = optional_fk("customers.Customer", _("客户"), related_name="+")
    used_at = models.DateTimeField(_("使用时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("手机链接使用记录")


class Campaign(DocumentMixin):
    """市场活动: budget, channel, period, target models and a customer segment from the archive; its members
    (invited, responded, came); leads, visits, orders and repair orders attributed to it; cost per lead, per
    sale and return on the spend, with the manufacturer's advertising support."""

    detail_view = "crm:campaign_detail"

    name = models.CharField(_("活动名称"), max_length=100)
    channel = models.CharField(_("渠道"), max_length=30, blank=True)
    department = models.CharField(_("部门"), max_length=12, default="sales")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    budget = models.DecimalField(_("预算"), default=0, **MONEY)
    actual_cost = models.DecimalField(_("实际费用"), default=0, **MONEY)
    oem_support = models.DecimalField(_("厂家广告支持"), default=0, **MONEY)
    target_models = models.ManyToManyField(
        "customers.VehicleModel", blank=True, related_name="+", verbose_name=_("目标车型")
    )
    segment = models.JSONField(_("客户筛选条件"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    report = models.TextField(_("活动总结"), blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("市场活动")


class CampaignMember(StoreRecord):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="members", verbose_name=_("市场活动")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    invited_at = models.DateTimeField(_("邀约时间"), null=True, blank=True)
    responded = models.BooleanField(_("已回复"), default=False)
    attended = models.BooleanField(_("已到场"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("活动客户")
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="crm_member_unique")]


class CareGift(StoreRecord):
    """关怀礼品: a birthday or festival gift, approved by the GM within the store's quota, taken from stock."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    reason = models.CharField(_("事由"), max_length=100)
    part = optional_fk("parts.Part", _("礼品（库存）"))
    qty = models.PositiveSmallIntegerField(_("数量"), default=1)
    value = models.DecimalField(_("价值"), default=0, **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=GiftStatus.choices, default=GiftStatus.PENDING
    )
    requested_by = user_fk(_("申请人"))
    approved_by = user_fk(_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    given_at = models.DateTimeField(_("赠送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("关怀礼品")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_caregift", _("审批关怀礼品"))]


class Festival(StoreSetting):
    """节日关怀: a festival of one year (春节, 中秋 … their dates move with the lunar calendar, so each is
    entered with its day) on which care greets the store's customers (or a segment of them): the daily job
    queues one 节日关怀 task per customer the rule's days before it."""

    name = models.CharField(_("节日"), max_length=40)
    on = models.DateField(_("日期"))
    segment = models.JSONField(_("客户筛选条件"), default=dict, blank=True)
    greeting = models.CharField(_("祝福语"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("节日关怀")
        ordering = ["on", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name", "on"], name="crm_festival_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.on:%Y-%m-%d}"


class CustomerEvent(StoreRecord):
    """客户活动: a customer event of the store (新车品鉴会, 自驾游, 爱车讲堂 …) with its day, place and capacity;
    the customers invited (a segment or picked one by one), their answers (参加/不参加/待定) and who came."""

    name = models.CharField(_("活动名称"), max_length=100)
    starts_at = models.DateTimeField(_("活动时间"))
    place = models.CharField(_("地点"), max_length=100)
    capacity = models.PositiveIntegerField(_("名额"), default=0, help_text=_("0 表示不限"))
    segment = models.JSONField(_("客户筛选条件"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = user_fk(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("客户活动")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.name


class EventInvite(StoreRecord):
    """One customer invited to an event: the invitation message, the answer and how it came, the check-in."""

    event = models.ForeignKey(
        CustomerEvent, on_delete=models.CASCADE, related_name="invites", verbose_name=_("客户活动")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    message = optional_fk(Message, _("邀请短信"), related_name="+")
    invited_at = models.DateTimeField(_("邀请时间"), default=now)
    rsvp = models.CharField(_("回复"), max_length=8, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    rsvp_via = models.CharField(_("回复方式"), max_length=12, choices=RsvpVia.choices, blank=True)
    rsvp_by = user_fk(_("登记人"))
    guests = models.PositiveSmallIntegerField(_("同行人数"), default=0)
    attended_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = user_fk(_("签到登记人"))

    class Meta:
        verbose_name = verbose_name_plural = _("活动邀请")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="crm_invite_unique")]
        indexes = [models.Index(fields=["event", "rsvp"], name="crm_invite_rsvp")]

    @property
    def message_unsent(self) -> bool:
        """The invitation SMS was not (yet) sent: failed, blocked by consent, or held for quiet hours."""
        return bool(self.message_id) and self.message.status != MessageStatus.SENT
