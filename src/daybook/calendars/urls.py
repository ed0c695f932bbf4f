from django.urls import path

from . import views

app_name = "calendars"
urlpatterns = [
    path("", views.subscriptions_view, name="subscriptions"),
    path("<int:pk>/refresh/", views.subscription_refresh_view, name="subscription_refresh"),
    path("<int:pk>/remove/", views.subscription_remove_view, name="subscription_remove"),
]
