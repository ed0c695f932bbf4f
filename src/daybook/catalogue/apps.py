from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "daybook.catalogue"
    label = "catalogue"
    verbose_name = "Work roles and work types"
