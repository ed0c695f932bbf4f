"""Setting up an installation in Daybook's own pages: clients, agreements, members, teams."""

app_name = "setup"
urlpatterns: list = []
