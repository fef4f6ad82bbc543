"""The customer and vehicle archive (客户档案 / 车辆档案), shared by every store of a dealer group.

Rows are group-wide (``GroupScopedManager``); documents of sales, service and parts point at them.
Search keys are stored reversed (``*_rev``, generated columns the database keeps, so no save or
bulk insert computes them) so "last 4 of the phone", "last 6 of the VIN" and "last 5 of the plate"
are index prefix lookups, not table scans.
Writes go through ``fours.customers.services``.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Reverse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.fields import DocumentLink, GroupRecord, StoreRecord, now, optional_fk, user_fk
from fours.core.scoping import GroupScopedManager

MONEY = {"max_digits": 14, "decimal_places": 2}


def reversed_key(field: str, max_length: int) -> models.GeneratedField:
    """The field's text reversed, computed by the database on every insert and update (bulk ones
    too): a search for the last digits is a prefix lookup on it."""
    return models.GeneratedField(
        expression=Reverse(field),
        output_field=models.CharField(max_length=max_length, blank=True),
        db_persist=True,
    )


def pattern_index(field: str, name: str) -> models.Index:
    """A b-tree index usable by LIKE 'abc%' on PostgreSQL whatever the collation (ignored on SQLite)."""
    return models.Index(fields=[field], name=name, opclasses=["varchar_pattern_ops"])


# --- vehicle model catalogue (车型库) -------------------------------------------------------------


class Fuel(models.TextChoices):
    PETROL = "petrol", _("汽油")
    DIESEL = "diesel", _("柴油")
    HEV = "hev", _("油电混动")
    PHEV = "phev", _("插电混动")
    EREV = "erev", _("增程式")
    BEV = "bev", _("纯电动")

    @classmethod
    def nev(cls) -> set[str]:
        return {cls.PHEV, cls.EREV, cls.BEV}


class Brand(models.Model):
    name = models.CharField(_("品牌"), max_length=50, unique=True)
    code = models.CharField(_("品牌代码"), max_length=20, blank=True)
    # the brand's new-car warranty and first service (厂家政策): what a sale writes on the vehicle
    warranty_months = models.PositiveSmallIntegerField(_("整车质保（月）"), default=36)
    warranty_km = models.PositiveIntegerField(_("整车质保（公里）"), default=100000)
    first_service_months = models.PositiveSmallIntegerField(_("首保时间（月）"), default=6)
    first_service_km = models.PositiveIntegerField(_("首保里程（公里）"), default=5000)
    # the manufacturer's warranty claim terms: deadline after repair and the claim rates
    claim_days = models.PositiveSmallIntegerField(_("索赔申报期限（天）"), default=30)
    claim_labour_rate = models.DecimalField(_("索赔工时单价"), max_digits=10, decimal_places=2, default=120)
    claim_parts_markup_pct = models.DecimalField(
        _("索赔配件加价率（%）"), max_digits=5, decimal_places=2, default=0
    )
    claim_photos_required = models.BooleanField(_("索赔须附照片"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = _("品牌")

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="series", verbose_name=_("品牌"))
    name = models.CharField(_("车系"), max_length=50)

    class Meta:
        ordering = ["brand__name", "name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="series_unique_name")]
        verbose_name = verbose_name_plural = _("车系")

    def __str__(self) -> str:
        return f"{self.brand.name} {self.name}"


class VehicleModel(models.Model):
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, related_name="models", verbose_name=_("车系")
    )
    name = models.CharField(_("车型"), max_length=80)
    code = models.CharField(_("车型代码"), max_length=30, blank=True)

    class Meta:
        ordering = ["series__name", "name"]
        constraints = [models.UniqueConstraint(fields=["series", "name"], name="vehiclemodel_unique_name")]
        verbose_name = verbose_name_plural = _("车型")

    def __str__(self) -> str:
        return str(self.series) if self.name == self.series.name else f"{self.series} {self.name}"


class Configuration(models.Model):
    model = models.ForeignKey(
        VehicleModel, on_delete=models.PROTECT, related_name="configurations", verbose_name=_("车型")
    )
    name = models.CharField(_("配置"), max_length=80)
    code = models.CharField(_("配置代码"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("年款"), null=True, blank=True)
    engine = models.CharField(_("发动机"), max_length=50, blank=True)
    fuel = models.CharField(_("能源类型"), max_length=10, choices=Fuel.choices, default=Fuel.PETROL)
    transmission = models.CharField(_("变速箱"), max_length=30, blank=True)
    msrp = models.DecimalField(_("指导价"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["model__name", "-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["model", "year", "name"], name="configuration_unique_name")
        ]
        verbose_name = verbose_name_plural = _("配置")

    def __str__(self) -> str:
        year = f"{self.year}款 " if self.year else ""
        return f"{self.model} {year}{self.name}"

    @property
    def is_nev(self) -> bool:
        return self.fuel in Fuel.nev()


# --- customers -----------------------------------------------------------------------------------


class CustomerKind(models.TextChoices):
    PERSON = "person", _("个人")
    COMPANY = "company", _("单位")


class Gender(models.TextChoices):
    UNKNOWN = "", _("未知")
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("展厅到店")
    PHONE = "phone", _("来电")
    ONLINE = "online", _("网络")
    REFERRAL = "referral", _("转介绍")
    SERVICE = "service", _("售后进厂")
    EVENT = "event", _("车展活动")
    FLEET = "fleet", _("大客户")
    IMPORT = "import", _("导入")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    NONE = "none", _("不联系")


class Customer(GroupRecord):
    number = models.CharField(_("客户编号"), max_length=20, blank=True, db_index=True)
    kind = models.CharField(
        _("类型"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("姓名/单位名称"), max_length=100)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    mobile = models.CharField(_("手机号"), max_length=11, blank=True, help_text=_("主手机号"))
    mobile_rev = reversed_key("mobile", 11)
    id_number = models.CharField(
        _("证件号码"), max_length=18, blank=True, help_text=_("身份证号或统一社会信用代码")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True, help_text=_("单位客户的联系人"))
    source = models.CharField(_("客户来源"), max_length=10, choices=Source.choices, default=Source.WALK_IN)
    preferred_channel = models.CharField(
        _("首选联系方式"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    preferred_time = models.CharField(_("方便联系时间"), max_length=50, blank=True)
    consent_call = models.BooleanField(_("同意电话回访"), default=True)
    consent_call_at = models.DateTimeField(_("电话同意/撤回时间"), null=True, blank=True)
    consent_sms = models.BooleanField(_("同意短信"), default=True)
    consent_sms_at = models.DateTimeField(_("短信同意/撤回时间"), null=True, blank=True)
    consent_marketing = models.BooleanField(_("同意营销信息"), default=False)
    consent_marketing_at = models.DateTimeField(_("营销同意/撤回时间"), null=True, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("已合并到")
    )
    created_store = optional_fk("core.Store", _("建档门店"), on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("客户")
        indexes = [
            pattern_index("mobile_rev", "customer_mobile_rev"),
            pattern_index("name", "customer_name_prefix"),
            models.Index(fields=["group", "id_number"], name="customer_id_number"),
        ]
        permissions = [
            ("see_sensitive", _("查看完整手机号和证件号")),
            ("merge_customer", _("合并客户档案")),
            ("assign_customer", _("分配客户归属")),
            ("import_customer", _("导入客户和车辆")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer-detail", args=[self.pk])

    @property
    def is_company(self) -> bool:
        return self.kind == CustomerKind.COMPANY


# The fields of a customer a user edits, in the order the form shows them: the customer form, the
# API's serializers and the services read this one list.
CUSTOMER_FIELDS = (
    "kind",
    "name",
    "mobile",
    "gender",
    "id_number",
    "contact_person",
    "address",
    "birthday",
    "source",
    "preferred_channel",
    "preferred_time",
    "consent_call",
    "consent_sms",
    "consent_marketing",
    "tags",
    "notes",
)


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("手机")
    HOME = "home", _("住宅电话")
    OFFICE = "office", _("办公电话")
    OTHER = "other", _("其他")


class CustomerPhone(models.Model):
    """Every number of a customer, the primary mobile included: the phone search looks here."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField(_("类型"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    number = models.CharField(_("号码"), max_length=20)
    number_rev = reversed_key("number", 20)
    is_primary = models.BooleanField(_("主号码"), default=False)
    note = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = verbose_name_plural = _("联系电话")
        indexes = [pattern_index("number_rev", "customerphone_rev")]
        constraints = [models.UniqueConstraint(fields=["customer", "number"], name="customerphone_unique")]

    def __str__(self) -> str:
        return self.number


class CustomerAssignment(models.Model):
    """Per store: who looks after the customer (销售顾问, 服务顾问, 客服专员)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="assignments")
    store = models.ForeignKey(
        "core.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("门店")
    )
    sales_consultant = user_fk(_("销售顾问"), on_delete=models.SET_NULL)
    service_advisor = user_fk(_("服务顾问"), on_delete=models.SET_NULL)
    care_specialist = user_fk(_("客服专员"), on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = _("客户归属")
        constraints = [models.UniqueConstraint(fields=["customer", "store"], name="assignment_unique_store")]

    def __str__(self) -> str:
        return f"{self.customer} @ {self.store}"


class CustomerMerge(models.Model):
    """A merge that happened: history, never edited. A wrong merge is corrected by new records."""

    survivor = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merges", verbose_name=_("保留客户")
    )
    merged = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("被合并客户")
    )
    moved = models.JSONField(_("转移的记录"), default=dict)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = user_fk(_("操作人"), blank=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("客户合并记录")

    def __str__(self) -> str:
        return f"{self.merged} → {self.survivor}"


# --- vehicles ------------------------------------------------------------------------------------


class Vehicle(GroupRecord):
    vin = models.CharField(_("车架号（VIN）"), max_length=17)
    vin_rev = reversed_key("vin", 17)
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    plate_rev = reversed_key("plate", 10)
    engine_no = models.CharField(_("发动机号"), max_length=30, blank=True)
    model = models.ForeignKey(
        VehicleModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("车型"),
    )
    configuration = models.ForeignKey(
        Configuration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("配置"),
    )
    colour = models.CharField(_("颜色"), max_length=30, blank=True)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    sale_date = models.DateField(_("销售日期"), null=True, blank=True)
    registration_date = models.DateField(_("上牌日期"), null=True, blank=True)
    selling_store = optional_fk("core.Store", _("销售门店"), on_delete=models.SET_NULL)
    warranty_start = models.DateField(_("保修开始"), null=True, blank=True)
    warranty_end = models.DateField(_("保修截止"), null=True, blank=True)
    warranty_km = models.PositiveIntegerField(_("保修里程（公里）"), null=True, blank=True)
    insurer = models.CharField(_("保险公司"), max_length=50, blank=True)
    policy_expiry = models.DateField(_("保险到期"), null=True, blank=True)
    next_maintenance_date = models.DateField(_("下次保养日期"), null=True, blank=True)
    next_maintenance_km = models.PositiveIntegerField(_("下次保养里程"), null=True, blank=True)
    odometer_km = models.PositiveIntegerField(_("当前里程"), default=0)
    odometer_date = models.DateField(_("里程日期"), null=True, blank=True)
    owner = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="vehicles_owned", verbose_name=_("车主")
    )
    driver = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicles_driven",
        verbose_name=_("使用人"),
    )
    notes = models.TextField(_("备注"), blank=True)
    created_store = optional_fk("core.Store", _("建档门店"), on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("车辆")
        constraints = [models.UniqueConstraint(fields=["group", "vin"], name="vehicle_unique_vin")]
        indexes = [
            pattern_index("vin_rev", "vehicle_vin_rev"),
            pattern_index("plate_rev", "vehicle_plate_rev"),
            pattern_index("plate", "vehicle_plate_prefix"),
            # the home figures and the care job: vehicles due for maintenance or insurance in a window
            models.Index(fields=["group", "next_maintenance_date"], name="vehicle_maintenance_due"),
            models.Index(fields=["group", "policy_expiry"], name="vehicle_policy_expiry"),
        ]
        permissions = [
            ("transfer_vehicle", _("车辆过户")),
            ("correct_odometer", _("更正里程（仪表更换）")),
        ]

    def __str__(self) -> str:
        return self.plate or self.vin

    def get_absolute_url(self) -> str:
        return reverse("customers:vehicle-detail", args=[self.pk])

    @property
    def model_label(self) -> str:
        if self.configuration_id:
            return str(self.configuration)
        return str(self.model) if self.model_id else ""

    @property
    def vin_tail(self) -> str:
        return self.vin[-8:]


# The archive fields of a vehicle a user edits, in the order the form shows them: the vehicle form,
# the API's serializers and the services read this one list.
VEHICLE_FIELDS = (
    "vin",
    "plate",
    "engine_no",
    "configuration",
    "model",
    "colour",
    "production_date",
    "sale_date",
    "registration_date",
    "warranty_start",
    "warranty_end",
    "warranty_km",
    "insurer",
    "policy_expiry",
    "next_maintenance_date",
    "next_maintenance_km",
    "driver",
    "notes",
)


class PlateChange(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="plate_changes")
    old_plate = models.CharField(_("原车牌"), max_length=10, blank=True)
    new_plate = models.CharField(_("新车牌"), max_length=10, blank=True)
    changed_on = models.DateField(_("变更日期"))
    actor = user_fk(_("操作人"), blank=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-id"]
        verbose_name = verbose_name_plural = _("车牌变更")

    def __str__(self) -> str:
        return f"{self.old_plate} → {self.new_plate}"


class OwnershipRole(models.TextChoices):
    OWNER = "owner", _("车主")
    DRIVER = "driver", _("使用人")
    CONTACT = "contact", _("联系人")


class Ownership(models.Model):
    """Who owned, drove or was the contact of a vehicle, and when. The open row (``until`` null) is current."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("客户")
    )
    role = models.CharField(
        _("关系"), max_length=10, choices=OwnershipRole.choices, default=OwnershipRole.OWNER
    )
    since = models.DateField(_("开始日期"))
    until = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = user_fk(_("操作人"), blank=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = verbose_name_plural = _("车辆归属")
        indexes = [models.Index(fields=["customer", "until"], name="ownership_customer_open")]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.get_role_display()} {self.customer}"


class OdometerSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    RECEPTION = "reception", _("接车")
    DELIVERY = "delivery", _("新车交付")
    IMPORT = "import", _("导入")
    CORRECTION = "correction", _("更正")


class OdometerReading(models.Model):
    """Append-only. A lower value than the last is a correction with a reason and a permission."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="odometer_readings")
    value_km = models.PositiveIntegerField(_("里程（公里）"))
    read_on = models.DateField(_("读数日期"))
    source = models.CharField(
        _("来源"), max_length=12, choices=OdometerSource.choices, default=OdometerSource.MANUAL
    )
    document = models.CharField(_("来源单据"), max_length=40, blank=True)
    store = optional_fk("core.Store", on_delete=models.SET_NULL)
    is_correction = models.BooleanField(_("更正"), default=False)
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    actor = user_fk(_("录入人"), blank=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("里程记录")

    def __str__(self) -> str:
        return f"{self.vehicle} {self.value_km} km"


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("客户")
    VEHICLES = "vehicles", _("车辆")
    CATALOGUE = "catalogue", _("车型库")


class ImportJob(models.Model):
    """One Excel import: all rows or none. Progress is written as it runs so the page can show it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("有错误，未导入")

    group = models.ForeignKey("core.DealerGroup", on_delete=models.CASCADE)
    store = optional_fk("core.Store", blank=False, on_delete=models.SET_NULL)
    kind = models.CharField(_("导入内容"), max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    done_rows = models.PositiveIntegerField(_("已处理"), default=0)
    created_rows = models.PositiveIntegerField(_("新增"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # the uploaded file waits here until the background task has read it (then it is emptied)
    content = models.BinaryField(default=b"", editable=False)
    actor = user_fk(blank=False, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = GroupScopedManager()

    class Meta:
        ordering = ["-id"]
        verbose_name = verbose_name_plural = _("导入记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("customers:import-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return int(self.done_rows * 100 / self.total_rows) if self.total_rows else 0


# --- customer care tasks -------------------------------------------------------------------------


class CareKind(models.TextChoices):
    VEHICLE_DELIVERY = "vehicle_delivery", _("新车交车回访")
    SERVICE_DELIVERY = "service_delivery", _("维修后回访")
    HIGH_VALUE = "high_value", _("大额维修回访")
    MAINTENANCE_DUE = "maintenance_due", _("保养提醒")
    INSURANCE_DUE = "insurance_due", _("续保提醒")
    BIRTHDAY = "birthday", _("生日关怀")
    FESTIVAL = "festival", _("节日关怀")
    NEW_OWNER = "new_owner", _("新分配客户首次联系")
    SECOND_CALL = "second_call", _("二次回访")
    CAMPAIGN = "campaign", _("活动邀约")


class CareStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    DONE = "done", _("已完成")
    GAVE_UP = "gave_up", _("多次未接通")
    CANCELLED = "cancelled", _("已取消")


class CareTask(DocumentLink, StoreRecord):
    """回访/关怀任务: a call (or message) due to a customer, about a document (a delivered vehicle, a repair
    order, a complaint …) or a date (maintenance, insurance, birthday). ``key`` makes it idempotent: the
    module or the daily job that creates it names what it is for (``order:12:d3``), and the same key in the
    same store is never created twice. Customer care works the queue; the calls are theirs."""

    kind = models.CharField(_("类型"), max_length=20, choices=CareKind.choices)
    key = models.CharField(_("任务键"), max_length=80)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="care_tasks", verbose_name=_("客户")
    )
    vehicle = optional_fk(Vehicle, _("车辆"), related_name="care_tasks")
    due_date = models.DateField(_("应回访日期"), db_index=True)
    assignee = user_fk(_("客服专员"), related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=CareStatus.choices, default=CareStatus.OPEN)
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    next_try_at = models.DateTimeField(_("下次拨打"), null=True, blank=True)
    parent = optional_fk("self", _("原任务"), related_name="follow_ons")
    subject = models.CharField(_("事由"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("回访任务")
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "key"], name="customers_caretask_key_unique")]
        indexes = [models.Index(fields=["store", "status", "due_date"], name="customers_caretask_queue")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer}"
