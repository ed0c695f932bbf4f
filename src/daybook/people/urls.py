from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("holidays/", views.holidays_view, name="holidays"),
    path("holidays/<int:pk>/delete/", views.holiday_delete_view, name="holiday_delete"),
]
