from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("daybook.api_urls")),
    path("review/", include("daybook.review.urls")),
    path("insights/", include("daybook.insights.urls")),
    path("interchange/", include("daybook.interchange.urls")),
    path("time/", include("daybook.timekeeping.urls")),
    path("tickets/", include("daybook.timekeeping.ticket_urls")),
    path("people/", include("daybook.people.urls")),
    path("accounts/", include("daybook.accounts.urls")),
    path("setup/", include("daybook.setup.urls")),
    path("psa/", include("daybook.psa.urls")),
    path("home/", include("daybook.home.urls")),
    path("", include("daybook.core.urls")),
]
