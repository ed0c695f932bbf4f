from django.urls import path, re_path

from . import file_views, views

app_name = "interchange"
urlpatterns = [
    path("import/", file_views.files, name="import"),
    path("import/<int:pk>/", file_views.upload_state, name="upload"),
    path("import/<int:pk>/commit/", file_views.import_commit, name="import_commit"),
    path("export/", file_views.export, name="export"),
    path("calendar/", views.calendar_feeds, name="calendar_feeds"),
    path("calendar/<int:pk>/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$",
        views.calendar_feed,
        name="calendar_feed",
    ),
]
