"""Connections to the PSA an MSP already runs: set-up, mappings and the sync log."""

from django.urls import path

from . import views

app_name = "psa"
urlpatterns = [
    path("", views.connections, name="connections"),
    path("new/", views.connection_new, name="connection_new"),
    path("<int:pk>/", views.connection, name="connection"),
    path("<int:pk>/test/", views.connection_check, name="test"),
    path("<int:pk>/sync/", views.connection_sync, name="sync"),
    path("<int:pk>/mappings/", views.mappings, name="mappings"),
    path("<int:pk>/log/", views.sync_log, name="log"),
    path("<int:pk>/problems/<int:problem_pk>/retry/", views.problem_retry, name="retry"),
    path("hooks/<int:pk>/<str:token>/", views.webhook, name="webhook"),
]
