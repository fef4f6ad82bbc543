from django.urls import reverse

from fours.core.fields import HOURS, MONEY, PCT, QTY

__all__ = ["HOURS", "MONEY", "PCT", "QTY", "OnOrderPage"]


class OnOrderPage:
    """A record of a repair order (a settlement, a payment, a receivable) shown on the order's page."""

    def get_absolute_url(self) -> str:
        return reverse("service:ro-detail", args=[self.ro_id])
