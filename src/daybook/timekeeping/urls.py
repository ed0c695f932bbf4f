from django.urls import path

from . import approval_views, suggestion_views, views

app_name = "timekeeping"
urlpatterns = [
    path("day/", views.my_day_view, name="my_day"),
    path("day/<isodate:day>/", views.my_day_view, name="my_day_on"),
    path(
        "day/<isodate:day>/suggestions/",
        suggestion_views.suggestions_panel,
        name="suggestions",
    ),
    path(
        "suggestions/dismiss/",
        suggestion_views.suggestion_dismiss_view,
        name="suggestion_dismiss",
    ),
    path("week/", views.week_view, name="week"),
    path("week/<isodate:day>/", views.week_view, name="week_of"),
    path("timer/", views.timer_bar_view, name="timer_bar"),
    path("timer/stop/", views.timer_stop_view, name="timer_stop"),
    path("timer/park/", views.timer_park_view, name="timer_park"),
    path("entries/new/", views.entry_new, name="entry_new"),
    path("entries/wrap/", views.entry_wrap, name="entry_wrap"),
    path("entries/defaults/", views.entry_defaults_view, name="entry_defaults"),
    path("entries/tickets/", views.ticket_options_view, name="ticket_options"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/history/", views.entry_history, name="entry_history"),
    path("drafts/<int:pk>/", views.draft_complete, name="draft_complete"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="draft_discard"),
    path("week/<isodate:day>/submit/", approval_views.week_submit_view, name="week_submit"),
    path("approvals/", approval_views.approvals, name="approvals"),
    path("approvals/<int:pk>/", approval_views.approval_week, name="approval_week"),
    path("approvals/<int:pk>/approve/", approval_views.approval_approve, name="approval_approve"),
    path("approvals/<int:pk>/return/", approval_views.approval_return, name="approval_return"),
    path("periods/", approval_views.periods, name="periods"),
]
