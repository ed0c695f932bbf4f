"""The API under /api/: one router every app registers its viewsets on, the OpenAPI schema and
its interactive docs, and a token endpoint for scripts."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from daybook.accounts.api.urls import register as register_accounts
from daybook.accounts.api.views import TokenSignInView
from daybook.catalogue.api.urls import register as register_catalogue
from daybook.clients.api.urls import register as register_clients
from daybook.insights.api.urls import register as register_insights
from daybook.people.api.urls import register as register_people
from daybook.review.api.urls import register as register_review
from daybook.service.api.urls import register as register_service
from daybook.timekeeping.api.urls import register as register_timekeeping

router = DefaultRouter()
# The API speaks JSON (`?format=` still picks another renderer); `.json` suffix routes would
# double every door, and custom actions don't take the suffix's argument.
router.include_format_suffixes = False
for register in (
    register_accounts,
    register_catalogue,
    register_people,
    register_clients,
    register_service,
    register_timekeeping,
    register_review,
    register_insights,
):
    register(router)

# The schema describes the API, not its data, but it is still only for people signed in.
SIGNED_IN = [IsAuthenticated]

urlpatterns = [
    path("auth/token/", TokenSignInView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=SIGNED_IN), name="api-schema"),
    path(
        "docs/",
        # The split view serves Swagger UI's start-up script as a file (?script), and our
        # template drops the inline <style>: the page keeps to the Content-Security-Policy.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            permission_classes=SIGNED_IN,
            template_name="core/swagger_ui.html",
        ),
        name="api-docs",
    ),
    *router.urls,
]
