from .urls import PAGES


def widgets(request, store):
    return [w for page in PAGES for w in page.widgets(request, store)]
