"""One router for every app's API; each app registers its own viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
