"""收银台: the cashier desk."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from fours.core.views import perm_or_403


@login_required
def cashier_desk(request):
    perm_or_403(request, "finance.add_payment")
    return render(request, "finance/desk.html", {"title": _("收银台")})
