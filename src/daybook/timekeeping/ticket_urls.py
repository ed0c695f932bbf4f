from django.urls import path

from . import ticket_views as views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("board/", views.ticket_board, name="board"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("form-check/", views.ticket_form_check, name="ticket_form_check"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/edit/", views.ticket_edit_view, name="ticket_edit"),
    path("<int:pk>/assign/", views.ticket_assign_view, name="ticket_assign"),
    path("<int:pk>/notes/", views.ticket_note, name="ticket_note"),
    path("<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("<int:pk>/switch/", views.ticket_switch, name="ticket_switch"),
    path("<int:pk>/agreement/", views.ticket_agreement, name="ticket_agreement"),
    path("<int:pk>/flag/", views.ticket_flag, name="ticket_flag"),
    path("agreements/", views.agreement_queue_view, name="agreement_queue"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
]
