"""The home page each role starts from, and the written time-entry process."""

from django.urls import path

from . import views

app_name = "home"
urlpatterns = [
    path("process/", views.process_view, name="process"),
    path("process/edit/", views.process_edit, name="process_edit"),
    path("process/versions/", views.process_versions_view, name="process_versions"),
    path("process/versions/<int:number>/", views.process_version_view, name="process_version"),
]
