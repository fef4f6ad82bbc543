"""The audit trail. Services call audit_record inside their transaction."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .context import current_request
from .models import AuditEvent

# What a verb means to a person reading a timeline. Apps may add theirs with register_verbs().
VERB_LABELS = {
    "created": _("创建"),
    "updated": _("修改"),
    "deleted": _("删除"),
    "submitted": _("提交"),
    "approved": _("审批通过"),
    "rejected": _("驳回"),
    "posted": _("过账"),
    "cancelled": _("取消"),
    "closed": _("关闭"),
    "reopened": _("重新打开"),
    "reversed": _("冲销"),
    "confirmed": _("客户确认"),
    "paid": _("收款"),
    "settled": _("结算"),
    "delivered": _("交付"),
    "received": _("收货"),
    "ordered": _("下单"),
    "shipped": _("发货"),
    "counted": _("盘点录入"),
    "frozen": _("冻结"),
    "claimed": _("索赔"),
    "resolved": _("处理完成"),
    "proposed": _("建议"),
    "quote_added": _("添加报价"),
    "line_saved": _("保存明细"),
    "line_removed": _("删除明细"),
    "price_import": _("价格导入"),
    "demand_added": _("登记缺件"),
    "abc_classified": _("ABC分类"),
    "bin_assigned": _("分配库位"),
    "stock_receive": _("入库"),
    "stock_issue": _("出库"),
    "stock_return": _("退回入库"),
    "stock_reserve": _("预留库存"),
    "stock_release": _("释放预留"),
    "stock_move_reverse": _("冲销库存流水"),
    "merged": _("合并"),
    "reveal": _("查看完整信息"),
    "transferred": _("过户"),
    "assigned": _("分配"),
    "imported": _("导入"),
    "odometer": _("里程录入"),
    "status": _("状态变更"),
}


def register_verbs(mapping: dict) -> None:
    VERB_LABELS.update(mapping)


# Words for change keys that are not fields of the audited model (a line added to a document, say).
FIELD_WORDS = {
    "lines": _("明细行数"),
    "status": _("状态"),
    "reason": _("原因"),
    "note": _("备注"),
    "qty": _("数量"),
    "amount": _("金额"),
    "total": _("金额"),
}


def register_field_words(mapping: dict) -> None:
    FIELD_WORDS.update(mapping)


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))


# Change keys whose values are people (stored as their login) and sums of money, where the key is
# not a field of the audited model (a line's technician, a settlement's split by payer).
PERSON_KEYS = {"technician", "follow_up", "advisor", "assignee", "actor", "approved_by", "counted_by"}
MONEY_KEYS = {"amount", "total", "net", "claim", "warranty", "insurance", "internal", "estimate_amount"}


def display_name(user) -> str:
    """A person as people call them: the full name, else the login."""
    if not user or not getattr(user, "is_authenticated", True):
        return "—"
    return user.get_full_name() or user.get_username()


def _person(login, cache: dict) -> str:
    if login not in cache:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=login).first()
        cache[login] = display_name(user) if user else login
    return cache[login]


def change_label(obj, name: str) -> str:
    """An audited field's name in words: the model's verbose name, else a registered word."""
    from django.core.exceptions import FieldDoesNotExist

    if obj is not None:
        try:
            return str(obj._meta.get_field(name).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            pass
    return str(FIELD_WORDS.get(name, name))


def change_value(obj, name: str, value, cache: dict | None = None) -> str:
    """One audited value in words: a status or choice by its label, a person by name, yes/no,
    money as ¥1,234.00; — when empty."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    from .templatetags.fours import qty, yuan

    cache = {} if cache is None else cache
    if value is None or value == "":
        return "—"
    field = None
    if obj is not None:
        try:
            field = obj._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            field = None
    if field is not None and getattr(field, "choices", None):
        labels = {str(k): v for k, v in field.flatchoices}
        return str(labels.get(str(value), value))
    if name == "status" and field is None:
        return str(value)
    person = name in PERSON_KEYS or (
        field is not None and getattr(field, "related_model", None) is get_user_model()
    )
    if person and isinstance(value, str):
        return _person(value, cache)
    if isinstance(value, bool) or (field is not None and isinstance(field, models.BooleanField)):
        return str(_("是") if value in (True, 1, "1", "true", "True") else _("否"))
    money = name in MONEY_KEYS or (
        field is not None and isinstance(field, models.DecimalField) and field.decimal_places == 2
    )
    if money:
        try:
            return yuan(Decimal(str(value)))
        except ArithmeticError:
            return str(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):  # hours, quantities: 1.5, not 1.50
        return qty(Decimal(value))
    if isinstance(value, dict):
        return "，".join(
            f"{change_label(None, k)} {change_value(None, k, v, cache)}" for k, v in value.items()
        )
    if isinstance(value, list):
        return "、".join(change_value(obj, name, v, cache) for v in value)
    return str(value)


def change_lines(obj, changes, cache: dict | None = None) -> list[tuple[str, str]]:
    """An audit event's changes as (label, 'old → new' or value) pairs in words."""
    cache = {} if cache is None else cache
    out = []
    for name, value in (changes or {}).items():
        if isinstance(value, (list, tuple)) and len(value) == 2:
            old, new = (change_value(obj, name, v, cache) for v in value)
            text = f"{old} → {new}"
        else:
            text = change_value(obj, name, value, cache)
        out.append((change_label(obj, name), text))
    return out


def _plain(value):
    if isinstance(value, models.Model):  # a person by login (unique); shown by name when read
        return value.get_username() if hasattr(value, "get_username") else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def diff(obj: models.Model, **new_values) -> dict:
    """{field: [old, new]} for the fields whose value changes; use before assigning them."""
    out = {}
    for name, new in new_values.items():
        old = getattr(obj, name)
        if old != new:
            out[name] = [_plain(old), _plain(new)]
    return out


def audit_record(
    *, actor, obj: models.Model, verb: str, changes: dict | None = None, store=None, note: str = ""
) -> AuditEvent:
    info = current_request.get()
    if store is None:
        from .models import Store

        store = (
            obj
            if isinstance(obj, Store)
            else getattr(obj, "store", None)
            if hasattr(obj, "store_id")
            else None
        )
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        store=store,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        verb=verb,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        note=note[:500],
        ip=info.ip,
        request_id=info.request_id,
    )


def timeline_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
