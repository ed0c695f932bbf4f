"""Connections to the PSA an MSP already runs: set-up, mappings and the sync log."""

app_name = "psa"
urlpatterns: list = []
