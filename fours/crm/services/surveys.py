"""满意度 (CSI/SSI): one answered questionnaire about a document, scored in percent, with the people it
scores (the order's advisor and technician, the vehicle order's consultant); and the import of the
manufacturer's survey results (Excel), matched to documents by number, written all or none."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import BusinessError, field_error
from fours.core.permissions import require_perm

from ..choices import SurveySource
from ..models import Survey, SurveyResponse


def score_of(survey: Survey, answers: dict) -> tuple[dict, Decimal]:
    """The answers kept (each question's points within 0…max) and the total in percent."""
    got, top, kept = Decimal(0), Decimal(0), {}
    for q in survey.questions:
        key, mx = q.get("key"), Decimal(str(q.get("max", 10)))
        if key not in answers or answers[key] in ("", None):
            continue
        try:
            v = Decimal(str(answers[key]))
        except Exception:
            raise field_error(key, _("得分格式不正确"), code="bad_format") from None
        if v < 0 or v > mx:
            raise field_error(key, _("得分须在 0–%(m)s 之间") % {"m": mx}, code="out_of_range")
        kept[key] = float(v)
        got += v
        top += mx
    if not kept:
        raise field_error("answers", _("请至少回答一题"), code="required")
    return kept, (got * 100 / top).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def people_of(doc) -> dict:
    """Who a document's survey scores."""
    out = {
        "advisor": None,
        "consultant": None,
        "technician": None,
        "customer": getattr(doc, "customer", None),
    }
    if doc is None:
        return out
    label = doc._meta.label_lower
    if label == "service.repairorder":
        out["advisor"] = doc.advisor
        line = doc.labour.filter(technician__isnull=False).select_related("technician").first()
        out["technician"] = line.technician if line else None
    elif label == "sales.vehicleorder":
        out["consultant"] = doc.consultant
    return out


def _build(survey, doc, answers, source, answered_on, customer=None) -> SurveyResponse:
    kept, score = score_of(survey, answers)
    who = people_of(doc)
    link = {}
    if doc is not None:
        link = {
            "doc_type": ContentType.objects.get_for_model(doc),
            "doc_id": doc.pk,
            "doc_number": str(getattr(doc, "number", "") or ""),
        }
    return SurveyResponse(
        store=survey.store,
        survey=survey,
        customer=customer or who["customer"],
        source=source,
        answers=kept,
        score=score,
        advisor=who["advisor"],
        consultant=who["consultant"],
        technician=who["technician"],
        answered_on=answered_on or timezone.localdate(),
        **link,
    )


@transaction.atomic
def survey_answer(
    *,
    actor,
    survey: Survey,
    answers: dict,
    doc=None,
    source: str = SurveySource.CALL,
    answered_on=None,
    customer=None,
) -> SurveyResponse:
    """One answered questionnaire (on a call, or by the customer on the phone link: actor is then the
    link's issuer)."""
    require_perm(actor, "crm.add_surveyresponse") if source != SurveySource.PHONE_LINK else None
    if source not in SurveySource.values:
        raise field_error("source", _("未知的来源"), code="invalid_choice")
    if not survey.active:
        raise field_error("survey", _("问卷已停用"), code="bad_transition")
    r = _build(survey, doc, answers, source, answered_on, customer)
    r.save()
    audit_record(actor=actor, obj=r, verb="created", changes={"score": [None, r.score]})
    return r


def _doc_by_number(store, number: str):
    from fours.sales.models import VehicleOrder
    from fours.service.models import RepairOrder

    number = (number or "").strip()
    if not number:
        return None
    return (
        RepairOrder.objects.filter(store=store, number=number).select_related("customer", "advisor").first()
        or VehicleOrder.objects.filter(store=store, number=number)
        .select_related("customer", "consultant")
        .first()
    )


@transaction.atomic
def survey_import(*, actor, store, survey: Survey, rows: list[dict]) -> int:
    """The manufacturer's results: each row names its document (单据号), the date and the points per
    question key. Every row is checked first; an unmatched document or a bad figure refuses the whole
    file, naming the rows, and nothing is written."""
    require_perm(actor, "crm.add_surveyresponse")
    if survey.store_id != store.pk:
        raise field_error("survey", _("问卷不属于本店"), code="out_of_scope")
    if not rows:
        raise field_error("file", _("文件中没有数据行"), code="no_lines")
    errors, built = [], []
    for row in rows:
        line = row.get("line", "?")
        doc = _doc_by_number(store, str(row.get("number") or ""))
        if doc is None:
            errors.append(
                _("第%(l)s行：单据号“%(n)s”在本店找不到") % {"l": line, "n": row.get("number") or ""}
            )
            continue
        try:
            built.append(_build(survey, doc, row.get("answers") or {}, SurveySource.IMPORT, row.get("date")))
        except BusinessError as e:
            msgs = "；".join(m for ms in e.message_dict.values() for m in ms)
            errors.append(_("第%(l)s行：%(m)s") % {"l": line, "m": msgs})
    if errors:
        raise field_error("file", errors, code="unmatched_rows")
    SurveyResponse.objects.bulk_create(built)
    audit_record(actor=actor, obj=survey, verb="imported", store=store, changes={"rows": [None, len(built)]})
    return len(built)
