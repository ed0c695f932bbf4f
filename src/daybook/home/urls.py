"""The home page each role starts from, and the written time-entry process."""

app_name = "home"
urlpatterns: list = []
