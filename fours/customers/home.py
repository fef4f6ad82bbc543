from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.registry import Widget

from .selectors import customers_for, vehicles_for


def widgets(request, store):
    user = request.user
    if not user.has_perm("customers.view_customer"):
        return []
    today = timezone.localdate()
    vehicles = vehicles_for(user)
    return [
        Widget(
            "crm", _("客户档案"), customers_for(user).count(), _("位"), reverse("customers:customer-list")
        ),
        Widget(
            "crm",
            _("30天内保养到期"),
            vehicles.filter(next_maintenance_date__range=(today, today + timedelta(days=30))).count(),
            _("台"),
            reverse("customers:vehicle-list") + f"?maintenance_between_min={today:%Y-%m-%d}"
            f"&maintenance_between_max={today + timedelta(days=30):%Y-%m-%d}",
            tone="warning",
        ),
        Widget(
            "crm",
            _("30天内保险到期"),
            vehicles.filter(policy_expiry__range=(today, today + timedelta(days=30))).count(),
            _("台"),
            reverse("customers:vehicle-list") + f"?policy_expiry_min={today:%Y-%m-%d}"
            f"&policy_expiry_max={today + timedelta(days=30):%Y-%m-%d}",
            tone="warning",
        ),
    ]
