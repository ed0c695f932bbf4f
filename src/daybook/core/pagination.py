"""How API lists are paged. A module of its own: DRF imports the paging class while it builds
its generic views, before anything that imports those views (core/api.py) can load."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class DaybookPagination(PageNumberPagination):
    """Pages of DAYBOOK_API_PAGE_SIZE rows; `page_size` asks for more or fewer, up to
    DAYBOOK_API_MAX_PAGE_SIZE (a larger one gets the maximum). A page past the last is a 404."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.DAYBOOK_API_MAX_PAGE_SIZE
