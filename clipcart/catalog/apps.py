from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "clipcart.catalog"
    label = "catalog"
