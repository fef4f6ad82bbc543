from .views import complaints, marketing, phone, queue, reports, surveys

app_name = "crm"

# each page module lists its own routes, sidebar entries and home figures
PAGES = (queue, complaints, reports, surveys, marketing, phone)

urlpatterns = [route for page in PAGES for route in page.urlpatterns]
