from django.urls import path, re_path

from . import views

app_name = "interchange"
urlpatterns = [
    path("calendar/", views.calendar_feeds, name="calendar_feeds"),
    path("calendar/<int:pk>/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$",
        views.calendar_feed,
        name="calendar_feed",
    ),
]
