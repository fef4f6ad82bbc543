from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.fields import GroupRecord, StoreSetting, optional_fk
from fours.core.validators import validate_uscc

from ..choices import ABCClass, BrandKind, PartCategory, Unit
from ._base import COST, MONEY, QTY, RATE


class Part(GroupRecord):
    """配件档案: one row per part number in a dealer group, shared by the group's stores."""

    group = models.ForeignKey(
        "core.DealerGroup", on_delete=models.PROTECT, related_name="parts", verbose_name=_("集团")
    )
    part_no = models.CharField(_("配件编号"), max_length=40, help_text=_("大写、去空格和横线后保存"))
    display_no = models.CharField(_("原厂编号"), max_length=40, blank=True)
    name = models.CharField(_("配件名称"), max_length=100)
    brand = models.CharField(_("品牌"), max_length=30)
    brand_kind = models.CharField(
        _("配件性质"), max_length=10, choices=BrandKind.choices, default=BrandKind.OEM
    )
    models_text = models.CharField(_("适用车型"), max_length=300, blank=True)
    unit = models.CharField(_("单位"), max_length=5, choices=Unit.choices, default=Unit.PIECE)
    category = models.CharField(
        _("类别"), max_length=10, choices=PartCategory.choices, default=PartCategory.MAINTENANCE
    )
    list_price = models.DecimalField(_("厂家指导价"), default=0, **MONEY)
    retail_price = models.DecimalField(_("零售价（含税）"), default=0, **MONEY)
    wholesale_price = models.DecimalField(_("批发价（含税）"), default=0, **MONEY)
    insurance_price = models.DecimalField(_("保险价（含税）"), default=0, **MONEY)
    purchase_price = models.DecimalField(_("采购价（不含税）"), default=0, **COST)
    tax_rate = models.DecimalField(
        _("税率"),
        default=Decimal("0.13"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
        **RATE,
    )
    superseded_by = optional_fk("self", _("替换为"), related_name="supersedes")
    warranty_months = models.PositiveSmallIntegerField(
        _("配件质保（月）"), default=12, help_text=_("保修期内更换的配件自更换之日起的质保期")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("配件")
        permissions = [("import_prices", _("导入价格文件"))]
        verbose_name_plural = _("配件档案")
        ordering = ["part_no"]
        constraints = [models.UniqueConstraint(fields=["group", "part_no"], name="uniq_part_no_in_group")]
        indexes = [models.Index(fields=["group", "name"], name="part_group_name_idx")]

    def __str__(self) -> str:
        return f"{self.display_no or self.part_no} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("parts:part-detail", args=[self.pk])

    @property
    def needs_old_part(self) -> bool:
        """交旧领新: issuing this part to a repair order needs the old one handed in (not for fluids,
        consumables and fasteners, accessories)."""
        from ..choices import OLD_PART_EXEMPT_CATEGORIES

        return self.category not in OLD_PART_EXEMPT_CATEGORIES

    @property
    def decimals(self) -> int:
        from ..choices import UNIT_DECIMALS

        return UNIT_DECIMALS.get(self.unit, 3)


class PartPriceChange(models.Model):
    """价格变更记录: every price change of a part, with who and when."""

    part = models.ForeignKey(
        Part, on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("配件")
    )
    field = models.CharField(_("价格项"), max_length=30)
    old = models.DecimalField(_("原价"), **COST)
    new = models.DecimalField(_("新价"), **COST)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("操作人")
    )
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("价格变更")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.part_id} {self.field} {self.old}→{self.new}"


class Warehouse(StoreSetting):
    code = models.CharField(_("库号"), max_length=4)
    name = models.CharField(_("仓库名称"), max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = _("仓库")
        ordering = ["store_id", "code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_warehouse_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bin(StoreSetting):
    """库位 (四号定位): 库号-架号-层号-位号, e.g. 01-A03-2-05."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="bins", verbose_name=_("仓库")
    )
    rack = models.CharField(_("架号"), max_length=4)
    level = models.CharField(_("层号"), max_length=3)
    position = models.CharField(_("位号"), max_length=4)
    code = models.CharField(_("库位"), max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = _("库位")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="uniq_bin_code")]

    def __str__(self) -> str:
        return self.code


class PartSetting(StoreSetting):
    """Per-store settings of a part: stock levels, default bin, ABC class."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="settings", verbose_name=_("配件"))
    min_qty = models.DecimalField(_("最低库存"), default=0, **QTY)
    max_qty = models.DecimalField(_("最高库存"), default=0, **QTY)
    safety_qty = models.DecimalField(_("保险储备"), default=0, **QTY)
    default_bin = optional_fk(Bin, _("默认库位"), on_delete=models.SET_NULL)
    abc_class = models.CharField(_("ABC分类"), max_length=1, choices=ABCClass.choices, default=ABCClass.C)
    usage_value = models.DecimalField(_("年用量金额"), default=0, **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = _("门店配件设置")
        constraints = [models.UniqueConstraint(fields=["store", "part"], name="uniq_part_setting")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.part_id}"


class PartBin(StoreSetting):
    """A part may sit in several bins of a store."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="bins", verbose_name=_("配件"))
    bin = models.ForeignKey(Bin, on_delete=models.CASCADE, related_name="parts", verbose_name=_("库位"))

    class Meta:
        verbose_name = verbose_name_plural = _("配件库位")
        constraints = [models.UniqueConstraint(fields=["part", "bin"], name="uniq_part_bin")]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.bin_id}"


class Supplier(GroupRecord):
    name = models.CharField(_("供应商名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    contact = models.CharField(_("联系人"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    is_oem = models.BooleanField(_("主机厂"), default=False)
    lead_time_days = models.PositiveSmallIntegerField(_("到货周期（天）"), default=3)
    payment_days = models.PositiveSmallIntegerField(_("账期（天）"), default=30)
    terms = models.CharField(_("结算条款"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("供应商")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["group", "uscc"], name="uniq_supplier_uscc")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("parts:supplier-detail", args=[self.pk])


class PartsConfig(StoreSetting):
    """配件参数 per store: ABC thresholds, slow-moving months, planning horizon."""

    store = models.OneToOneField("core.Store", on_delete=models.CASCADE, verbose_name=_("门店"))
    abc_a_pct = models.PositiveSmallIntegerField(_("A类累计金额占比（%）"), default=80)
    abc_b_pct = models.PositiveSmallIntegerField(_("B类累计金额占比（%）"), default=95)
    usage_days = models.PositiveSmallIntegerField(_("日均用量统计天数"), default=90)
    slow_months = models.PositiveSmallIntegerField(_("慢动月数"), default=6)
    stagnant_months = models.PositiveSmallIntegerField(_("呆滞月数"), default=9)
    dead_months = models.PositiveSmallIntegerField(_("死库存月数"), default=12)
    # 配件报损损失: 70% the store, 10% each the general, service and parts managers (seed 004 §2, 激励机制)
    writeoff_store_pct = models.PositiveSmallIntegerField(_("报损损失·公司承担（%）"), default=70)
    writeoff_gm_pct = models.PositiveSmallIntegerField(_("报损损失·总经理承担（%）"), default=10)
    writeoff_service_pct = models.PositiveSmallIntegerField(_("报损损失·服务经理承担（%）"), default=10)
    writeoff_parts_pct = models.PositiveSmallIntegerField(_("报损损失·配件经理承担（%）"), default=10)

    class Meta:
        verbose_name = verbose_name_plural = _("配件参数")

    def __str__(self) -> str:
        return str(self.store)

    @property
    def writeoff_split(self) -> list[tuple[str, int]]:
        """(party, %) of a write-off loss, in the order of the document."""
        return [
            ("company", self.writeoff_store_pct),
            ("gm", self.writeoff_gm_pct),
            ("svc_mgr", self.writeoff_service_pct),
            ("parts_mgr", self.writeoff_parts_pct),
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        if sum(p for _party, p in self.writeoff_split) != 100:
            raise ValidationError({"writeoff_store_pct": _("报损损失分摊比例合计须为100%")})
