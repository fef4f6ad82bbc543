from .views import fi, orders, reports, showroom, stock

app_name = "sales"

# each page module lists its own routes, sidebar entries and home figures
PAGES = (showroom, orders, stock, fi, reports)

urlpatterns = [route for page in PAGES for route in page.urlpatterns]
