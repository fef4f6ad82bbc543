from .views import complaints, events, marketing, payouts, phone, queue, reports, surveys

app_name = "crm"

# each page module lists its own routes, sidebar entries and home figures
PAGES = (queue, complaints, reports, surveys, marketing, phone, payouts, events)

urlpatterns = [route for page in PAGES for route in page.urlpatterns]
