from django.urls import path

from . import trends_views, views

app_name = "review"
urlpatterns = [
    path("", views.daily_view, name="daily"),
    path("<isodate:day>/", views.daily_view, name="daily_on"),
    path("<isodate:day>/all-clean/", views.mark_all_clean_view, name="mark_all_clean"),
    path("day/<int:member_id>/<isodate:day>/", views.member_day_view, name="member_day"),
    path(
        "day/<int:member_id>/<isodate:day>/follow-up/",
        views.follow_up_view,
        name="follow_up",
    ),
    path(
        "day/<int:member_id>/<isodate:day>/follow-ups/<int:pk>/reply/",
        views.thread_reply_view,
        name="thread_reply",
    ),
    path("tone-check/", views.tone_check_view, name="tone_check"),
    path(
        "day/<int:member_id>/<isodate:day>/<str:decision>/",
        views.decide_view,
        name="decide",
    ),
    path("requests/", views.requests_view, name="requests"),
    path("requests/<int:pk>/reply/", views.reply_view, name="reply"),
    path("notices/<int:pk>/read/", views.notice_read_view, name="notice_read"),
    path("notifications/", views.notification_settings_view, name="notifications"),
    path("settings/", views.policy_settings_view, name="settings"),
    path("trends/", trends_views.trends_view, name="trends"),
]
