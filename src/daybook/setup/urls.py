"""Setting up an installation in Daybook's own pages: clients, agreements, members, teams."""

from django.urls import path

from . import views

app_name = "setup"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("companies/", views.companies_view, name="companies"),
    path("companies/new/", views.company_new_view, name="company_new"),
    path("companies/<int:pk>/", views.company_view, name="company"),
    path("companies/<int:company_pk>/contacts/new/", views.contact_new_view, name="contact_new"),
    path("contacts/<int:pk>/", views.contact_view, name="contact"),
    path("agreements/", views.agreements_view, name="agreements"),
    path("agreements/new/", views.agreement_new_view, name="agreement_new"),
    path("agreements/<int:pk>/", views.agreement_view, name="agreement"),
    path("members/", views.members_view, name="members"),
    path("members/invite/", views.member_invite_view, name="member_invite"),
    path("members/<int:pk>/", views.member_view, name="member"),
    path("members/<int:pk>/invitation/", views.member_resend_view, name="member_resend"),
    path("members/<int:pk>/schedule/", views.member_schedule_view, name="member_schedule"),
    path("teams/", views.teams_view, name="teams"),
    path("teams/new/", views.team_new_view, name="team_new"),
    path("teams/<int:pk>/", views.team_view, name="team"),
    path("work-roles/", views.work_roles_view, name="work_roles"),
    path("work-roles/new/", views.work_role_new_view, name="work_role_new"),
    path("work-roles/<int:pk>/", views.work_role_view, name="work_role"),
    path("work-types/", views.work_types_view, name="work_types"),
    path("work-types/new/", views.work_type_new_view, name="work_type_new"),
    path("work-types/<int:pk>/", views.work_type_view, name="work_type"),
    path("boards/", views.boards_view, name="boards"),
    path("boards/new/", views.board_new_view, name="board_new"),
    path("boards/<int:pk>/", views.board_view, name="board"),
]
