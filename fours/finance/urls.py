from .views import accounts, closing, desk, payables, vouchers

app_name = "finance"

# each page module lists its own routes, sidebar entries and home figures
PAGES = (desk, closing, accounts, payables, vouchers)

urlpatterns = [route for page in PAGES for route in page.urlpatterns]
