from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    # The home page ("/", name "home") is the home app's (daybook/urls.py).
    path("healthz", views.healthz, name="healthz"),
    # The installable app: at the root, so the service worker looks after every page.
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    # Everyone signs in here; the admin's own login page only lets staff through.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
