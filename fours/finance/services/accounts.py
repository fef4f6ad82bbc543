"""往来单位: finance sets a party's credit terms (信用额度, 账期). A limit of 0 means no credit: the party
pays before the goods leave (先款后货)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.errors import field_error
from fours.core.permissions import require_perm

from ..models import Party
from .ledger import clean_amount

MAX_PAYMENT_DAYS = 365


def clean_days(value, field: str = "payment_days") -> int:
    """账期: whole days, 0 to 365."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise field_error(field, _("请填写账期（天）"), code="required")
    if not text.isdigit() or not text.isascii():
        raise field_error(field, _("账期须为整数天数"), code="bad_format")
    days = int(text)
    if days > MAX_PAYMENT_DAYS:
        raise field_error(field, _("账期不能超过%(n)s天") % {"n": MAX_PAYMENT_DAYS}, code="out_of_range")
    return days


@transaction.atomic
def party_update(*, actor, party: Party, credit_limit, payment_days) -> Party:
    """Set a party's credit limit (0: no credit, 先款后货) and payment days; audited. Bad input names
    its field and changes nothing."""
    require_perm(actor, "finance.change_party")
    limit = clean_amount(credit_limit, "credit_limit", label=_("信用额度"), allow_zero=True)
    days = clean_days(payment_days)
    party = Party.objects.select_for_update().get(pk=party.pk)
    changes = diff(party, credit_limit=limit, payment_days=days)
    if not changes:
        return party
    party.credit_limit, party.payment_days = limit, days
    party.save(update_fields=["credit_limit", "payment_days"])
    audit_record(actor=actor, obj=party, verb="updated", changes=changes)
    return party
