from django.contrib import admin
from django.urls import include, path

from daybook.home.views import home

# Daybook's own error pages, in its layout (core/views.py, core/templates/40x.html, 500.html).
handler403 = "daybook.core.views.permission_denied"
handler404 = "daybook.core.views.page_not_found"
handler500 = "daybook.core.views.server_error"

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
    path("calendars/", include("daybook.calendars.urls")),
    path("home/", include("daybook.home.urls")),
    # Each role's home page: where the brand link goes.
    path("", home, name="home"),
    path("", include("daybook.core.urls")),
]
