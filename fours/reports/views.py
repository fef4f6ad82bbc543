"""目标 pages: the monthly targets of a store, by department and person."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def targets(request):
    return HttpResponse(status=204)
