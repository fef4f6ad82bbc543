"""The audit trail. Services call audit_record inside their transaction."""

from __future__ import annotations

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


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
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
