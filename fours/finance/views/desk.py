"""desk pages of finance."""

urlpatterns = []
NAV = []


def widgets(request, store):
    return []
