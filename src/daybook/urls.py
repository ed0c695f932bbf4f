from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from daybook.api_urls import router

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(router.urls)),
    path("review/", include("daybook.review.urls")),
    path("insights/", include("daybook.insights.urls")),
    path("interchange/", include("daybook.interchange.urls")),
    path("", include("daybook.core.urls")),
]
