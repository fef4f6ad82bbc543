from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import DepartmentKind, DocKind
from .fields import optional_fk, user_fk
from .roles import LimitKind
from .validators import validate_uscc


class DealerGroup(models.Model):
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("集团名称"), max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = _("经销商集团")

    def __str__(self) -> str:
        return self.name


class StoreQuerySet(models.QuerySet):
    def for_user(self, user):
        from .selectors import store_ids_for

        return self if getattr(user, "is_superuser", False) else self.filter(id__in=store_ids_for(user))


class Store(models.Model):
    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="stores", verbose_name=_("集团")
    )
    code = models.CharField(_("门店编码"), max_length=20, unique=True)
    name = models.CharField(_("门店名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    brands = models.CharField(_("经营品牌"), max_length=200, help_text=_("多个品牌用逗号分隔"))
    city = models.CharField(_("城市"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    vat_rate = models.DecimalField(
        _("增值税率"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.13"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
    )
    allow_negative_stock = models.BooleanField(_("允许负库存"), default=False)
    labour_rate = models.DecimalField(
        _("工时单价（元/小时）"), max_digits=10, decimal_places=2, default=Decimal("180")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = StoreQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("门店")
        ordering = ["group_id", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("store-detail", args=[self.pk])

    @property
    def brand_list(self) -> list[str]:
        return [b.strip() for b in self.brands.replace("，", ",").split(",") if b.strip()]


class Department(models.Model):
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="departments", verbose_name=_("门店")
    )
    kind = models.CharField(_("部门类别"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("部门名称"), max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = _("部门")
        constraints = [models.UniqueConstraint(fields=["store", "kind"], name="uniq_department_kind")]

    def __str__(self) -> str:
        return f"{self.store} {self.name}"


class Membership(models.Model):
    """A user's role in one store, or in every store of a dealer group (store left empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    role = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("岗位")
    )
    store = optional_fk(Store, _("门店"), on_delete=models.CASCADE, related_name="memberships")
    dealer_group = optional_fk(
        DealerGroup, _("集团（全部门店）"), on_delete=models.CASCADE, related_name="memberships"
    )
    department = optional_fk(Department, _("部门"), on_delete=models.SET_NULL, related_name=None)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("门店任职")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(store__isnull=False, dealer_group__isnull=True))
                | (models.Q(store__isnull=True, dealer_group__isnull=False)),
                name="membership_store_xor_group",
            ),
            models.UniqueConstraint(fields=["user", "role", "store"], name="uniq_membership_store"),
            models.UniqueConstraint(fields=["user", "role", "dealer_group"], name="uniq_membership_group"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.store or self.dealer_group}"


class RoleLimit(models.Model):
    """Approval limits per role (data an admin edits), e.g. discount % a service advisor may give."""

    role = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="limits", verbose_name=_("岗位"))
    kind = models.CharField(_("限额类别"), max_length=30, choices=LimitKind.choices)
    value = models.DecimalField(_("上限"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = _("审批限额")
        constraints = [models.UniqueConstraint(fields=["role", "kind"], name="uniq_role_limit")]

    def __str__(self) -> str:
        return f"{self.role} {self.get_kind_display()} {self.value}"


class AuditEvent(models.Model):
    """Who did what to which object, written by every service in the same transaction."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = user_fk(_("操作人"), on_delete=models.SET_NULL, related_name=None)
    store = optional_fk(Store, _("门店"), on_delete=models.SET_NULL, related_name=None)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型"))
    object_id = models.CharField(_("对象ID"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    verb = models.CharField(_("操作"), max_length=50)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="audit_object_idx"),
            # the audit log's default page: a store's newest events, paged by (at, id)
            models.Index(fields=["store", "-at", "-id"], name="audit_store_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.object_repr}"


class NumberSequence(models.Model):
    """Counter per store × document kind × year. Taken by fours.core.numbering.next_number."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, verbose_name=_("门店"))
    kind = models.CharField(_("单据类型"), max_length=10, choices=DocKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("当前号"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("单据编号")
        constraints = [models.UniqueConstraint(fields=["store", "kind", "year"], name="uniq_number_sequence")]

    def __str__(self) -> str:
        return f"{self.store.code} {self.kind}-{self.year}: {self.last}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for the same key and user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ApiTokenStamp(models.Model):
    """What an API token was issued against: the user's password (as the session hash of it), so
    a password change ends the token. The token's age is its ``created`` time."""

    token = models.OneToOneField(
        "authtoken.Token", primary_key=True, on_delete=models.CASCADE, related_name="fours_stamp"
    )
    password_stamp = models.CharField(max_length=128)

    class Meta:
        verbose_name = verbose_name_plural = _("API令牌签发记录")

    def __str__(self) -> str:
        return f"{self.token_id[:6]}…"
